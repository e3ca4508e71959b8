package npm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// lockFile is what Catalog reads of package-lock.json, npm-shrinkwrap.json
// and node_modules/.package-lock.json. Version 2 has both "packages" and the
// v1 "dependencies"; only "packages" is read, so "dependencies" is decoded
// in a second pass, for version 1 only.
type lockFile struct {
	LockfileVersion json.Number           `json:"lockfileVersion"`
	Packages        map[string]*lockEntry `json:"packages"`
}

// lockEntry is one entry of "packages" (v2, v3).
type lockEntry struct {
	Name    string  `json:"name"`
	Version string  `json:"version"`
	Link    bool    `json:"link"`
	License license `json:"license"`
}

// lockV1 is the v1 form: nested "dependencies".
type lockV1 struct {
	Dependencies map[string]*lockV1Dep `json:"dependencies"`
}

type lockV1Dep struct {
	Version      string                `json:"version"`
	Dependencies map[string]*lockV1Dep `json:"dependencies"`
}

// parsePackageLock reads an npm lock file of lockfileVersion 1, 2 or 3.
// A JSON syntax error costs the file; a value of the wrong type costs its
// entry (encoding/json goes on past it and reports the first one).
func (r *result) parsePackageLock(ctx context.Context, b []byte) error {
	var lf lockFile
	if err := decodeJSON(b, &lf, r); err != nil {
		return err
	}
	switch v := lf.LockfileVersion.String(); v {
	case "1", "2", "3", "":
	default:
		r.warn("unknown lockfileVersion, read as version 3", "lockfileVersion", clip(v))
	}
	if lf.Packages != nil {
		return r.lockPackages(ctx, lf.Packages)
	}
	var v1 lockV1
	if err := decodeJSON(b, &v1, r); err != nil {
		return err
	}
	return r.lockV1(ctx, v1.Dependencies, 1)
}

// decodeJSON unmarshals b into v. A syntax error (or nesting beyond
// encoding/json's 10,000 levels) is returned; a type error is logged, since
// the decoder has filled everything else.
func decodeJSON(b []byte, v any, r *result) error {
	err := json.Unmarshal(b, v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Errorf("not a JSON object: %w", err)
		}
		r.warn("value of the wrong type ignored", "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("parse JSON: %w", err)
	}
	return nil
}

// lockPackages reads "packages": keys are install paths
// ("node_modules/a/node_modules/@s/b"), the name the part after the last
// "node_modules/" unless the entry names itself (an alias).
func (r *result) lockPackages(ctx context.Context, pkgs map[string]*lockEntry) error {
	r.grow(len(pkgs))
	for i, key := range slices.Sorted(maps.Keys(pkgs)) {
		if i%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		e := pkgs[key]
		if key == "" || e == nil {
			continue // the project itself
		}
		if e.Link {
			r.debug("skipped link entry", "key", clip(key))
			continue
		}
		j := strings.LastIndex(key, nodeModulesDir+"/")
		if j < 0 {
			r.debug("skipped workspace entry", "key", clip(key))
			continue
		}
		name := key[j+len(nodeModulesDir)+1:]
		if e.Name != "" {
			name = e.Name
		}
		if err := r.addLocked(name, e.Version, e.License.values, "key", key); err != nil {
			return err
		}
	}
	return nil
}

// lockV1 reads v1 "dependencies", depth levels down from the top.
func (r *result) lockV1(ctx context.Context, deps map[string]*lockV1Dep, depth int) error {
	if len(deps) == 0 {
		return nil
	}
	if depth > r.cfg.MaxDepth {
		if !r.tooDeep {
			r.tooDeep = true
			r.warn("dependencies nested too deep, not read", "maxDepth", r.cfg.MaxDepth)
		}
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(deps)) {
		d := deps[name]
		if d == nil {
			r.warn("null dependency entry", "name", clip(name))
			continue
		}
		if err := r.addLocked(name, d.Version, nil, "name", name); err != nil {
			return err
		}
		if err := r.lockV1(ctx, d.Dependencies, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// addLocked adds a locked (name, version): an alias version
// ("npm:real@1.2.3") is the real package; a version that is not SemVer (a
// URL, git spec, "file:" path) is not from the registry and is skipped.
// key names the entry in logs.
func (r *result) addLocked(name, version string, licenses []string, keyName, key string) error {
	if real, ok := strings.CutPrefix(version, "npm:"); ok {
		n, v, ok := splitAt(real)
		if !ok {
			r.warn("malformed alias version", keyName, clip(key), "version", clip(version))
			return nil
		}
		name, version = n, v
	}
	switch {
	case !validName(name):
		r.warn("invalid package name", keyName, clip(key), "name", clip(name))
		return nil
	case version == "":
		r.warn("no version", keyName, clip(key))
		return nil
	case !validSemver(version):
		if strings.ContainsAny(version, ":/") {
			r.debug("skipped package not from the registry", "name", name, "version", clip(version))
		} else {
			r.warn("invalid version", "name", name, "version", clip(version))
		}
		return nil
	}
	if err := r.add(name, version, licenses); err != nil {
		return err
	}
	return nil
}

// license is a declared licence in any of the forms npm has used: "MIT",
// {"type": "MIT", "url": ...}, or an array of either. Anything else is
// ignored: a licence is never worth losing the package over.
type license struct{ values []string }

// maxLicenses and maxLicenseLen bound what one file may declare.
const (
	maxLicenses   = 16
	maxLicenseLen = 1024
)

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (l *license) UnmarshalJSON(b []byte) error {
	l.values = appendLicense(l.values, b, 0)
	return nil
}

func appendLicense(dst []string, b []byte, depth int) []string {
	if len(b) == 0 || len(dst) >= maxLicenses {
		return dst
	}
	switch b[0] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			if s = strings.TrimSpace(s); s != "" && len(s) <= maxLicenseLen {
				dst = append(dst, s)
			}
		}
	case '{':
		var o struct {
			Type json.RawMessage `json:"type"`
		}
		if json.Unmarshal(b, &o) == nil && len(o.Type) > 0 && o.Type[0] == '"' {
			dst = appendLicense(dst, o.Type, depth)
		}
	case '[':
		var a []json.RawMessage
		if depth == 0 && json.Unmarshal(b, &a) == nil {
			for _, e := range a {
				dst = appendLicense(dst, e, depth+1)
			}
		}
	}
	return dst
}
