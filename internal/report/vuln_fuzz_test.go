package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/report"
)

// FuzzVulnReports writes findings with arbitrary IDs, package names,
// versions, paths and summaries in every format: the table never sends a
// control character to the terminal, JUnit is well-formed XML, the JSON
// formats parse, and SARIF locations are URI references.
func FuzzVulnReports(f *testing.F) {
	f.Add("CVE-2024-1", "openssl", "3.0.1-1", "var/lib/dpkg/status", "a summary", "")
	f.Add("CVE-\x1b[31m", "odd name/../\x1b[2J", "1:2~rc\x00", "C:/evil path%", "line\nline\r\x07\xff\u202e", "warn\x1b]0;t\x07")
	f.Add("]]>", "<pkg>&", "\"'", "/abs/../x?y#z", "<![CDATA[ ]]> &amp;", "\ufffe\uffff")
	f.Fuzz(func(t *testing.T, id, name, version, path, summary, warning string) {
		res := vulnResult()
		res.Warnings = append(res.Warnings, warning)
		fd := &res.Findings[0]
		fd.ID, fd.Summary = id, summary
		fd.Package.Name, fd.Package.Version, fd.Package.Path = name, version, path
		res.Suppressed[0].Reason = summary

		var b bytes.Buffer
		if err := report.VulnTable(&b, res, report.VulnTableOptions{Width: 60, Now: vulnNow}); err != nil {
			t.Fatal(err)
		}
		for _, r := range b.String() {
			if r == utf8.RuneError || (r != '\n' && !unicode.IsPrint(r)) {
				t.Fatalf("table printed %q:\n%q", r, b.String())
			}
		}

		b.Reset()
		if err := report.JUnit(&b, res); err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("JUnit is not well-formed: %v\n%s", err, b.String())
			}
		}

		for _, write := range []func(io.Writer, *match.Result) error{report.VulnJSON,
			func(w io.Writer, r *match.Result) error { return report.CycloneDXVulns(w, r, sbomOptions()) }} {
			b.Reset()
			if err := write(&b, res); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(b.Bytes()) {
				t.Fatalf("invalid JSON:\n%s", b.String())
			}
		}

		_, doc := writeSARIF(t, res)
		for _, r := range doc.Runs[0].Results {
			uri := r.Locations[0].PhysicalLocation.ArtifactLocation.URI
			u, err := url.Parse(uri)
			if err != nil || u.Scheme != "" || strings.ContainsAny(uri, " \x00\n") {
				t.Fatalf("location %q is not a relative URI reference: %v", uri, err)
			}
		}
	})
}
