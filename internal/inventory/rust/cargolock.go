package rust

import (
	"fmt"

	"github.com/BurntSushi/toml"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/nesting"
)

// maxDepth caps the nesting of TOML arrays, inline tables and dotted keys
// (package nesting). Cargo.lock nests two deep; the TOML parser recurses per
// level with no limit of its own, so a file of a million "[" would exhaust
// the stack, and takes time quadratic in the parts of a dotted key.
const maxDepth = 32

// lockFile is what Catalog keeps of a Cargo.lock. Packages are decoded as
// maps so that one entry of a wrong type loses only itself.
type lockFile struct {
	Version any              `toml:"version"`
	Package []map[string]any `toml:"package"`
}

// parseLock reads a Cargo.lock of any format version (1: checksums in a
// [metadata] table; 2: checksums inline, no version key; 3 and 4: a top
// "version = N") and returns its packages and one error per malformed
// entry. The error result is for what loses the whole file: nesting past
// maxDepth, a TOML syntax error, more packages than the cap.
func (c *Cataloger) parseLock(data []byte, p string) ([]inventory.Package, []error, error) {
	if err := nesting.TOML(data, maxDepth); err != nil {
		return nil, nil, err
	}
	var lf lockFile
	if _, err := toml.Decode(string(data), &lf); err != nil {
		return nil, nil, fmt.Errorf("parse: %w", clipErr(err))
	}
	if len(lf.Package) > c.cfg.MaxPackages {
		return nil, nil, fmt.Errorf("%d packages, more than the limit of %d", len(lf.Package), c.cfg.MaxPackages)
	}
	var bad []error
	switch v := lf.Version.(type) {
	case nil:
	case int64:
		if v < 1 || v > 4 {
			bad = append(bad, fmt.Errorf("unknown lock format version %d, read as version 4", v))
		}
	default:
		bad = append(bad, fmt.Errorf("lock format version of type %T, read as version 4", v))
	}
	pkgs := make([]inventory.Package, 0, len(lf.Package))
	seen := make(map[[2]string]bool, len(lf.Package))
	for i, e := range lf.Package {
		name, okName := e["name"].(string)
		version, okVersion := e["version"].(string)
		if !okName || !okVersion || !validName(name) || !validVersion(version) {
			bad = append(bad, fmt.Errorf("package %d: bad name %s or version %s", i+1, clip(e["name"]), clip(e["version"])))
			continue
		}
		k := [2]string{name, version}
		if seen[k] {
			continue
		}
		seen[k] = true
		pkgs = append(pkgs, inventory.Package{Name: name, Version: version, Type: inventory.TypeCargo, Path: p})
	}
	return pkgs, bad, nil
}

// validName reports whether s can be a crate name: crates.io allows ASCII
// letters, digits, "-" and "_", up to 64 characters; older and private
// registries were laxer, so only what would break a PURL or a log line is
// refused.
func validName(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '/' || r == '@' || r == '?' || r == '#' || r == '%' || r > 0x7e {
			return false
		}
	}
	return true
}

// validVersion reports whether s can be a Cargo (SemVer) version: printable
// ASCII without spaces.
func validVersion(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := range len(s) {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// clip quotes a value for an error message, at most 40 bytes of it.
func clip(v any) string {
	s := fmt.Sprintf("%v", v)
	if v == nil {
		s = "(missing)"
	}
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// clipErr shortens a TOML error, whose text may quote a long line.
func clipErr(err error) error {
	if s := err.Error(); len(s) > 200 {
		return fmt.Errorf("%s...", s[:200])
	}
	return err
}
