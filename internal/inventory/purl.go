package inventory

import (
	"strings"

	"github.com/package-url/packageurl-go"
)

// PURL builds the package URL of an OS package from its type and the image's
// distribution, following the purl-spec types for deb, apk and rpm: the
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
	return packageurl.NewPackageURL(p.Type, namespace, p.Name, version, q, "").ToString()
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
