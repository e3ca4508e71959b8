package pkgname

import "strings"

// ecosystems maps package-URL types of language packages to OSV ecosystem
// names.
var ecosystems = map[string]string{
	"golang":   "Go",
	"npm":      "npm",
	"pypi":     "PyPI",
	"cargo":    "crates.io",
	"maven":    "Maven",
	"gem":      "RubyGems",
	"nuget":    "NuGet",
	"composer": "Packagist",
	"hex":      "Hex",
	"pub":      "Pub",
	"swift":    "SwiftURL",
}

// Ecosystem returns the OSV ecosystem of a language package type ("pypi" is
// "PyPI"), and false for OS package types and unknown ones.
func Ecosystem(purlType string) (string, bool) {
	e, ok := ecosystems[purlType]
	return e, ok
}

// Normalize returns the form of name under which ecosystem compares
// package names. It returns name itself, without allocating, when it is
// already in that form. The ecosystem may carry a release suffix
// ("Debian:11"), which never changes the rule.
func Normalize(ecosystem, name string) string {
	switch ecosystem {
	case "PyPI":
		return pep503(name)
	case "NuGet", "Packagist", "crates.io":
		return lower(name)
	}
	return name
}

// pep503 is PEP 503's normalisation: re.sub(r"[-_.]+", "-", name).lower().
func pep503(name string) string {
	clean := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' || c == '_' || c == '.' || c == '-' && i+1 < len(name) && isSep(name[i+1]) {
			clean = false
			break
		}
	}
	if clean {
		return name
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isSep(c) {
			for i+1 < len(name) && isSep(name[i+1]) {
				i++
			}
			b.WriteByte('-')
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isSep(c byte) bool { return c == '-' || c == '_' || c == '.' }

// lower is ASCII lower case (package names of these ecosystems are ASCII;
// other bytes are kept as they are).
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
