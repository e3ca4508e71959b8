package inventory

import (
	"strings"

	"github.com/package-url/packageurl-go"
)

// PURL builds the package URL of a package from its type and the image's
// distribution. Language packages follow their purl-spec types: golang and
// composer split the namespace at the last "/", npm scopes are the
// namespace, maven "group:artifact" is namespace and name, pypi names are
// lower case with "-" for "_". For deb, apk and rpm, following the purl-spec: the
// namespace is the distribution ID, the version carries no epoch for rpm (the
// epoch goes into its own qualifier, as the rpm type requires) and the distro
// qualifier is "ID-VERSION_ID", as the matchers of other tools expect.
func PURL(p Package, d *Distro) string {
	namespace := ""
	var q packageurl.Qualifiers
	if p.Arch != "" {
		q = append(q, packageurl.Qualifier{Key: "arch", Value: p.Arch})
	}
	version := p.Version
	switch p.Type {
	case "deb", "apk", "rpm":
		namespace = defaultNamespace(p.Type)
		if d != nil && d.ID != "" {
			namespace = d.ID
		}
		if p.Type == "rpm" {
			if e, rest, ok := strings.Cut(version, ":"); ok {
				version = rest
				q = append(q, packageurl.Qualifier{Key: "epoch", Value: e})
			}
		}
		if p.SourceName != "" && p.SourceName != p.Name {
			up := p.SourceName
			if p.SourceVersion != "" && p.SourceVersion != p.Version {
				up += "@" + p.SourceVersion
			}
			q = append(q, packageurl.Qualifier{Key: "upstream", Value: up})
		}
		if d != nil && d.ID != "" {
			dq := d.ID
			if d.VersionID != "" {
				dq += "-" + d.VersionID
			}
			q = append(q, packageurl.Qualifier{Key: "distro", Value: dq})
		}
	}
	name := p.Name
	switch p.Type {
	case TypeGolang, TypeComposer:
		// "github.com/x/y": namespace "github.com/x", name "y";
		// "vendor/package": namespace "vendor".
		if i := strings.LastIndexByte(name, '/'); i > 0 {
			namespace, name = name[:i], name[i+1:]
		}
	case TypeNPM:
		if strings.HasPrefix(name, "@") {
			if ns, n, ok := strings.Cut(name, "/"); ok {
				namespace, name = ns, n
			}
		}
	case TypeMaven:
		if g, a, ok := strings.Cut(name, ":"); ok {
			namespace, name = g, a
		}
	case TypePyPI:
		// The purl-spec pypi type: lower case, "_" is "-".
		name = strings.ReplaceAll(strings.ToLower(name), "_", "-")
	}
	return packageurl.NewPackageURL(p.Type, namespace, name, version, q, "").ToString()
}

func defaultNamespace(typ string) string {
	switch typ {
	case "deb":
		return "debian"
	case "apk":
		return "alpine"
	case "rpm":
		return "redhat"
	}
	return ""
}
