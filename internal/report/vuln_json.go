package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// VulnSchemaVersion is the schemaVersion of the document VulnJSON writes;
// it changes only when a field changes meaning or goes away.
const VulnSchemaVersion = 1

// VulnDocument is the document VulnJSON writes. Lists are [] when empty,
// never null; distro is null when no distribution was identified.
type VulnDocument struct {
	SchemaVersion int `json:"schemaVersion"`
	// Scanned is when the scan began; absent when unknown.
	Scanned    time.Time         `json:"scanned,omitzero"`
	Target     VulnTarget        `json:"target"`
	Distro     *inventory.Distro `json:"distro"`
	DB         VulnDB            `json:"db"`
	Findings   []VulnFinding     `json:"findings"`
	Suppressed []VulnSuppressed  `json:"suppressed"`
	Summary    VulnSummary       `json:"summary"`
	Warnings   []string          `json:"warnings"`
	// Scanners that ran ("vuln", "secret", "misconfig").
	Scanners []string `json:"scanners"`
	// Secrets and Misconfigurations are [] when their scanner ran and
	// found nothing, absent when it did not run.
	Secrets           []finding.Finding `json:"secrets,omitzero"`
	Misconfigurations []finding.Finding `json:"misconfigurations,omitzero"`
	// SuppressedChecks are the secret and misconfiguration findings an
	// ignore-file entry suppressed.
	SuppressedChecks []finding.Suppressed `json:"suppressedChecks,omitzero"`
}

// VulnTarget is what was scanned.
type VulnTarget struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Digest   string `json:"digest,omitempty"`
	Platform string `json:"platform,omitempty"`
	// Packages is the number of packages in the inventory.
	Packages int `json:"packages"`
}

// VulnDB is the vulnerability data matched against.
type VulnDB struct {
	Built   time.Time           `json:"built,omitzero"`
	Sources []vulndb.SourceInfo `json:"sources"`
}

// VulnFinding is a match.Finding with its severity written as a name
// ("critical", "high", "medium", "low", "negligible", "unknown") and the
// URL of an advisory page.
type VulnFinding struct {
	ID             string           `json:"id"`
	Aliases        []string         `json:"aliases"`
	Package        match.PackageRef `json:"package"`
	Advisories     []string         `json:"advisories"`
	Sources        []string         `json:"sources"`
	Status         match.Status     `json:"status"`
	FixedVersion   string           `json:"fixedVersion,omitempty"`
	Severity       string           `json:"severity"`
	SeveritySource string           `json:"severitySource,omitempty"`
	CVSS           float64          `json:"cvss,omitempty"`
	CVSSVector     string           `json:"cvssVector,omitempty"`
	KEV            bool             `json:"kev"`
	KEVDateAdded   string           `json:"kevDateAdded,omitempty"`
	Summary        string           `json:"summary,omitempty"`
	URL            string           `json:"url"`
	Ecosystem      string           `json:"ecosystem"`
	Why            string           `json:"why"`
}

// VulnSuppressed is a suppressed finding and the rule that suppressed it.
type VulnSuppressed struct {
	Finding       VulnFinding `json:"finding"`
	Kind          string      `json:"kind"`
	File          string      `json:"file"`
	Status        string      `json:"status,omitempty"`
	Justification string      `json:"justification,omitempty"`
	Reason        string      `json:"reason,omitempty"`
	Expires       time.Time   `json:"expires,omitzero"`
}

// VulnSummary counts the findings (suppressed ones apart).
type VulnSummary struct {
	Total          int `json:"total"`
	Critical       int `json:"critical"`
	High           int `json:"high"`
	Medium         int `json:"medium"`
	Low            int `json:"low"`
	Negligible     int `json:"negligible"`
	Unknown        int `json:"unknown"`
	Packages       int `json:"packages"`
	Fixable        int `json:"fixable"`
	KnownExploited int `json:"knownExploited"`
	Suppressed     int `json:"suppressed"`
	// Secrets and Misconfigurations count those findings.
	Secrets           int `json:"secrets"`
	Misconfigurations int `json:"misconfigurations"`
}

// VulnJSON writes res as an indented [VulnDocument]: findings in the order
// of res.Findings, strings as they are (JSON escapes control characters;
// invalid UTF-8 becomes U+FFFD, as encoding/json writes it).
func VulnJSON(w io.Writer, res *match.Result) error {
	if res == nil {
		return fmt.Errorf("vulnerability JSON report: no result")
	}
	doc := NewVulnDocument(res)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write vulnerability JSON report: %w", err)
	}
	return nil
}

// NewVulnDocument is the document VulnJSON writes for res.
func NewVulnDocument(res *match.Result) *VulnDocument {
	inv := resultInventory(res)
	s := summarize(res)
	doc := &VulnDocument{
		SchemaVersion: VulnSchemaVersion,
		Scanned:       res.Scanned,
		Target: VulnTarget{Kind: inv.Source.Kind, Name: inv.Source.Name, Digest: inv.Source.Digest,
			Platform: inv.Source.Platform, Packages: len(inv.Packages)},
		Distro:     inv.Distro,
		DB:         VulnDB{Built: res.DB.Built, Sources: nonNil(res.DB.Sources)},
		Findings:   make([]VulnFinding, len(res.Findings)),
		Suppressed: make([]VulnSuppressed, len(res.Suppressed)),
		Summary: VulnSummary{
			Total:          s.total,
			Critical:       s.bySeverity[match.SeverityCritical],
			High:           s.bySeverity[match.SeverityHigh],
			Medium:         s.bySeverity[match.SeverityMedium],
			Low:            s.bySeverity[match.SeverityLow],
			Negligible:     s.bySeverity[match.SeverityNegligible],
			Unknown:        s.bySeverity[match.SeverityUnknown],
			Packages:       s.packages,
			Fixable:        s.fixable,
			KnownExploited: s.kev,
			Suppressed:     s.suppressed,
		},
		Warnings:          nonNil(res.Warnings),
		Scanners:          res.Scanners,
		Secrets:           res.Secrets,
		Misconfigurations: res.Misconfigurations,
		SuppressedChecks:  res.SuppressedChecks,
	}
	if len(doc.Scanners) == 0 {
		doc.Scanners = []string{match.ScannerVuln}
	}
	if doc.Secrets == nil && slices.Contains(doc.Scanners, match.ScannerSecret) {
		doc.Secrets = []finding.Finding{}
	}
	if doc.Misconfigurations == nil && slices.Contains(doc.Scanners, match.ScannerMisconfig) {
		doc.Misconfigurations = []finding.Finding{}
	}
	doc.Summary.Secrets, doc.Summary.Misconfigurations = len(res.Secrets), len(res.Misconfigurations)
	for i := range res.Findings {
		doc.Findings[i] = vulnFinding(&res.Findings[i])
	}
	for i := range res.Suppressed {
		sp := &res.Suppressed[i]
		doc.Suppressed[i] = VulnSuppressed{Finding: vulnFinding(&sp.Finding), Kind: sp.Kind, File: sp.File,
			Status: sp.Status, Justification: sp.Justification, Reason: sp.Reason, Expires: sp.Expires}
	}
	return doc
}

func vulnFinding(f *match.Finding) VulnFinding {
	return VulnFinding{
		ID:             f.ID,
		Aliases:        nonNil(f.Aliases),
		Package:        f.Package,
		Advisories:     nonNil(f.Advisories),
		Sources:        nonNil(f.Sources),
		Status:         f.Status,
		FixedVersion:   f.FixedVersion,
		Severity:       severityName(f.Severity),
		SeveritySource: f.SeveritySource,
		CVSS:           f.CVSS,
		CVSSVector:     f.CVSSVector,
		KEV:            f.KEV,
		KEVDateAdded:   f.KEVDateAdded,
		Summary:        f.Summary,
		URL:            advisoryURL(f.ID, f.Sources),
		Ecosystem:      f.Ecosystem,
		Why:            f.Why,
	}
}

// nonNil is s, or an empty slice for nil, so that JSON has [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
