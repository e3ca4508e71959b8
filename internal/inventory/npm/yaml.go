package npm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlNodeBound is an upper bound of the nodes yaml.v3 makes of b, found
// without parsing: every node but a document's root needs one of
// ":", ",", "[", "{", "?" or a "- " sequence entry, and none of those
// yields more than two nodes. It lets a hostile file be refused before the
// parser spends memory on it.
func yamlNodeBound(b []byte) int {
	n := 0
	for i, c := range b {
		switch c {
		case ':', ',', '[', '{', '?':
			n++
		case '-':
			if i+1 == len(b) || b[i+1] == ' ' || b[i+1] == '\n' || b[i+1] == '\r' || b[i+1] == '\t' {
				n++
			}
		case '\n':
			if bytes.HasPrefix(b[i+1:], []byte("---")) {
				n++ // a new document
			}
		}
	}
	return 2*n + 4
}

// decodeYAML parses every document of b and calls each with its root node.
// Lock files never use anchors and aliases: a document with one is refused,
// which also rules out "billion laughs" expansion. Config.MaxYAMLNodes caps
// the nodes of the whole file.
func (r *result) decodeYAML(ctx context.Context, b []byte, each func(root *yaml.Node) error) error {
	if bound := yamlNodeBound(b); bound > r.cfg.MaxYAMLNodes {
		return fmt.Errorf("%w: may hold up to %d YAML nodes, more than the limit of %d", errSkip, bound, r.cfg.MaxYAMLNodes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	nodes := 0
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parse YAML: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := checkNodes(&doc, &nodes, r.cfg.MaxYAMLNodes); err != nil {
			return err
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
			continue
		}
		if err := each(doc.Content[0]); err != nil {
			return err
		}
	}
}

// checkNodes counts n's nodes into *count and refuses anchors and aliases.
func checkNodes(n *yaml.Node, count *int, max int) error {
	if *count++; *count > max {
		return fmt.Errorf("%w: more than %d YAML nodes", errSkip, max)
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return fmt.Errorf("%w: YAML anchor or alias at line %d (lock files have none)", errSkip, n.Line)
	}
	for _, c := range n.Content {
		if err := checkNodes(c, count, max); err != nil {
			return err
		}
	}
	return nil
}

// scalarField returns the value of key in mapping m, if it is a scalar.
func scalarField(m *yaml.Node, key string) (string, bool) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			if v := m.Content[i+1]; v.Kind == yaml.ScalarNode {
				return v.Value, true
			}
			return "", false
		}
	}
	return "", false
}

// parseBerry reads a yarn berry (v2+) lock file:
//
//	"lodash@npm:^4.17.15, lodash@npm:^4.17.21":
//	  version: 4.17.21
//	  resolution: "lodash@npm:4.17.21"
//
// The package is named by its resolution (the first descriptor of the key
// when there is none). Workspaces, link:, portal:, file: and exec: entries
// are the project's own and are skipped; a patch: entry is the patched
// package.
func (r *result) parseBerry(ctx context.Context, b []byte) error {
	return r.decodeYAML(ctx, b, func(root *yaml.Node) error {
		if root.Kind != yaml.MappingNode {
			return fmt.Errorf("%w: not a YAML mapping", errSkip)
		}
		for i := 0; i+1 < len(root.Content); i += 2 {
			k, v := root.Content[i], root.Content[i+1]
			if k.Kind != yaml.ScalarNode || v.Kind != yaml.MappingNode {
				r.warn("malformed yarn.lock entry", "line", k.Line)
				continue
			}
			if k.Value == "__metadata" {
				continue
			}
			if err := r.berryEntry(k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

func (r *result) berryEntry(k, v *yaml.Node) error {
	res, ok := scalarField(v, "resolution")
	if !ok {
		descs := splitDescriptors(k.Value)
		if len(descs) == 0 {
			r.warn("malformed yarn.lock entry", "line", k.Line, "err", "no descriptor")
			return nil
		}
		res = descs[0]
	}
	name, rng, ok := splitAt(res)
	if !ok {
		r.warn("malformed yarn.lock entry", "line", k.Line, "err", "resolution without range", "resolution", clip(res))
		return nil
	}
	switch {
	case isLocal(rng):
		r.debug("skipped local package", "line", k.Line, "name", name)
		return nil
	case strings.HasPrefix(rng, "npm:"):
		// "npm:4.17.21", or the key's alias "npm:real@^1" without resolution
		if real, _, ok := splitAt(rng[len("npm:"):]); ok {
			name = real
		}
	case strings.HasPrefix(rng, "patch:"):
		// "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::..."
		inner, _, ok := splitAt(rng[len("patch:"):])
		if !ok {
			r.warn("malformed yarn.lock entry", "line", k.Line, "err", "patch without package", "resolution", clip(res))
			return nil
		}
		if u, err := url.PathUnescape(inner); err == nil {
			inner = u
		}
		name = inner
	}
	version, ok := scalarField(v, "version")
	if !ok {
		r.warn("malformed yarn.lock entry", "line", k.Line, "err", "no version")
		return nil
	}
	return r.addLocked(name, version, nil, "line", fmt.Sprint(k.Line))
}

// parsePnpm reads a pnpm-lock.yaml; only the keys of "packages" are used:
//
//	5.x: /lodash/4.17.21, /@babel/core/7.12.3_supports-color@8.1.1
//	6.x: /lodash@4.17.21, /@babel/core@7.22.5(supports-color@8.1.1)
//	9.x: lodash@4.17.21, '@babel/core@7.22.5' ("snapshots" repeats them
//	     with peers and is not read)
//
// Peer suffixes are dropped. Keys whose version is not SemVer (file:,
// link:, git and tarball URLs) are not from the registry and are skipped.
func (r *result) parsePnpm(ctx context.Context, b []byte) error {
	return r.decodeYAML(ctx, b, func(root *yaml.Node) error {
		if root.Kind != yaml.MappingNode {
			return fmt.Errorf("%w: not a YAML mapping", errSkip)
		}
		if v, ok := scalarField(root, "lockfileVersion"); ok {
			if major, _, _ := strings.Cut(v, "."); major != "5" && major != "6" && major != "7" && major != "9" {
				r.warn("unknown pnpm lockfileVersion, read anyway", "lockfileVersion", clip(v))
			}
		}
		for i := 0; i+1 < len(root.Content); i += 2 {
			k, v := root.Content[i], root.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Value != "packages" {
				continue
			}
			if v.Kind != yaml.MappingNode {
				if v.Kind != yaml.ScalarNode || v.Tag != "!!null" {
					r.warn("packages is not a mapping", "line", v.Line)
				}
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				pk := v.Content[j]
				if pk.Kind != yaml.ScalarNode {
					r.warn("malformed packages key", "line", pk.Line)
					continue
				}
				name, version, ok := pnpmKey(pk.Value)
				if !ok {
					if notRegistryKey(pk.Value) {
						r.debug("skipped package not from the registry", "key", clip(pk.Value))
					} else {
						r.warn("malformed packages key", "line", pk.Line, "key", clip(pk.Value))
					}
					continue
				}
				if err := r.add(name, version, nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// pnpmKey splits a "packages" key of any lockfile version into a registry
// package's name and version.
func pnpmKey(key string) (name, version string, ok bool) {
	k := strings.TrimPrefix(key, "/")
	if i := strings.IndexByte(k, '('); i >= 0 {
		k = k[:i]
	}
	if n, v, ok := splitAt(k); ok {
		if i := strings.IndexByte(v, '_'); i >= 0 {
			v = v[:i]
		}
		if validName(n) && validSemver(v) {
			return n, v, true
		}
	}
	if i := strings.LastIndexByte(k, '/'); i > 0 { // 5.x: name/version_peers
		n, v := k[:i], k[i+1:]
		if i := strings.IndexByte(v, '_'); i >= 0 {
			v = v[:i]
		}
		if validName(n) && validSemver(v) {
			return n, v, true
		}
	}
	return "", "", false
}

// notRegistryKey reports whether a packages key that is not name and
// version names a source: a protocol ("file:", "link:", "https:") or a
// host ("github.com/user/repo/sha", "registry.example.org/a/-/a-1.tgz").
func notRegistryKey(key string) bool {
	if strings.Contains(key, ":") {
		return true
	}
	host, _, _ := strings.Cut(strings.TrimPrefix(key, "/"), "/")
	return strings.Contains(host, ".") && !strings.HasPrefix(host, "@")
}
