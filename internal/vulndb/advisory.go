package vulndb

import (
	"context"
	"io"
	"time"
)

// Advisory is one vulnerability record in vigil's own model. It is shaped
// after OSV (https://ossf.github.io/osv-schema/) so that OSV records import
// without loss, and every distribution feed (Debian tracker, Alpine secdb,
// OVAL) maps onto it. Plain data: importers fill it, the store keeps it,
// matching reads it.
type Advisory struct {
	// ID is the source's primary identifier: "CVE-2023-0286", "DSA-5343-1",
	// "GHSA-xxxx-xxxx-xxxx", "GO-2024-1234", "ALAS-...".
	ID string `json:"id"`
	// Aliases are other identifiers of the same vulnerability (CVE IDs of a
	// DSA, the GHSA of a CVE, ...); matching merges on them.
	Aliases []string `json:"aliases,omitempty"`
	// Source names the feed it came from: "debian", "alpine", "azurelinux",
	// "ubuntu", "osv".
	Source    string    `json:"source"`
	Summary   string    `json:"summary,omitempty"`
	Published time.Time `json:"published,omitzero"`
	Modified  time.Time `json:"modified,omitzero"`
	// Severity as the source gives it: CVSS vectors and distribution ratings.
	Severity   []Severity `json:"severity,omitempty"`
	References []string   `json:"references,omitempty"`
	Affected   []Affected `json:"affected,omitempty"`
}

// Severity is one rating of an advisory or of one affected package.
type Severity struct {
	// Type is "CVSS_V2", "CVSS_V3", "CVSS_V4" (Score is the vector) or
	// "DISTRO" (Score is the distribution's own label: "high", "unimportant", ...).
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Status says what a source knows about a package it lists.
type Status string

const (
	// StatusAffected: versions in Ranges/Versions are vulnerable; a range
	// with a Fixed event has a fix.
	StatusAffected Status = "affected"
	// StatusUnfixed: every version is vulnerable and no fix exists yet.
	StatusUnfixed Status = "unfixed"
	// StatusWontFix: the distribution decided not to fix (Debian <no-dsa>,
	// <ignored>, "will not fix").
	StatusWontFix Status = "wont-fix"
	// StatusEndOfLife: the release is no longer supported for this package.
	StatusEndOfLife Status = "end-of-life"
	// StatusNotAffected: the package was never vulnerable in this release
	// (Debian <not-affected>, Alpine fix version "0").
	StatusNotAffected Status = "not-affected"
)

// Affected is one package in one ecosystem with the versions the advisory
// covers.
type Affected struct {
	// Ecosystem is an OSV ecosystem string: "Debian:11", "Alpine:v3.20",
	// "Ubuntu:24.04", "Azure Linux:3.0", "CBL-Mariner:2.0", "Go", "npm",
	// "PyPI", "crates.io", "Maven", ...
	Ecosystem string `json:"ecosystem"`
	// Package is the name matching uses: the Debian source package, the
	// Alpine origin, the rpm name, the module or library name.
	Package string `json:"package"`
	Status  Status `json:"status"`
	// Ranges and Versions as in OSV; versions are in the ecosystem's syntax
	// and compare only with its comparator (internal/version).
	Ranges   []Range  `json:"ranges,omitempty"`
	Versions []string `json:"versions,omitempty"`
	// Severity specific to this package in this release (Debian urgency).
	Severity []Severity `json:"severity,omitempty"`
}

// Range is an OSV range: events in version order.
type Range struct {
	// Type is "ECOSYSTEM", "SEMVER" or "GIT".
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// Event is one OSV range event; exactly one field is set. Introduced "0"
// means every version before the next event.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Emit receives each advisory an importer reads. Returning an error stops
// the import.
type Emit func(*Advisory) error

// Problem is a record an importer could not read: it names the file and the
// record, and the import goes on with the others.
type Problem struct {
	File   string `json:"file"`
	Record string `json:"record,omitempty"`
	Err    error  `json:"-"`
}

func (p *Problem) Error() string {
	if p.Record != "" {
		return p.File + ": " + p.Record + ": " + p.Err.Error()
	}
	return p.File + ": " + p.Err.Error()
}

func (p *Problem) Unwrap() error { return p.Err }

// ParseFunc is the shape of every importer's parser: it reads one file of a
// source's native format, emits each advisory and reports each record it
// cannot read as a Problem. It returns an error only when reading fails, ctx
// ends or emit fails.
type ParseFunc func(ctx context.Context, r io.Reader, file string, emit Emit, problem func(*Problem)) error
