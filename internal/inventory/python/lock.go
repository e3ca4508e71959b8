package python

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/nesting"
)

// readTOML reads a TOML lock file whole (capped) and returns its [[package]]
// tables undecoded, so that one malformed entry costs only itself.
func (c *Cataloger) readTOML(r io.Reader) ([]toml.Primitive, toml.MetaData, error) {
	b, err := readCapped(r, c.cfg.MaxLockBytes)
	if err != nil {
		return nil, toml.MetaData{}, err
	}
	if err := nesting.TOML(b, c.cfg.MaxDepth); err != nil {
		return nil, toml.MetaData{}, &fileError{err}
	}
	var doc struct {
		Package []toml.Primitive `toml:"package"`
	}
	md, err := toml.Decode(string(b), &doc)
	if err != nil {
		return nil, toml.MetaData{}, skipFile("TOML: %w", err)
	}
	if len(doc.Package) > c.cfg.MaxPackages {
		return nil, toml.MetaData{}, skipFile("more than %d packages", c.cfg.MaxPackages)
	}
	return doc.Package, md, nil
}

// parsePoetry reads a poetry.lock (lock-version 1.x and 2.x): the name and
// version of every [[package]], whatever its source (PyPI, a private index,
// git, a URL, a local directory or file).
func (c *Cataloger) parsePoetry(r io.Reader, file string, warn func(string, ...any)) ([]inventory.Package, error) {
	entries, md, err := c.readTOML(r)
	if err != nil {
		return nil, err
	}
	var pkgs []inventory.Package
	for i, e := range entries {
		var p struct {
			Name    string `toml:"name"`
			Version string `toml:"version"`
		}
		if err := md.PrimitiveDecode(e, &p); err != nil {
			warn("package %d: %v", i+1, err)
			continue
		}
		if err := checkEntry(p.Name, p.Version); err != nil {
			warn("package %d: %v", i+1, err)
			continue
		}
		pkgs = append(pkgs, pypi(p.Name, p.Version, file))
	}
	return pkgs, nil
}

// parseUV reads a uv.lock: the name and version of every [[package]] but
// those whose source is editable, virtual or directory (the project being
// locked, its workspace members, local projects).
func (c *Cataloger) parseUV(r io.Reader, file string, warn func(string, ...any)) ([]inventory.Package, error) {
	entries, md, err := c.readTOML(r)
	if err != nil {
		return nil, err
	}
	var pkgs []inventory.Package
	for i, e := range entries {
		var p struct {
			Name    string `toml:"name"`
			Version string `toml:"version"`
			Source  any    `toml:"source"`
		}
		if err := md.PrimitiveDecode(e, &p); err != nil {
			warn("package %d: %v", i+1, err)
			continue
		}
		source, ok := p.Source.(map[string]any)
		if !ok && p.Source != nil {
			warn("package %d: source is not a table", i+1)
			continue
		}
		if uvLocalProject(source) {
			continue
		}
		if err := checkEntry(p.Name, p.Version); err != nil {
			warn("package %d: %v", i+1, err)
			continue
		}
		pkgs = append(pkgs, pypi(p.Name, p.Version, file))
	}
	return pkgs, nil
}

// uvLocalProject reports a uv.lock source that is the project itself, a
// workspace member or a local project (editable, virtual, directory): not a
// distribution from an index, and often without a version.
func uvLocalProject(source map[string]any) bool {
	for _, k := range []string{"editable", "virtual", "directory"} {
		if _, ok := source[k]; ok {
			return true
		}
	}
	return false
}

// parsePipfile reads a Pipfile.lock: the entries of "default" and "develop"
// whose "version" is an exact pin ("==1.2.3", "===1.2.3"). Entries without
// one (git, path, editable) are skipped.
func (c *Cataloger) parsePipfile(r io.Reader, file string, warn func(string, ...any)) ([]inventory.Package, error) {
	b, err := readCapped(r, c.cfg.MaxLockBytes)
	if err != nil {
		return nil, err
	}
	if err := nesting.JSON(b, c.cfg.MaxDepth); err != nil {
		return nil, &fileError{err}
	}
	var doc struct {
		Default map[string]json.RawMessage `json:"default"`
		Develop map[string]json.RawMessage `json:"develop"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, skipFile("JSON: %w", err)
	}
	if len(doc.Default)+len(doc.Develop) > c.cfg.MaxPackages {
		return nil, skipFile("more than %d packages", c.cfg.MaxPackages)
	}
	var pkgs []inventory.Package
	for _, section := range []struct {
		name    string
		entries map[string]json.RawMessage
	}{{"default", doc.Default}, {"develop", doc.Develop}} {
		names := make([]string, 0, len(section.entries))
		for n := range section.entries {
			names = append(names, n)
		}
		sort.Strings(names) // warnings in a stable order
		for _, name := range names {
			var e struct {
				Version *string `json:"version"`
			}
			if err := json.Unmarshal(section.entries[name], &e); err != nil {
				warn("%s %q: %v", section.name, clip(name), err)
				continue
			}
			if e.Version == nil {
				continue // git, path or editable: no version to match
			}
			v, ok := exactPin(*e.Version)
			if !ok {
				continue
			}
			if err := checkEntry(name, v); err != nil {
				warn("%s: %v", section.name, err)
				continue
			}
			pkgs = append(pkgs, pypi(name, v, file))
		}
	}
	return pkgs, nil
}

// exactPin returns the version of "==1.2.3" or "===1.2.3" (blanks allowed
// after the operator); anything else is no pin. A "==" version with a
// wildcard ("==1.2.*") is a range, not a pin.
func exactPin(s string) (string, bool) {
	var v string
	switch {
	case strings.HasPrefix(s, "==="):
		v = strings.TrimSpace(s[3:])
	case strings.HasPrefix(s, "=="):
		v = strings.TrimSpace(s[2:])
		if strings.Contains(v, "*") {
			return "", false
		}
	default:
		return "", false
	}
	return v, v != ""
}

func checkEntry(name, version string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := checkVersion(version); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
