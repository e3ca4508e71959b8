package version

import (
	"errors"
	"fmt"
)

// Comparator orders the versions of one packaging ecosystem exactly as that
// ecosystem's own package manager does.
type Comparator interface {
	// Compare returns -1, 0 or +1 as a sorts before, equal to or after b.
	// It accepts every string the package manager's own comparison accepts
	// (which is often more than Valid allows) and returns an error, naming
	// the version, only where the package manager would refuse to compare.
	Compare(a, b string) (int, error)
	// Valid returns nil if v is well formed by the ecosystem's rules, and
	// otherwise an error naming v and what is wrong with it.
	Valid(v string) error
}

// ErrInvalid is wrapped by every error that Compare and Valid return, so a
// caller can tell a bad version (errors.Is(err, ErrInvalid)) from other errors.
var ErrInvalid = errors.New("invalid version")

// For returns the comparator of an ecosystem named by its package-URL type
// ("deb", "apk", "rpm", "npm", "golang", "cargo", "pypi", "maven", "nuget",
// "gem", "composer", "hex", "pub", "swift"; "semver" is plain SemVer 2.0),
// and false for any other name.
func For(ecosystem string) (Comparator, bool) {
	switch ecosystem {
	case "deb":
		return Deb{}, true
	case "apk":
		return APK{}, true
	case "rpm":
		return RPM{}, true
	}
	if eco, ok := langEcosystems[ecosystem]; ok {
		return Lang{Ecosystem: eco}, true
	}
	return nil, false
}

// invalid builds the error for version v of ecosystem eco.
func invalid(eco, v, reason string) error {
	return fmt.Errorf("%s version %q: %s: %w", eco, v, reason, ErrInvalid)
}

// sign maps any int to -1, 0 or +1.
func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// cmpDigits compares two runs of ASCII digits as unbounded non-negative
// integers (leading zeros ignored), so segments beyond 64 bits never overflow.
func cmpDigits(a, b string) int {
	for len(a) > 0 && a[0] == '0' {
		a = a[1:]
	}
	for len(b) > 0 && b[0] == '0' {
		b = b[1:]
	}
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return cmpBytes(a, b)
}

// cmpBytes is memcmp over the common prefix, then the shorter sorts first.
func cmpBytes(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }
