package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/match"
)

// SARIFOptions are the choices of the SARIF report.
type SARIFOptions struct {
	// ToolVersion is vigil's version, written as the driver's version.
	ToolVersion string
	// InformationURI is vigil's home page, written as the driver's
	// informationUri; it must be an absolute URI when set.
	InformationURI string
}

// SARIF names.
const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	// sarifFingerprint is the partialFingerprints key: version 1 of vigil's
	// hash of (ID, package type, name, version).
	sarifFingerprint = "vigilFindingHash/v1"
)

// defaultSecuritySeverity is the security-severity of a rule without a
// CVSS score, by match.Severity; "" writes none (GitHub then ranks the
// alert by its level alone).
var defaultSecuritySeverity = [...]string{
	match.SeverityUnknown:    "",
	match.SeverityNegligible: "1.0",
	match.SeverityLow:        "2.0",
	match.SeverityMedium:     "5.5",
	match.SeverityHigh:       "8.0",
	match.SeverityCritical:   "9.5",
}

// The few SARIF 2.1.0 objects written, in the schema's property names.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		Name                 string         `json:"name"`
		ShortDescription     sarifText      `json:"shortDescription"`
		FullDescription      sarifText      `json:"fullDescription"`
		DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
		HelpURI              string         `json:"helpUri,omitempty"`
		Help                 sarifMarkdown  `json:"help"`
		Properties           sarifRuleProps `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifMarkdown struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifRuleProps struct {
		SecuritySeverity string   `json:"security-severity,omitempty"`
		Precision        string   `json:"precision"`
		Tags             []string `json:"tags"`
	}
	sarifResult struct {
		RuleID              string             `json:"ruleId"`
		RuleIndex           int                `json:"ruleIndex"`
		Level               string             `json:"level"`
		Message             sarifText          `json:"message"`
		Locations           []sarifLocation    `json:"locations"`
		PartialFingerprints map[string]string  `json:"partialFingerprints"`
		Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
		Properties          any                `json:"properties"` // sarifResultProps or sarifCheckProps
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
		Message          sarifText     `json:"message"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           sarifRegion   `json:"region"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
		EndLine     int `json:"endLine,omitempty"`
		EndColumn   int `json:"endColumn,omitempty"`
	}
	sarifSuppression struct {
		Kind          string `json:"kind"`
		Status        string `json:"status"`
		Justification string `json:"justification,omitempty"`
	}
	sarifResultProps struct {
		Package        string  `json:"package"`
		Version        string  `json:"installedVersion"`
		FixedVersion   string  `json:"fixedVersion,omitempty"`
		Status         string  `json:"status"`
		Severity       string  `json:"severity"`
		CVSS           float64 `json:"cvss,omitempty"`
		KEV            bool    `json:"knownExploited,omitempty"`
		Layer          string  `json:"layer,omitempty"`
		PURL           string  `json:"purl,omitempty"`
		SuppressedFile string  `json:"suppressedBy,omitempty"`
	}
)

// SARIF writes res as a SARIF 2.1.0 log that GitHub code scanning accepts:
// one run, one rule per vulnerability ID (its worst severity among the
// findings, security-severity the highest CVSS score or a default per
// severity, help linking the advisory), one result per finding, level
// error (critical, high), warning (medium) or note (the rest), located at
// the package database file the package was read from (or the image when
// unknown), with a partial fingerprint stable per ID, package and version.
// Suppressed findings are results with an external, accepted suppression,
// so code scanning shows them as dismissed.
func SARIF(w io.Writer, res *match.Result, opts SARIFOptions) error {
	if res == nil {
		return fmt.Errorf("SARIF report: no result")
	}
	if opts.InformationURI != "" {
		if u, err := url.Parse(opts.InformationURI); err != nil || !u.IsAbs() {
			return fmt.Errorf("SARIF report: information URI %q is not an absolute URI", opts.InformationURI)
		}
	}
	inv := resultInventory(res)
	target := targetName(inv.Source, false)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "vigil", Version: opts.ToolVersion,
			InformationURI: opts.InformationURI, Rules: []sarifRule{}}},
		Results: make([]sarifResult, 0, len(res.Findings)+len(res.Suppressed)),
	}
	ruleIndex := make(map[string]int)
	// The worst severity and highest CVSS score of each rule's findings.
	var worst []match.Severity
	var cvss []float64
	add := func(f *match.Finding, sp *match.Suppressed) {
		i, ok := ruleIndex[f.ID]
		if !ok {
			i = len(run.Tool.Driver.Rules)
			ruleIndex[f.ID] = i
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, newSARIFRule(f))
			worst = append(worst, match.Severity(severityIndex(f.Severity)))
			cvss = append(cvss, f.CVSS)
		} else {
			worst[i] = max(worst[i], match.Severity(severityIndex(f.Severity)))
			cvss[i] = max(cvss[i], f.CVSS)
			if f.KEV && !slices.Contains(run.Tool.Driver.Rules[i].Properties.Tags, tagKEV) {
				run.Tool.Driver.Rules[i].Properties.Tags = append(run.Tool.Driver.Rules[i].Properties.Tags, tagKEV)
			}
		}
		run.Results = append(run.Results, sarifFinding(f, sp, i, target))
	}
	for i := range res.Findings {
		add(&res.Findings[i], nil)
	}
	for i := range res.Suppressed {
		add(&res.Suppressed[i].Finding, &res.Suppressed[i])
	}
	for i := range run.Tool.Driver.Rules {
		finishSARIFRule(&run.Tool.Driver.Rules[i], worst[i], cvss[i])
	}
	addSARIFChecks(&run, slices.Concat(res.Secrets, res.Misconfigurations), target)
	return encodeSARIF(w, run)
}

// encodeSARIF writes the log of one run, indented, HTML not escaped.
func encodeSARIF(w io.Writer, run sarifRun) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}); err != nil {
		return fmt.Errorf("write SARIF report: %w", err)
	}
	return nil
}

// tagKEV tags the rule of a vulnerability CISA lists as exploited.
const tagKEV = "known-exploited"

// newSARIFRule is the rule of f's ID, less what finishSARIFRule adds.
func newSARIFRule(f *match.Finding) sarifRule {
	summary := strings.TrimSpace(f.Summary)
	short := firstLine(summary)
	if short == "" {
		short = f.ID
	}
	full := summary
	if full == "" {
		full = f.ID
	}
	r := sarifRule{
		ID:               f.ID,
		Name:             "OSPackageVulnerability",
		ShortDescription: sarifText{Text: clip(short, 200)},
		FullDescription:  sarifText{Text: full},
		HelpURI:          advisoryURL(f.ID, f.Sources),
		Properties:       sarifRuleProps{Precision: "very-high", Tags: []string{"security", "vulnerability"}},
	}
	if f.KEV {
		r.Properties.Tags = append(r.Properties.Tags, tagKEV)
	}
	return r
}

// finishSARIFRule sets the level, security-severity and help of a rule
// from the worst severity and highest CVSS score of its findings.
func finishSARIFRule(r *sarifRule, sev match.Severity, cvss float64) {
	r.DefaultConfiguration.Level = sarifLevel(sev)
	r.Properties.SecuritySeverity = cvssString(cvss)
	if r.Properties.SecuritySeverity == "" {
		r.Properties.SecuritySeverity = defaultSecuritySeverity[severityIndex(sev)]
	}
	name := strings.ToUpper(severityName(sev))
	r.Help = sarifMarkdown{
		Text: fmt.Sprintf("Vulnerability %s\nSeverity: %s\n%s\n%s", r.ID, name, r.HelpURI, r.FullDescription.Text),
		Markdown: fmt.Sprintf("**Vulnerability %s**\n\nSeverity: %s\n\n[%s](%s)\n\n%s",
			markdownEscape(r.ID), name, markdownEscape(r.ID), r.HelpURI, markdownEscape(r.FullDescription.Text)),
	}
}

func sarifFinding(f *match.Finding, sp *match.Suppressed, rule int, target string) sarifResult {
	p := &f.Package
	msg := fmt.Sprintf("%s %s (%s) is affected by %s (%s)", p.Name, p.Version, p.Type, f.ID, severityName(f.Severity))
	switch {
	case f.FixedVersion != "":
		msg += "; fixed in " + f.FixedVersion
	case f.Status != "":
		msg += "; " + string(f.Status)
	}
	if f.KEV {
		msg += "; known exploited (CISA KEV)"
	}
	where := p.Path
	if where == "" {
		where = target
	}
	r := sarifResult{
		RuleID:    f.ID,
		RuleIndex: rule,
		Level:     sarifLevel(f.Severity),
		Message:   sarifText{Text: msg},
		Locations: []sarifLocation{{
			PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: uriReference(where)},
				Region:           sarifRegion{StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 1},
			},
			Message: sarifText{Text: target + ": " + p.Name + "@" + p.Version},
		}},
		PartialFingerprints: map[string]string{sarifFingerprint: findingHash(f)},
		Properties: sarifResultProps{Package: p.Name, Version: p.Version, FixedVersion: f.FixedVersion,
			Status: string(f.Status), Severity: severityName(f.Severity), CVSS: f.CVSS, KEV: f.KEV,
			Layer: p.Layer, PURL: p.PURL},
	}
	if sp != nil {
		just := strings.TrimSpace(sp.Kind + " " + sp.File)
		if j := strings.TrimSpace(sp.Justification + " " + sp.Reason); j != "" {
			just += ": " + j
		}
		r.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: just}}
		props := r.Properties.(sarifResultProps)
		props.SuppressedFile = sp.File
		r.Properties = props
	}
	return r
}

func sarifLevel(s match.Severity) string {
	switch {
	case s >= match.SeverityHigh:
		return "error"
	case s == match.SeverityMedium:
		return "warning"
	}
	return "note"
}

// findingHash is a stable hash of a finding's ID and package type, name and
// version (not its layer or path, so that a rebuilt image keeps its alerts).
func findingHash(f *match.Finding) string {
	h := sha256.Sum256(appendLen(nil, f.ID, f.Package.Type, f.Package.Name, f.Package.Version))
	return hex.EncodeToString(h[:16])
}

// appendLen appends each field with its length, so no two lists encode alike.
func appendLen(b []byte, fields ...string) []byte {
	for _, s := range fields {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return b
}

func cvssString(c float64) string {
	if c <= 0 {
		return ""
	}
	return strconv.FormatFloat(min(c, 10), 'f', 1, 64)
}

// uriReference makes a path a relative URI reference: reserved and
// non-ASCII characters percent-encoded, and "./" before a first segment
// with a colon so it does not read as a scheme.
func uriReference(p string) string {
	return (&url.URL{Path: strings.TrimLeft(p, "/")}).String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// markdownEscape backslash-escapes the characters that make Markdown
// emphasis, links, images, HTML, code, tables and headings, so an advisory's
// text renders as text.
func markdownEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]()<>#!|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
