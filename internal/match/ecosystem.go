package match

import (
	"strings"

	"golang.org/x/mod/semver"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/pkgname"
	"github.com/vigil-sec/vigil/internal/version"
)

// target is one (ecosystem, name, version) a package is looked up and
// compared as; an Ubuntu binary has two (binary and source).
type target struct {
	eco     string // "Debian:11", "Alpine:v3.20", "Go", ...
	name    string // the name the advisories use
	version string // the version compared
	// kind says which name it is, for Why: "source", "origin", "binary",
	// "package".
	kind string
	// typ is the package-URL type whose comparator orders version.
	typ string
}

// debianReleases maps codenames to the release number used in "Debian:<N>".
var debianReleases = map[string]string{
	"jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11",
	"bookworm": "12", "trixie": "13", "forky": "14", "duke": "15",
	"sid": "sid", "unstable": "sid",
}

// ubuntuReleases maps codenames to VERSION_ID, for an os-release without it.
var ubuntuReleases = map[string]string{
	"xenial": "16.04", "bionic": "18.04", "focal": "20.04", "jammy": "22.04",
	"mantic": "23.10", "noble": "24.04", "oracular": "24.10", "plucky": "25.04",
	"questing": "25.10",
}

// targets returns what p is looked up as, and "" with a reason when it
// cannot be matched (unknown or unsupported distribution, package type that
// does not belong to it, no version).
func targets(d *inventory.Distro, p *inventory.Package) ([]target, string) {
	if p.Version == "" || p.Name == "" {
		return nil, "package without name or version"
	}
	if eco, ok := pkgname.Ecosystem(p.Type); ok {
		return languageTarget(eco, p)
	}
	switch p.Type {
	case "deb", "apk", "rpm":
	default:
		return nil, "package type has no advisory ecosystem"
	}
	if d == nil {
		return nil, "no distribution identified"
	}
	eco, why := distroEcosystem(d)
	if eco == "" {
		return nil, why
	}
	family := ""
	switch d.ID {
	case "debian", "ubuntu":
		family = "deb"
	case "alpine":
		family = "apk"
	case "azurelinux", "mariner":
		family = "rpm"
	}
	if p.Type != family {
		return nil, p.Type + " package on " + d.ID
	}
	srcName, srcVersion := or(p.SourceName, p.Name), or(p.SourceVersion, p.Version)
	switch d.ID {
	case "debian":
		return []target{{eco: eco, name: srcName, version: srcVersion, kind: "source", typ: "deb"}}, ""
	case "ubuntu":
		bin := target{eco: eco, name: p.Name, version: p.Version, kind: "binary", typ: "deb"}
		if srcName == p.Name && srcVersion == p.Version {
			bin.kind = "package"
			return []target{bin}, ""
		}
		return []target{bin, {eco: eco, name: srcName, version: srcVersion, kind: "source", typ: "deb"}}, ""
	case "alpine":
		// A binary's version is its origin's.
		return []target{{eco: eco, name: srcName, version: p.Version, kind: "origin", typ: "apk"}}, ""
	default: // azurelinux, mariner
		// Azure Linux OVAL names the spec (source rpm) a binary was built
		// from: openssh-server is matched as openssh. The binary name is
		// looked up too, for records that name it.
		bin := target{eco: eco, name: p.Name, version: p.Version, kind: "package", typ: "rpm"}
		if srcName == p.Name {
			return []target{bin}, ""
		}
		bin.kind = "binary"
		return []target{bin, {eco: eco, name: srcName, version: p.Version, kind: "source", typ: "rpm"}}, ""
	}
}

// languageTarget is what a language package is looked up as: its OSV
// ecosystem, its name and version; or why it is not matched.
func languageTarget(eco string, p *inventory.Package) ([]target, string) {
	if p.OwnedBy != "" {
		// The distribution backports fixes without changing the upstream
		// version: its advisories, matched on the owner, are the truth.
		return nil, "installed by an OS package (matched through it)"
	}
	v := p.Version
	switch p.Type {
	case inventory.TypeGolang:
		// Go module versions carry a "v"; OSV's Go records do not.
		// "(devel)" and local replacements have no version to compare.
		if !semver.IsValid(v) {
			return nil, "Go module without a release version"
		}
		v = strings.TrimPrefix(v, "v")
	case inventory.TypeMaven:
		if !strings.Contains(p.Name, ":") {
			return nil, "Maven artifact without a group"
		}
	}
	return []target{{eco: eco, name: p.Name, version: v, kind: "package", typ: p.Type}}, ""
}

// distroEcosystem is the OSV ecosystem of an operating system's packages,
// or "" and why not.
func distroEcosystem(d *inventory.Distro) (string, string) {
	switch d.ID {
	case "debian":
		rel := ""
		if d.VersionID != "" {
			rel, _, _ = strings.Cut(d.VersionID, ".")
		} else {
			rel = debianReleases[strings.ToLower(d.Codename)]
		}
		if rel == "" {
			return "", "Debian release unknown"
		}
		return "Debian:" + rel, ""
	case "ubuntu":
		rel := d.VersionID
		if rel == "" {
			rel = ubuntuReleases[strings.ToLower(d.Codename)]
		}
		if rel == "" {
			return "", "Ubuntu release unknown"
		}
		return "Ubuntu:" + rel, ""
	case "alpine":
		v := d.VersionID
		if v == "" {
			return "", "Alpine release unknown"
		}
		if v == "edge" || strings.Contains(v, "_") {
			return "Alpine:edge", ""
		}
		return "Alpine:v" + majorMinor(v), ""
	case "azurelinux":
		if d.VersionID == "" {
			return "", "Azure Linux release unknown"
		}
		return "Azure Linux:" + majorMinor(d.VersionID), ""
	case "mariner":
		if d.VersionID == "" {
			return "", "CBL-Mariner release unknown"
		}
		return "CBL-Mariner:" + majorMinor(d.VersionID), ""
	}
	return "", "distribution " + d.ID + " has no advisory source"
}

// majorMinor cuts "3.20.3" to "3.20"; "3" stays "3".
func majorMinor(v string) string {
	first := strings.IndexByte(v, '.')
	if first < 0 {
		return v
	}
	if second := strings.IndexByte(v[first+1:], '.'); second >= 0 {
		return v[:first+1+second]
	}
	return v
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// comparatorFor returns the comparator for versions of a range of type
// rangeType ("ECOSYSTEM", "SEMVER") of a target of package type typ.
// ECOSYSTEM ranges use the ecosystem's comparator; SEMVER ranges use a
// "semver" comparator where internal/version has one, else the ecosystem's
// own when the ecosystem's versions are SemVer (Go). ok is false when
// there is none: the range cannot be evaluated.
func comparatorFor(typ, rangeType string) (version.Comparator, bool) {
	switch rangeType {
	case "ECOSYSTEM", "":
		return version.For(typ)
	case "SEMVER":
		if c, ok := version.For("semver"); ok {
			return c, true
		}
		if typ == "golang" {
			return version.For(typ)
		}
	}
	return nil, false
}

// comparators hands out comparatorFor's comparators wrapped in
// version.Cached, one per (type, range type), for one Match: each distinct
// version string is parsed once. Not safe for concurrent use.
type comparators struct {
	m map[[2]string]version.Comparator
}

func newComparators() *comparators {
	return &comparators{m: map[[2]string]version.Comparator{}}
}

func (cs *comparators) get(typ, rangeType string) (version.Comparator, bool) {
	if rangeType == "" {
		rangeType = "ECOSYSTEM"
	}
	k := [2]string{typ, rangeType}
	if c, ok := cs.m[k]; ok {
		return c, c != nil
	}
	c, ok := comparatorFor(typ, rangeType)
	if ok {
		c = version.Cached(c)
	} else {
		c = nil
	}
	cs.m[k] = c
	return c, ok
}
