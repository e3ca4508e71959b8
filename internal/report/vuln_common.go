package report

import (
	"net/url"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
)

// severityNames are the names the vulnerability reports write, indexed by
// match.Severity (match.Severity.String of each).
var severityNames = [...]string{
	match.SeverityUnknown:    match.SeverityUnknown.String(),
	match.SeverityNegligible: match.SeverityNegligible.String(),
	match.SeverityLow:        match.SeverityLow.String(),
	match.SeverityMedium:     match.SeverityMedium.String(),
	match.SeverityHigh:       match.SeverityHigh.String(),
	match.SeverityCritical:   match.SeverityCritical.String(),
}

// severityName is the lower-case name of s; "unknown" for values out of range.
func severityName(s match.Severity) string { return severityNames[severityIndex(s)] }

// severityIndex clamps s into the range of severityNames.
func severityIndex(s match.Severity) int {
	if s < 0 || int(s) >= len(severityNames) {
		return int(match.SeverityUnknown)
	}
	return int(s)
}

// resultInventory is res.Inventory, or an empty one named "unknown".
func resultInventory(res *match.Result) *inventory.Inventory {
	if res.Inventory == nil {
		return &inventory.Inventory{Source: inventory.Source{Kind: "unknown", Name: "unknown"}}
	}
	return res.Inventory
}

// targetName is the scanned artifact as people name it: NAME@DIGEST for an
// image whose digest is known, the reference or path otherwise. short cuts
// the digest to 12 hex digits.
func targetName(src inventory.Source, short bool) string {
	name := src.Name
	if name == "" {
		name = src.Kind
	}
	if src.Digest == "" || strings.Contains(name, "@") {
		return name
	}
	d := src.Digest
	if short {
		if alg, h, ok := strings.Cut(d, ":"); ok && len(h) > 12 {
			d = alg + ":" + h[:12]
		}
	}
	return name + "@" + d
}

// distroName is "debian 12 (bookworm)", or "" without a distribution.
func distroName(d *inventory.Distro) string {
	if d == nil {
		return ""
	}
	name := strings.TrimSpace(d.ID + " " + d.VersionID)
	if d.Codename != "" {
		name += " (" + d.Codename + ")"
	}
	return name
}

// pkgKey identifies a package of a finding, and the inventory package it
// came from: the purl carries the architecture, layer and path the copy.
func pkgKey(typ, name, version, purl, layer, path string) string {
	return typ + "\x00" + name + "\x00" + version + "\x00" + purl + "\x00" + layer + "\x00" + path
}

func refKey(p *match.PackageRef) string {
	return pkgKey(p.Type, p.Name, p.Version, p.PURL, p.Layer, p.Path)
}

func invKey(p *inventory.Package) string {
	return pkgKey(p.Type, p.Name, p.Version, p.PURL, p.Layer, p.Path)
}

// vulnSummary counts a result the way every format reports it:
// match.Summary's counts of the findings, and the suppressed ones.
type vulnSummary struct {
	total int
	// bySeverity is indexed by match.Severity.
	bySeverity [len(severityNames)]int
	packages   int
	fixable    int
	kev        int
	suppressed int
}

func summarize(res *match.Result) vulnSummary {
	c := match.Summary(res.Findings)
	s := vulnSummary{total: c.Total, packages: c.Packages, fixable: c.Fixed, kev: c.KEV, suppressed: len(res.Suppressed)}
	for sev, n := range c.BySeverity {
		s.bySeverity[severityIndex(sev)] += n
	}
	return s
}

// dbTime is when the vulnerability data was built: DBInfo.Built, else the
// newest data time of its sources; zero when unknown.
func dbTime(db match.DBInfo) time.Time {
	if !db.Built.IsZero() {
		return db.Built
	}
	var t time.Time
	for _, s := range db.Sources {
		if s.DataTime.After(t) {
			t = s.DataTime
		}
	}
	return t
}

// advisoryURL is a page describing the vulnerability id: the distribution's
// tracker when the finding came from it, else the canonical database of the
// ID's namespace, else OSV.
func advisoryURL(id string, sources []string) string {
	esc := url.PathEscape(id)
	from := func(prefix string) bool {
		for _, s := range sources {
			if strings.HasPrefix(s, prefix) {
				return true
			}
		}
		return false
	}
	switch {
	case strings.HasPrefix(id, "CVE-"):
		switch {
		case from("debian"):
			return "https://security-tracker.debian.org/tracker/" + esc
		case from("alpine"):
			return "https://security.alpinelinux.org/vuln/" + esc
		case from("ubuntu"):
			return "https://ubuntu.com/security/" + esc
		}
		return "https://nvd.nist.gov/vuln/detail/" + esc
	case strings.HasPrefix(id, "DSA-"), strings.HasPrefix(id, "DLA-"), strings.HasPrefix(id, "TEMP-"):
		return "https://security-tracker.debian.org/tracker/" + esc
	case strings.HasPrefix(id, "USN-"):
		return "https://ubuntu.com/security/notices/" + esc
	case strings.HasPrefix(id, "GHSA-"):
		return "https://github.com/advisories/" + esc
	case strings.HasPrefix(id, "GO-"):
		return "https://pkg.go.dev/vuln/" + esc
	}
	return "https://osv.dev/vulnerability/" + esc
}

// oneLine collapses runs of white space (newlines included) into one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
