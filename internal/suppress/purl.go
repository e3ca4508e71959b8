package suppress

import (
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/match"
)

// purlPattern is a package URL from a VEX statement or an ignore entry.
// Type, namespace and name must equal the package's; the version only when
// the pattern has one; a qualifier only when both sides have its key.
type purlPattern struct {
	typ, namespace, name, version string
	qualifiers                    map[string]string
}

func parsePattern(s string) (purlPattern, error) {
	p, err := packageurl.FromString(strings.TrimSpace(s))
	if err != nil {
		return purlPattern{}, fmt.Errorf("package URL %q: %w", s, err)
	}
	if p.Type == "" || p.Name == "" {
		return purlPattern{}, fmt.Errorf("package URL %q: no type or name", s)
	}
	return purlPattern{
		typ:        strings.ToLower(p.Type),
		namespace:  p.Namespace,
		name:       p.Name,
		version:    p.Version,
		qualifiers: p.Qualifiers.Map(),
	}, nil
}

// parsedPackage is a finding's package with its PURL parsed once.
type parsedPackage struct {
	ref *match.PackageRef
	// ok is false when the finding has no parseable PURL; then only
	// type, name and version of ref are compared.
	ok  bool
	url purlPattern
}

func parsePackage(ref *match.PackageRef) parsedPackage {
	p := parsedPackage{ref: ref}
	if ref.PURL != "" {
		if u, err := parsePattern(ref.PURL); err == nil {
			p.url, p.ok = u, true
		}
	}
	if !p.ok {
		p.url = purlPattern{typ: strings.ToLower(ref.Type), name: ref.Name, version: ref.Version}
	}
	return p
}

// osTypes are the package types whose source package a statement may name
// instead of the binary (a Debian VEX speaks of "openssl", the image holds
// "libssl3").
var osTypes = map[string]bool{"deb": true, "apk": true, "rpm": true}

func (pat *purlPattern) matches(p *parsedPackage) bool {
	u := &p.url
	if pat.typ != u.typ {
		return false
	}
	// Without a PURL on the finding its namespace is unknown: any matches.
	if p.ok && !sameName(pat.typ, pat.namespace, u.namespace) {
		return false
	}
	switch {
	case sameName(pat.typ, pat.name, u.name):
		if pat.version != "" && pat.version != u.version {
			return false
		}
	case osTypes[pat.typ] && p.ref.SourceName != "" && pat.name == p.ref.SourceName:
		if pat.version != "" && pat.version != p.ref.SourceVersion && !(p.ref.SourceVersion == "" && pat.version == u.version) {
			return false
		}
	default:
		return false
	}
	for k, v := range pat.qualifiers {
		if w, ok := u.qualifiers[k]; ok && w != v {
			return false
		}
	}
	return true
}

// sameName compares a namespace or name: exactly, except PyPI's, which
// are case-insensitive with '_' and '-' alike.
func sameName(typ, a, b string) bool {
	if typ == "pypi" {
		return strings.EqualFold(strings.ReplaceAll(a, "_", "-"), strings.ReplaceAll(b, "_", "-"))
	}
	return a == b
}

// ociDigest returns the digest of a "pkg:oci/NAME@sha256:..." URL.
func ociDigest(s string) (string, bool) {
	if !strings.HasPrefix(strings.ToLower(s), "pkg:oci/") {
		return "", false
	}
	p, err := packageurl.FromString(s)
	if err != nil || p.Version == "" {
		return "", false
	}
	return strings.ToLower(p.Version), true
}

// isImageProduct reports whether a VEX product identifier names an image
// rather than a package: an OCI package URL, or anything that is not a
// package URL.
func isImageProduct(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(l, "pkg:oci/") || !strings.HasPrefix(l, "pkg:")
}
