package ruby

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// parseLock reads a Gemfile.lock. Sections start at an unindented line
// ("GEM", "GIT", "PATH", "PLATFORMS", "DEPENDENCIES", ...); in the GEM, GIT
// and PATH sections, the lines under "  specs:" indented by exactly four
// spaces are the locked gems, "    name (version)" or, for a platform gem,
// "    nokogiri (1.13.10-x86_64-linux)": the version ends at the first "-",
// since RubyGems versions have none. Lines indented by six are their
// dependencies, constraints not versions, and are skipped. GIT and PATH
// gems (from a repository or a local directory, the app itself among them)
// are reported like the others; a gem locked for several platforms is
// reported once.
//
// It returns the gems, one error per malformed spec line, and an error when
// the file as a whole cannot be read.
func (c *Cataloger) parseLock(r io.Reader, file string) ([]inventory.Package, []error, error) {
	lr := c.newLineReader(r)
	var (
		pkgs          []inventory.Package
		bad           []error
		source, specs bool // in a GEM, GIT or PATH section; under its "specs:"
		n             int
	)
	for line := 1; ; line++ {
		s, truncated, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		switch indent(s) {
		case 0:
			if len(s) > 0 {
				h := string(bytes.TrimSpace(s))
				source, specs = h == "GEM" || h == "GIT" || h == "PATH", false
			}
			continue
		case 2:
			specs = source && string(bytes.TrimSpace(s)) == "specs:"
			continue
		case 4:
		default:
			continue
		}
		if !specs {
			continue
		}
		if n++; n > c.cfg.MaxEntries {
			return nil, nil, fmt.Errorf("more than %d specs", c.cfg.MaxEntries)
		}
		if truncated {
			bad = append(bad, fmt.Errorf("line %d: longer than %d bytes", line, len(s)))
			continue
		}
		name, version, err := spec(s[4:])
		if err != nil {
			bad = append(bad, fmt.Errorf("line %d: %w", line, err))
			continue
		}
		pkgs = append(pkgs, inventory.Package{Name: name, Version: version, Type: inventory.TypeGem, Path: file})
	}
	inventory.SortPackages(pkgs)
	return slices.CompactFunc(pkgs, func(a, b inventory.Package) bool {
		return a.Name == b.Name && a.Version == b.Version
	}), bad, nil
}

// indent counts the leading spaces of s; -1 when a tab follows them (not
// a line Bundler writes).
func indent(s []byte) int {
	n := len(s) - len(bytes.TrimLeft(s, " "))
	if n < len(s) && s[n] == '\t' {
		return -1
	}
	return n
}

// spec reads "name (version[-platform])".
func spec(s []byte) (name, version string, err error) {
	n, rest, ok := bytes.Cut(bytes.TrimRight(s, " \t"), []byte(" ("))
	if !ok || len(rest) == 0 || rest[len(rest)-1] != ')' {
		return "", "", fmt.Errorf("not \"name (version)\": %s", inventory.Clip(string(s), 80))
	}
	v := rest[:len(rest)-1]
	if i := bytes.IndexByte(v, '-'); i >= 0 {
		v = v[:i]
	}
	name, version = string(n), string(v)
	if !validName(name) || !validVersion(version) {
		return "", "", fmt.Errorf("invalid name or version: %s", inventory.Clip(string(s), 80))
	}
	return name, version, nil
}
