package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/vigil-sec/vigil/internal/finding"
)

// FindingsOptions tune Findings and FindingsTable.
type FindingsOptions struct {
	// Target names what was checked, for the header and the JSON document.
	Target string
}

// FindingsSchemaVersion is the schemaVersion of the document FindingsJSON
// writes.
const FindingsSchemaVersion = 1

// findingsDoc is the JSON document of a misconfiguration or secret check.
type findingsDoc struct {
	SchemaVersion int               `json:"schemaVersion"`
	Target        string            `json:"target,omitempty"`
	Summary       map[string]int    `json:"summary"`
	Findings      []finding.Finding `json:"findings"`
}

// FindingsJSON writes the findings as one JSON document: the target, a count
// per severity (and "total") and the findings, most severe first.
func FindingsJSON(w io.Writer, fs []finding.Finding, opts FindingsOptions) error {
	doc := findingsDoc{SchemaVersion: FindingsSchemaVersion, Target: opts.Target, Summary: countSeverities(fs), Findings: sortedFindings(fs)}
	if doc.Findings == nil {
		doc.Findings = []finding.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write findings JSON: %w", err)
	}
	return nil
}

// FindingsTable writes the findings for a person: one row per finding (rule,
// severity, where, message), most severe first, then a summary line.
func FindingsTable(w io.Writer, fs []finding.Finding, opts FindingsOptions) error {
	bw := bufio.NewWriter(w)
	if opts.Target != "" {
		fmt.Fprintln(bw, clean(opts.Target))
		fmt.Fprintln(bw)
	}
	fs = sortedFindings(fs)
	if len(fs) > 0 {
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RULE\tSEVERITY\tWHERE\tMESSAGE")
		for _, f := range fs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", clean(f.RuleID), strings.ToUpper(f.Severity.String()), clean(where(f.Location)), clean(f.Message))
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
		fmt.Fprintln(bw)
	}
	c := countSeverities(fs)
	fmt.Fprintf(bw, "SUMMARY: %d findings (%d critical, %d high, %d medium, %d low, %d unknown)\n",
		c["total"], c["critical"], c["high"], c["medium"], c["low"], c["unknown"])
	return flush(bw)
}

// where is "path:line", with the object and container when there are.
func where(l finding.Location) string {
	s := l.Path
	if l.Line > 0 {
		s += ":" + strconv.Itoa(l.Line)
	}
	if l.Object != "" {
		s += " " + l.Object
	}
	if l.Container != "" {
		s += " [" + l.Container + "]"
	}
	if l.Deleted {
		s += " (deleted)"
	}
	return s
}

// sortedFindings is a copy, most severe first, then by path, line and rule.
func sortedFindings(fs []finding.Finding) []finding.Finding {
	out := slices.Clone(fs)
	finding.Sort(out)
	return out
}

func countSeverities(fs []finding.Finding) map[string]int {
	c := map[string]int{"total": len(fs), "critical": 0, "high": 0, "medium": 0, "low": 0, "unknown": 0}
	for _, f := range fs {
		c[f.Severity.String()]++
	}
	return c
}
