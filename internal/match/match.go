package match

import (
	"context"
	"errors"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Source is what matching reads from the vulnerability database;
// *vulndb.DB implements it, unit tests use a fake.
type Source interface {
	Lookup(ecosystem, pkg string) ([]vulndb.Entry, error)
	Advisory(key string) (*vulndb.Advisory, error)
	KEV(cve string) (vulndb.KEV, bool, error)
}

// Severity is a finding's severity, ordered: a greater value is worse.
type Severity int

const (
	SeverityUnknown Severity = iota
	SeverityNegligible
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

// Status says whether a fix exists for a finding.
type Status string

const (
	// StatusFixed: a fixed version exists (Finding.FixedVersion).
	StatusFixed Status = "fixed"
	// StatusUnfixed: no fix yet.
	StatusUnfixed Status = "unfixed"
	// StatusWontFix: the distribution will not fix it (Debian no-dsa, ignored).
	StatusWontFix Status = "wont-fix"
	// StatusEndOfLife: the package or release is no longer supported.
	StatusEndOfLife Status = "end-of-life"
)

// PackageRef names the package a finding is about, as the inventory found it.
type PackageRef struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	Type          string `json:"type"`
	PURL          string `json:"purl,omitempty"`
	SourceName    string `json:"sourceName,omitempty"`
	SourceVersion string `json:"sourceVersion,omitempty"`
	Layer         string `json:"layer,omitempty"`
	Path          string `json:"path,omitempty"`
}

// Finding is one vulnerability in one package. Advisories that name the
// same vulnerability (a CVE and the DSA or GHSA that carries it) are merged
// into one finding per package.
type Finding struct {
	// ID is the CVE where one is known, else the advisory's own ID.
	ID string `json:"id"`
	// Aliases are the other IDs of the merged advisories, sorted.
	Aliases []string `json:"aliases,omitempty"`
	Package PackageRef `json:"package"`
	// Advisories are the keys of the advisories that matched, sorted.
	Advisories []string `json:"advisories"`
	// Sources are the feeds those advisories came from, sorted.
	Sources []string `json:"sources"`
	Status  Status   `json:"status"`
	// FixedVersion is the lowest version that fixes it, in the package's
	// ecosystem syntax; empty unless Status is StatusFixed.
	FixedVersion string   `json:"fixedVersion,omitempty"`
	Severity     Severity `json:"severity"`
	// SeveritySource says where Severity came from ("debian", "nvd", "CVSS_V3", ...).
	SeveritySource string `json:"severitySource,omitempty"`
	// CVSS is the highest base score among the CVSS vectors given, 0 if none.
	CVSS       float64 `json:"cvss,omitempty"`
	CVSSVector string  `json:"cvssVector,omitempty"`
	// KEV is set when the ID or an alias is in CISA's catalogue.
	KEV          bool   `json:"kev,omitempty"`
	KEVDateAdded string `json:"kevDateAdded,omitempty"`
	Summary      string `json:"summary,omitempty"`
	// Ecosystem and Why explain the match: the ecosystem and package name
	// looked up, the version compared and the range it fell in.
	Ecosystem string `json:"ecosystem"`
	Why       string `json:"why"`
}

// Options tunes matching.
type Options struct {
	// Now is the time used for age and expiry decisions; zero means time.Now.
	Now time.Time
}

// Match finds the vulnerabilities of every package in inv. Findings come
// back sorted with Sort. A package whose ecosystem is unknown (no distro,
// unsupported distribution) is skipped, not an error.
func Match(ctx context.Context, src Source, inv *inventory.Inventory, opts Options) ([]Finding, error) {
	return nil, errors.New("match.Match: not implemented")
}
