package version

import (
	"errors"
	"fmt"

	"github.com/google/osv-scalibr/semantic"
)

// Lang orders the versions of a language ecosystem by the rules of its own
// tooling: SemVer 2.0 (npm, Go modules, Cargo, Hex, Swift), PEP 440 (PyPI),
// Maven's ComparableVersion, NuGet, RubyGems' Gem::Version and Composer.
//
// The comparison is osv-scalibr's semantic package (google/osv-scalibr), the
// one osv-scanner uses to evaluate OSV ranges: using it rather than writing
// six comparators here means vigil and osv-scanner order every version the
// same way, and the public vectors in ../shared/version-vectors are that
// package's own test data. It depends on the standard library only.
type Lang struct {
	// Ecosystem is the OSV ecosystem name: "npm", "Go", "crates.io",
	// "PyPI", "Maven", "NuGet", "RubyGems", "Packagist", "Hex", "Pub",
	// "SwiftURL".
	Ecosystem string
}

// langEcosystems maps package-URL types to OSV ecosystem names.
var langEcosystems = map[string]string{
	"semver":   "npm", // plain SemVer 2.0 ordering
	"npm":      "npm",
	"golang":   "Go",
	"cargo":    "crates.io",
	"pypi":     "PyPI",
	"maven":    "Maven",
	"nuget":    "NuGet",
	"gem":      "RubyGems",
	"composer": "Packagist",
	"hex":      "Hex",
	"pub":      "Pub",
	"swift":    "SwiftURL",
}

// Compare orders a and b. Most of these ecosystems order any string (a
// version they cannot read sorts by its parts); PEP 440 refuses versions
// that are not PEP 440 or legacy-parsable.
func (l Lang) Compare(a, b string) (int, error) {
	va, err := semantic.Parse(a, l.Ecosystem)
	if err != nil {
		return 0, l.wrap(a, err)
	}
	r, err := va.CompareStr(b)
	if err != nil {
		return 0, l.wrap(b, err)
	}
	return sign(r), nil
}

// Valid reports whether v parses in the ecosystem (lenient where the
// ecosystem's tooling is lenient) and is not empty.
func (l Lang) Valid(v string) error {
	if v == "" {
		return invalid(l.Ecosystem, v, "empty")
	}
	if _, err := semantic.Parse(v, l.Ecosystem); err != nil {
		return l.wrap(v, err)
	}
	return nil
}

func (l Lang) wrap(v string, err error) error {
	if errors.Is(err, semantic.ErrUnsupportedEcosystem) {
		return fmt.Errorf("%s version %q: no comparator for this ecosystem: %w", l.Ecosystem, v, ErrInvalid)
	}
	return invalid(l.Ecosystem, v, err.Error())
}
