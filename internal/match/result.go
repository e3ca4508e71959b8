package match

import (
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Result is one scan's vulnerability report, what every output format
// reads: what was scanned, with what data, what was found and what was
// suppressed.
type Result struct {
	Inventory *inventory.Inventory `json:"inventory"`
	// Findings after filtering and suppression, sorted with Sort.
	Findings []Finding `json:"findings"`
	// Suppressed findings, with the rule that suppressed each.
	Suppressed []Suppressed `json:"suppressed,omitempty"`
	// DB describes the data matched against.
	DB DBInfo `json:"db"`
	// Warnings for people (stale data, sources missing for this distro).
	Warnings []string `json:"warnings,omitempty"`
	// Secrets and Misconfigurations are the other findings of the same
	// scan (secrets in files and the image config, image configuration
	// checks), sorted with finding.Sort; nil when that detector did not run.
	Secrets           []finding.Finding `json:"secrets,omitempty"`
	Misconfigurations []finding.Finding `json:"misconfigurations,omitempty"`
	// SuppressedChecks are the secret and misconfiguration findings an
	// ignore-file entry suppressed.
	SuppressedChecks []finding.Suppressed `json:"suppressedChecks,omitempty"`
	// Scanned is when the scan began (zero when unknown).
	Scanned time.Time `json:"scanned,omitzero"`
	// Scanners lists the scanners that ran (ScannerVuln, ScannerSecret,
	// ScannerMisconfig); empty means a vulnerability scan only.
	Scanners []string `json:"scanners,omitempty"`
}

// The scanners of an image scan, as --scanners names them.
const (
	ScannerVuln      = "vuln"
	ScannerSecret    = "secret"
	ScannerMisconfig = "misconfig"
)

// DBInfo is the part of the database description a report shows.
type DBInfo struct {
	Built   time.Time           `json:"built,omitzero"`
	Sources []vulndb.SourceInfo `json:"sources,omitempty"`
}

// Suppressed is a finding that a VEX statement or an ignore-file entry
// suppressed.
type Suppressed struct {
	Finding Finding `json:"finding"`
	// Kind is "openvex", "cyclonedx-vex" or "ignorefile".
	Kind string `json:"kind"`
	// File is the document the rule came from.
	File string `json:"file"`
	// Status and Justification as the VEX statement gives them
	// ("not_affected", "vulnerable_code_not_present"); empty for an ignore file.
	Status        string `json:"status,omitempty"`
	Justification string `json:"justification,omitempty"`
	// Reason is the free-text reason (VEX impact statement, ignore-file reason).
	Reason string `json:"reason,omitempty"`
	// Expires is when an ignore-file entry stops applying; zero for none.
	Expires time.Time `json:"expires,omitzero"`
}
