package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
)

// This file writes the secret and misconfiguration findings of an image
// scan (match.Result.Secrets, .Misconfigurations) into the scan's table and
// SARIF log; the JSON document carries them as they are.

// FindingsSARIF writes findings of a configuration check (scan dockerfile,
// scan k8s) as a SARIF 2.1.0 log, one rule per rule ID and one result per
// finding at its file and line, as the image scan's SARIF writes them.
func FindingsSARIF(w io.Writer, fs []finding.Finding, opts FindingsOptions, toolVersion string) error {
	run := sarifRun{
		Tool:    sarifTool{Driver: sarifDriver{Name: "vigil", Version: toolVersion, Rules: []sarifRule{}}},
		Results: make([]sarifResult, 0, len(fs)),
	}
	addSARIFChecks(&run, sortedFindings(fs), opts.Target)
	return encodeSARIF(w, run)
}

// vulnScanned reports whether res holds a vulnerability scan (false for a
// scan run with only the secret or misconfiguration scanners).
func vulnScanned(res *match.Result) bool {
	return len(res.Scanners) == 0 || slices.Contains(res.Scanners, match.ScannerVuln)
}

// checkSecuritySeverity is the SARIF security-severity per finding.Severity.
var checkSecuritySeverity = [...]string{
	finding.SeverityUnknown:  "",
	finding.SeverityLow:      "2.0",
	finding.SeverityMedium:   "5.5",
	finding.SeverityHigh:     "8.0",
	finding.SeverityCritical: "9.5",
}

func checkLevel(s finding.Severity) string {
	switch {
	case s >= finding.SeverityHigh:
		return "error"
	case s == finding.SeverityMedium:
		return "warning"
	}
	return "note"
}

// sarifCheckProps are the result properties of a secret or
// misconfiguration finding.
type sarifCheckProps struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Layer    string `json:"layer,omitempty"`
	Deleted  bool   `json:"deleted,omitempty"`
	Match    string `json:"match,omitempty"` // redacted
}

// addSARIFChecks adds one rule per rule ID (its worst severity) and one
// result per finding, located at the finding's file and line (the image
// config's pseudo paths, "config:Env", as they are). The partial
// fingerprint hashes the rule, path, line and redacted match, not the
// layer, so a rebuilt image keeps its alerts.
func addSARIFChecks(run *sarifRun, fs []finding.Finding, target string) {
	index := map[string]int{}
	for _, f := range fs {
		i, ok := index[f.RuleID]
		if !ok {
			i = len(run.Tool.Driver.Rules)
			index[f.RuleID] = i
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, newCheckRule(&f))
		} else if r := &run.Tool.Driver.Rules[i]; severityRank(r.DefaultConfiguration.Level) < severityRank(checkLevel(f.Severity)) {
			r.DefaultConfiguration.Level = checkLevel(f.Severity)
			r.Properties.SecuritySeverity = checkSecuritySeverity[f.Severity]
		}
		// The secret's length is not known (only its redacted form), so
		// the region is its start: SARIF's endColumn would claim a width.
		line, col := max(f.Location.Line, 1), max(f.Location.Column, 1)
		end := 0
		if f.Location.EndLine > line {
			end = f.Location.EndLine
		}
		msg := f.Message
		if f.Location.Deleted {
			msg += " (in a file a later layer deletes: still in the image)"
		}
		uri := f.Location.Path
		if uri == "" {
			uri = target
		}
		h := sha256.Sum256(appendLen(nil, f.RuleID, f.Location.Path, strconv.Itoa(f.Location.Line), f.Match, f.Location.Object, f.Location.Container))
		run.Results = append(run.Results, sarifResult{
			RuleID:    f.RuleID,
			RuleIndex: i,
			Level:     checkLevel(f.Severity),
			Message:   sarifText{Text: msg},
			Locations: []sarifLocation{{
				PhysicalLocation: sarifPhysical{
					ArtifactLocation: sarifArtifact{URI: uriReference(uri)},
					Region:           sarifRegion{StartLine: line, StartColumn: col, EndLine: end},
				},
				Message: sarifText{Text: target + ": " + where(f.Location)},
			}},
			PartialFingerprints: map[string]string{sarifFingerprint: hex.EncodeToString(h[:16])},
			Properties: sarifCheckProps{Kind: string(f.Kind), Severity: f.Severity.String(), Layer: f.Location.Layer,
				Deleted: f.Location.Deleted, Match: f.Match},
		})
	}
}

func severityRank(level string) int {
	return map[string]int{"note": 0, "warning": 1, "error": 2}[level]
}

func newCheckRule(f *finding.Finding) sarifRule {
	tag, name := "misconfiguration", "ImageMisconfiguration"
	switch f.Kind {
	case finding.KindSecret:
		tag, name = "secret", "Secret"
	case finding.KindKubernetes:
		name = "KubernetesMisconfiguration"
	case finding.KindDockerfile:
		name = "DockerfileMisconfiguration"
	}
	help := ""
	if len(f.References) > 0 {
		help = f.References[0]
	}
	full := f.Title
	if f.Remediation != "" {
		full += ". " + f.Remediation
	}
	return sarifRule{
		ID:                   f.RuleID,
		Name:                 name,
		ShortDescription:     sarifText{Text: clip(f.Title, 200)},
		FullDescription:      sarifText{Text: full},
		DefaultConfiguration: sarifConfig{Level: checkLevel(f.Severity)},
		HelpURI:              help,
		Help: sarifMarkdown{
			Text:     fmt.Sprintf("%s\nSeverity: %s\n%s\n%s", f.Title, strings.ToUpper(f.Severity.String()), f.Remediation, help),
			Markdown: fmt.Sprintf("**%s**\n\nSeverity: %s\n\n%s", markdownEscape(f.Title), strings.ToUpper(f.Severity.String()), markdownEscape(f.Remediation)),
		},
		Properties: sarifRuleProps{SecuritySeverity: checkSecuritySeverity[f.Severity], Precision: "high", Tags: []string{"security", tag}},
	}
}

// writeChecks writes the secret and misconfiguration sections of the scan
// table: one row per finding, most severe first; the layer as its number.
func writeChecks(bw *bufio.Writer, res *match.Result, layers []inventory.LayerInfo, style func(string, string) string) error {
	num := layerIndex(layers)
	at := func(l finding.Location) string {
		s := clean(where(l))
		if i, ok := num[l.Layer]; ok {
			s = fmt.Sprintf("layer #%d: %s", i, s)
		}
		return s
	}
	for _, sec := range []struct {
		title, last string
		fs          []finding.Finding
		ran         bool
		cell        func(finding.Finding) string
	}{
		{"SECRETS", "MATCH", res.Secrets, res.Secrets != nil || slices.Contains(res.Scanners, match.ScannerSecret),
			func(f finding.Finding) string { return clean(f.Title) + ": " + clean(f.Match) }},
		{"MISCONFIGURATIONS", "MESSAGE", res.Misconfigurations, res.Misconfigurations != nil || slices.Contains(res.Scanners, match.ScannerMisconfig),
			func(f finding.Finding) string { return clean(oneLine(f.Message)) }},
	} {
		if !sec.ran {
			continue
		}
		fmt.Fprintln(bw, style(sec.title, styleBold))
		if len(sec.fs) == 0 {
			fmt.Fprintln(bw, "  None found.")
			fmt.Fprintln(bw)
			continue
		}
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  SEVERITY\tRULE\tWHERE\t%s\n", sec.last)
		for _, f := range sortedFindings(sec.fs) {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", strings.ToUpper(f.Severity.String()), clean(f.RuleID), at(f.Location), sec.cell(f))
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
		fmt.Fprintln(bw)
	}
	return nil
}

// checksSummary is the summary of the other findings ("" when none ran).
func checksSummary(res *match.Result) string {
	var parts []string
	for _, c := range []struct {
		name string
		fs   []finding.Finding
		ran  bool
	}{
		{"secrets", res.Secrets, res.Secrets != nil || slices.Contains(res.Scanners, match.ScannerSecret)},
		{"misconfigurations", res.Misconfigurations, res.Misconfigurations != nil || slices.Contains(res.Scanners, match.ScannerMisconfig)},
	} {
		if !c.ran {
			continue
		}
		n := countSeverities(c.fs)
		name := c.name
		if n["total"] == 1 {
			name = strings.TrimSuffix(name, "s")
		}
		parts = append(parts, fmt.Sprintf("%d %s (%d critical, %d high, %d medium, %d low)", n["total"], name,
			n["critical"], n["high"], n["medium"], n["low"]))
	}
	if n := len(res.SuppressedChecks); n > 0 {
		parts = append(parts, fmt.Sprintf("%d secret or misconfiguration findings suppressed", n))
	}
	return strings.Join(parts, "; ")
}
