package report

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/match"
)

// The JUnit XML elements written, as Jenkins, GitLab and GitHub test
// reporters read them.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Classname string         `xml:"classname,attr"`
		Name      string         `xml:"name,attr"`
		Failures  []junitFailure `xml:"failure"`
		SystemOut string         `xml:"system-out,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// JUnit writes res as JUnit XML so that CI systems list vulnerabilities as
// failed tests: one testsuite per package type of the target, one testcase
// per package of the inventory (a package with no findings passes), and one
// failure per finding, its message "ID severity fixed-version" (or the
// status when there is no fix). Suppressed findings are named in the
// testcase's system-out. Strings are escaped as Table escapes them, so
// control characters that XML cannot carry survive as visible escapes.
func JUnit(w io.Writer, res *match.Result) error {
	if res == nil {
		return fmt.Errorf("JUnit report: no result")
	}
	inv := resultInventory(res)
	target := clean(targetName(inv.Source, false))

	// Testcases: every inventory package once, then packages that only the
	// findings name (an SBOM scanned without its inventory).
	type tcase struct {
		typ  string
		c    junitCase
		sup  []string
		seen bool
	}
	cases := make(map[string]*tcase)
	var order []string
	addCase := func(key, typ, name, version, arch string) *tcase {
		if c, ok := cases[key]; ok {
			return c
		}
		label := name + "@" + version
		if arch != "" {
			label += " (" + arch + ")"
		}
		c := &tcase{typ: typ, c: junitCase{Classname: clean(typ), Name: clean(label)}}
		cases[key] = c
		order = append(order, key)
		return c
	}
	for _, p := range sortedPackages(inv) {
		addCase(invKey(&p), p.Type, p.Name, p.Version, p.Arch)
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		p := &f.Package
		c := addCase(refKey(p), p.Type, p.Name, p.Version, "")
		c.c.Failures = append(c.c.Failures, junitFailure{
			Message: junitMessage(f),
			Type:    severityName(f.Severity),
			Text:    junitDetail(f),
		})
	}
	for i := range res.Suppressed {
		sp := &res.Suppressed[i]
		p := &sp.Finding.Package
		c := addCase(refKey(p), p.Type, p.Name, p.Version, "")
		line := "suppressed " + clean(sp.Finding.ID) + " by " + clean(sp.Kind) + " " + clean(sp.File)
		if r := strings.TrimSpace(sp.Justification + " " + sp.Reason); r != "" {
			line += ": " + clean(oneLine(r))
		}
		c.sup = append(c.sup, line)
	}

	doc := junitSuites{Name: "vigil vulnerabilities: " + target}
	suiteOf := make(map[string]int)
	for _, k := range order {
		c := cases[k]
		if len(c.sup) > 0 {
			c.c.SystemOut = strings.Join(c.sup, "\n")
		}
		i, ok := suiteOf[c.typ]
		if !ok {
			i = len(doc.Suites)
			suiteOf[c.typ] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: target + " [" + clean(c.typ) + "]"})
		}
		s := &doc.Suites[i]
		s.Cases = append(s.Cases, c.c)
		s.Tests++
		if len(c.c.Failures) > 0 {
			s.Failures++
		}
	}
	slices.SortStableFunc(doc.Suites, func(a, b junitSuite) int { return strings.Compare(a.Name, b.Name) })
	for i := range doc.Suites {
		doc.Tests += doc.Suites[i].Tests
		doc.Failures += doc.Suites[i].Failures
	}

	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	bw.WriteByte('\n')
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write JUnit report: %w", err)
	}
	return nil
}

// junitMessage is "ID severity fixed-version", or the status without a fix.
func junitMessage(f *match.Finding) string {
	parts := []string{clean(f.ID), severityName(f.Severity)}
	switch {
	case f.FixedVersion != "":
		parts = append(parts, clean(f.FixedVersion))
	case f.Status != "":
		parts = append(parts, clean(string(f.Status)))
	}
	if f.KEV {
		parts = append(parts, "[KEV]")
	}
	return strings.Join(parts, " ")
}

// junitDetail is the failure's body: the finding's facts, one per line.
func junitDetail(f *match.Finding) string {
	lines := []string{
		"Vulnerability: " + clean(f.ID),
		"Package: " + clean(f.Package.Name) + " " + clean(f.Package.Version) + " (" + clean(f.Package.Type) + ")",
		"Severity: " + severityName(f.Severity),
		"Status: " + clean(string(f.Status)),
	}
	if f.FixedVersion != "" {
		lines = append(lines, "Fixed in: "+clean(f.FixedVersion))
	}
	if f.CVSS > 0 {
		lines = append(lines, "CVSS: "+strconv.FormatFloat(f.CVSS, 'f', 1, 64)+" "+clean(f.CVSSVector))
	}
	if f.KEV {
		lines = append(lines, "Known exploited: CISA KEV, added "+clean(f.KEVDateAdded))
	}
	if f.Summary != "" {
		lines = append(lines, "Summary: "+clean(oneLine(f.Summary)))
	}
	if f.Package.Layer != "" {
		lines = append(lines, "Layer: "+clean(f.Package.Layer))
	}
	lines = append(lines, "Advisory: "+advisoryURL(f.ID, f.Sources))
	return strings.Join(lines, "\n")
}
