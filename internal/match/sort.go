package match

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Sort orders findings so that what matters comes first: exploited (KEV)
// before not, fixable (StatusFixed) before not, then severity and CVSS
// score, worst first; then by package name, package version and ID, and
// finally by the remaining package fields so that the order is total.
func Sort(findings []Finding) {
	if len(findings) < 2 {
		return
	}
	copy(findings, sorted(findings))
}

// sorted returns findings in Sort's order in a new slice. Findings are
// large: it sorts indices and moves each finding once. Ties keep their
// input order.
func sorted(findings []Finding) []Finding {
	idx := make([]int32, len(findings))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int {
		return cmp.Or(compareFindings(&findings[i], &findings[j]), cmp.Compare(i, j))
	})
	out := make([]Finding, len(findings))
	for i, j := range idx {
		out[i] = findings[j]
	}
	return out
}

func compareFindings(a, b *Finding) int {
	return cmp.Or(
		-cmpBool(a.KEV, b.KEV),
		-cmpBool(a.Status == StatusFixed, b.Status == StatusFixed),
		-cmp.Compare(a.Severity, b.Severity),
		-cmp.Compare(a.CVSS, b.CVSS),
		cmp.Compare(a.Package.Name, b.Package.Name),
		cmp.Compare(a.Package.Version, b.Package.Version),
		cmp.Compare(a.ID, b.ID),
		cmp.Compare(a.Package.Type, b.Package.Type),
		cmp.Compare(a.Package.Path, b.Package.Path),
		cmp.Compare(a.Package.Layer, b.Package.Layer),
	)
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// FilterOptions says which findings a report keeps.
type FilterOptions struct {
	// MinSeverity drops findings below it. Findings of unknown severity
	// sort below negligible, so they are kept only when MinSeverity is
	// SeverityUnknown (the zero value: no threshold), as trivy keeps
	// UNKNOWN only when asked for it.
	MinSeverity Severity
	// Severities, when not empty, are the only severities kept (a CLI's
	// --severity critical,high).
	Severities []Severity
	// IgnoreUnfixed drops every finding without a fixed version: unfixed,
	// wont-fix and end-of-life.
	IgnoreUnfixed bool
}

// Filter returns the findings opts keeps, in their order, in a new slice.
func Filter(findings []Finding, opts FilterOptions) []Finding {
	out := make([]Finding, 0, len(findings))
	for _, f := range findings {
		if f.Severity < opts.MinSeverity {
			continue
		}
		if len(opts.Severities) > 0 && !slices.Contains(opts.Severities, f.Severity) {
			continue
		}
		if opts.IgnoreUnfixed && f.Status != StatusFixed {
			continue
		}
		out = append(out, f)
	}
	return out
}

// Counts summarizes findings for a report's summary line.
type Counts struct {
	Total int `json:"total"`
	// BySeverity counts findings per severity; every severity is present.
	BySeverity map[Severity]int `json:"bySeverity"`
	// Fixed counts findings with a fixed version, Unfixed those without
	// one yet, WontFix and EndOfLife the distribution's decisions.
	Fixed     int `json:"fixed"`
	Unfixed   int `json:"unfixed"`
	WontFix   int `json:"wontFix"`
	EndOfLife int `json:"endOfLife"`
	// KEV counts findings in CISA's Known Exploited Vulnerabilities catalogue.
	KEV int `json:"kev"`
	// Packages counts the distinct packages with at least one finding.
	Packages int `json:"packages"`
}

// Summary counts findings per severity, per fix status and in the KEV
// catalogue.
func Summary(findings []Finding) Counts {
	c := Counts{Total: len(findings), BySeverity: map[Severity]int{}}
	for s := SeverityUnknown; s <= SeverityCritical; s++ {
		c.BySeverity[s] = 0
	}
	pkgs := map[pkgKey]bool{}
	for _, f := range findings {
		c.BySeverity[f.Severity]++
		switch f.Status {
		case StatusFixed:
			c.Fixed++
		case StatusUnfixed:
			c.Unfixed++
		case StatusWontFix:
			c.WontFix++
		case StatusEndOfLife:
			c.EndOfLife++
		}
		if f.KEV {
			c.KEV++
		}
		pkgs[pkgKey{f.Package.Type, f.Package.Name, f.Package.Version, f.Package.Path}] = true
	}
	c.Packages = len(pkgs)
	return c
}

// String is the summary line: "Total: 12 (critical: 1, high: 3, medium: 5,
// low: 2, negligible: 0, unknown: 1); fixable: 8; exploited (KEV): 1;
// packages: 4".
func (c Counts) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Total: %d (", c.Total)
	for s := SeverityCritical; s >= SeverityUnknown; s-- {
		if s != SeverityCritical {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %d", s, c.BySeverity[s])
	}
	fmt.Fprintf(&b, "); fixable: %d; exploited (KEV): %d; packages: %d", c.Fixed, c.KEV, c.Packages)
	return b.String()
}
