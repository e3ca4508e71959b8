package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
)

// VulnTableOptions are the choices of the vulnerability table.
type VulnTableOptions struct {
	// Color adds ANSI colours; set it only when writing to a terminal.
	Color bool
	// Width is the terminal width that titles are clipped to; 0 means 80.
	Width int
	// Now is the time the data age is measured from; zero means time.Now.
	Now time.Time
}

// Severity styles of the vulnerability table (the padding is computed from
// the plain text, so these need not be of equal length).
const (
	styleCritical = "\x1b[01;31m"
	styleRed      = "\x1b[31m"
	styleBlue     = "\x1b[34m"
)

var severityStyles = [...]string{
	match.SeverityUnknown:    styleDim,
	match.SeverityNegligible: styleDim,
	match.SeverityLow:        styleBlue,
	match.SeverityMedium:     styleYellow,
	match.SeverityHigh:       styleRed,
	match.SeverityCritical:   styleCritical,
}

// minTitle is the fewest title characters shown however narrow the terminal.
const minTitle = 12

// VulnTable writes res for a person: the warnings, a header naming the
// target, its distribution and the age of the data, then the findings
// grouped by package (name, version, type and layer once per group) in the
// order of res.Findings (exploited and fixable first), one row per finding
// with the ID (marked [KEV] when CISA lists it as exploited), severity,
// status, fixed version and title clipped to the width, and a SUMMARY line.
// Every string from the result is escaped as Table escapes it.
func VulnTable(w io.Writer, res *match.Result, opts VulnTableOptions) error {
	if res == nil {
		return fmt.Errorf("vulnerability table: no result")
	}
	width := opts.Width
	if width <= 0 {
		width = 80
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	style := func(s, st string) string {
		if !opts.Color || s == "" {
			return s
		}
		return st + s + styleReset
	}
	bw := bufio.NewWriter(w)
	for _, warn := range res.Warnings {
		fmt.Fprintln(bw, style("WARNING:", styleYellow), clean(oneLine(warn)))
	}

	inv := resultInventory(res)
	header := []string{style(clean(targetName(inv.Source, true)), styleBold)}
	if !vulnScanned(res) {
		fmt.Fprintln(bw, header[0])
		fmt.Fprintln(bw)
		if err := writeChecks(bw, res, inv.Source.Layers, style); err != nil {
			return err
		}
		fmt.Fprintln(bw, style("SUMMARY:", styleBold), checksSummary(res))
		return flush(bw)
	}
	if d := distroName(inv.Distro); d != "" {
		header = append(header, clean(d))
	} else {
		header = append(header, "unknown distribution")
	}
	// The build time says when the database was made, not how new its
	// advisories are (stale sources are named in the warnings above).
	if res.DB.Built.IsZero() {
		header = append(header, dataAge("data as of ", dbTime(res.DB), now))
	} else {
		header = append(header, dataAge("database built ", res.DB.Built, now))
	}
	fmt.Fprintln(bw, strings.Join(header, "  "))
	fmt.Fprintln(bw)

	if len(res.Findings) == 0 {
		fmt.Fprintln(bw, "No vulnerabilities found.")
	} else {
		writeVulnRows(bw, res, inv.Source.Layers, width, style)
	}
	fmt.Fprintln(bw)
	if err := writeChecks(bw, res, inv.Source.Layers, style); err != nil {
		return err
	}
	summary := summaryLine(summarize(res))
	if c := checksSummary(res); c != "" {
		summary += "; " + c
	}
	fmt.Fprintln(bw, style("SUMMARY:", styleBold), summary)
	return flush(bw)
}

// layerIndex maps each layer's diff ID and blob digest to its index (the
// first layer with it, when layers repeat).
func layerIndex(layerInfo []inventory.LayerInfo) map[string]int {
	idx := make(map[string]int, 2*len(layerInfo))
	for i, l := range layerInfo {
		for _, d := range []string{l.DiffID, l.Digest} {
			if _, seen := idx[d]; d != "" && !seen {
				idx[d] = i
			}
		}
	}
	return idx
}

// vulnRow is one finding's cells, escaped, without styles.
type vulnRow struct {
	id, kev, severity, status, fixed, title string
	sev                                     int
}

func writeVulnRows(bw *bufio.Writer, res *match.Result, layerInfo []inventory.LayerInfo, width int, style func(string, string) string) {
	layers := layerIndex(layerInfo)

	// Groups in order of first appearance.
	var order []string
	groups := make(map[string][]int)
	for i := range res.Findings {
		k := refKey(&res.Findings[i].Package)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}

	rows := make([]vulnRow, len(res.Findings))
	cols := [4]int{len("ID"), len("SEVERITY"), len("STATUS"), len("FIXED IN")}
	for i := range res.Findings {
		f := &res.Findings[i]
		r := vulnRow{id: clean(f.ID), severity: strings.ToUpper(severityName(f.Severity)), sev: severityIndex(f.Severity),
			status: clean(string(f.Status)), fixed: "-", title: oneLine(f.Summary)}
		if f.KEV {
			r.kev = " [KEV]"
		}
		if f.FixedVersion != "" {
			r.fixed = clean(f.FixedVersion)
		}
		if r.status == "" {
			r.status = "-"
		}
		if r.title == "" {
			r.title = "-"
		}
		r.title = clean(r.title)
		for c, s := range []string{r.id + r.kev, r.severity, r.status, r.fixed} {
			cols[c] = max(cols[c], utf8.RuneCountInString(s))
		}
		rows[i] = r
	}
	const indent, gap = 2, 2
	used := indent
	for _, c := range cols {
		used += c + gap
	}
	room := max(width-used, minTitle)

	pad := func(s string, n int) string {
		if k := n - utf8.RuneCountInString(s); k > 0 {
			return strings.Repeat(" ", k)
		}
		return ""
	}
	line := func(cells [5]string, styled [5]string) {
		bw.WriteString(strings.Repeat(" ", indent))
		for c := range 4 {
			bw.WriteString(styled[c])
			bw.WriteString(pad(cells[c], cols[c]+gap))
		}
		bw.WriteString(styled[4])
		bw.WriteByte('\n')
	}
	h := [5]string{"ID", "SEVERITY", "STATUS", "FIXED IN", "TITLE"}
	hs := h
	for c := range hs {
		hs[c] = style(hs[c], styleBold)
	}
	line(h, hs)

	for _, k := range order {
		idx := groups[k]
		p := &res.Findings[idx[0]].Package
		head := []string{style(clean(p.Name), styleBold), style(clean(p.Version), styleGreen)}
		if p.Type != "" {
			head = append(head, style("("+clean(p.Type)+")", styleCyan))
		}
		if p.SourceName != "" && p.SourceName != p.Name {
			head = append(head, "source "+clean(p.SourceName))
		}
		if p.Layer != "" {
			head = append(head, style("layer "+layerCell(p.Layer, layers), styleDim))
		}
		if p.Path != "" && !osPackage(p.Type) {
			// A language package: say which file brought it in.
			where := "in /" + clean(p.Path)
			if n := len(p.Locations); n > 1 {
				where += fmt.Sprintf(" (+%d more)", n-1)
			}
			head = append(head, style(where, styleDim))
		}
		fmt.Fprintln(bw, strings.Join(head, " "))
		for _, i := range idx {
			r := &rows[i]
			title := clip(r.title, room)
			cells := [5]string{r.id + r.kev, r.severity, r.status, r.fixed, title}
			styled := [5]string{r.id + style(r.kev, styleCritical), style(r.severity, severityStyles[r.sev]), r.status, style(r.fixed, styleGreen), title}
			if r.fixed == "-" {
				styled[3] = r.fixed
			}
			line(cells, styled)
		}
	}
}

// clip shortens s to at most n runes, marking a cut with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for i = range s {
		if k == n-1 {
			break
		}
		k++
	}
	return s[:i] + "…"
}

// dataAge is label + "2024-03-01 (12 days old)".
func dataAge(label string, t, now time.Time) string {
	if t.IsZero() {
		return "data age unknown"
	}
	s := label + t.UTC().Format(time.DateOnly)
	switch days := int(now.Sub(t).Hours() / 24); {
	case days < 0:
		return s
	case days == 0:
		return s + " (today)"
	default:
		return s + " (" + plural(days, "day") + " old)"
	}
}

// summaryLine is "N vulnerabilities (C critical, H high, M medium, L low,
// U unknown) in P packages; F fixable; K known exploited; S suppressed";
// negligible findings are counted before unknown when there are any.
func summaryLine(s vulnSummary) string {
	var b strings.Builder
	if s.total == 1 {
		b.WriteString("1 vulnerability (")
	} else {
		b.WriteString(strconv.Itoa(s.total) + " vulnerabilities (")
	}
	parts := []string{
		strconv.Itoa(s.bySeverity[match.SeverityCritical]) + " critical",
		strconv.Itoa(s.bySeverity[match.SeverityHigh]) + " high",
		strconv.Itoa(s.bySeverity[match.SeverityMedium]) + " medium",
		strconv.Itoa(s.bySeverity[match.SeverityLow]) + " low",
	}
	if n := s.bySeverity[match.SeverityNegligible]; n > 0 {
		parts = append(parts, strconv.Itoa(n)+" negligible")
	}
	parts = append(parts, strconv.Itoa(s.bySeverity[match.SeverityUnknown])+" unknown")
	b.WriteString(strings.Join(parts, ", "))
	fmt.Fprintf(&b, ") in %s; %d fixable; %d known exploited; %d suppressed",
		plural(s.packages, "package"), s.fixable, s.kev, s.suppressed)
	return b.String()
}

// osPackage reports whether typ is an OS package type, whose path is the
// package database rather than the file that brought the package in.
func osPackage(typ string) bool { return typ == "deb" || typ == "apk" || typ == "rpm" }
