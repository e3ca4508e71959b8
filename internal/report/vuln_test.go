package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/sbom/sbomtest"
	"github.com/vigil-sec/vigil/internal/testenv"
)

func sbomOptions() sbom.Options {
	o := sbom.DefaultOptions()
	o.ToolVersion = "1.2.3"
	o.Created = vulnNow
	return o
}

func sarifOptions() report.SARIFOptions {
	return report.SARIFOptions{ToolVersion: "1.2.3", InformationURI: "https://github.com/vigil-sec/vigil"}
}

// vulnFormats writes a result in every format, by golden file suffix.
var vulnFormats = []struct {
	suffix string
	write  func(w io.Writer, res *match.Result) error
}{
	{"table.txt", func(w io.Writer, res *match.Result) error {
		return report.VulnTable(w, res, report.VulnTableOptions{Now: vulnNow})
	}},
	{"table-color.txt", func(w io.Writer, res *match.Result) error {
		return report.VulnTable(w, res, report.VulnTableOptions{Color: true, Width: 120, Now: vulnNow})
	}},
	{"json", report.VulnJSON},
	{"sarif", func(w io.Writer, res *match.Result) error { return report.SARIF(w, res, sarifOptions()) }},
	{"junit.xml", report.JUnit},
	{"cdx.json", func(w io.Writer, res *match.Result) error { return report.CycloneDXVulns(w, res, sbomOptions()) }},
}

func vulnResults() map[string]*match.Result {
	return map[string]*match.Result{"vuln": vulnResult(), "vuln-empty": emptyResult(),
		"checks":      checksResult(match.ScannerVuln, match.ScannerSecret, match.ScannerMisconfig),
		"checks-only": checksResult(match.ScannerSecret, match.ScannerMisconfig)}
}

func TestVulnGolden(t *testing.T) {
	t.Parallel()
	for name, res := range vulnResults() {
		for _, f := range vulnFormats {
			t.Run(name+"."+f.suffix, func(t *testing.T) {
				t.Parallel()
				res := res
				if f.suffix != "table.txt" { // each subtest its own copy
					res = vulnResults()[name]
				}
				before := cloneResult(t, res)
				var b bytes.Buffer
				if err := f.write(&b, res); err != nil {
					t.Fatal(err)
				}
				golden(t, name+"."+f.suffix, b.Bytes())
				if diff := cmp.Diff(before, cloneResult(t, res)); diff != "" {
					t.Errorf("the report changed the result:\n%s", diff)
				}
				// Same input, same bytes.
				var again bytes.Buffer
				if err := f.write(&again, res); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b.Bytes(), again.Bytes()) {
					t.Error("two runs gave different output")
				}
			})
		}
	}
}

func cloneResult(t *testing.T, res *match.Result) string {
	t.Helper()
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestVulnNilResult(t *testing.T) {
	t.Parallel()
	for _, f := range vulnFormats {
		if err := f.write(io.Discard, nil); err == nil {
			t.Errorf("%s: no error for a nil result", f.suffix)
		}
	}
}

func TestVulnWriteError(t *testing.T) {
	t.Parallel()
	for _, f := range vulnFormats {
		err := f.write(failWriter{}, vulnResult())
		if !errors.Is(err, errWrite) {
			t.Errorf("%s: error %v, want one wrapping the writer's", f.suffix, err)
		}
	}
}

var errWrite = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestVulnTable(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := report.VulnTable(&b, vulnResult(), report.VulnTableOptions{Width: 400, Now: vulnNow}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "WARNING: vulnerability data") || !strings.HasPrefix(lines[1], "WARNING: no source for") {
		t.Errorf("warnings are not first:\n%s", out)
	}
	if want := "127.0.0.1:5000/test/debian:12@sha256:244fd47e07d1  debian 12 (bookworm)  database built 2024-06-01 (14 days old)"; lines[2] != want {
		t.Errorf("header\n got %q\nwant %q", lines[2], want)
	}
	wantSummary := "SUMMARY: 8 vulnerabilities (2 critical, 1 high, 2 medium, 1 low, 1 negligible, 1 unknown) in 5 packages; 4 fixable; 2 known exploited; 2 suppressed"
	if got := lines[len(lines)-1]; got != wantSummary {
		t.Errorf("summary\n got %q\nwant %q", got, wantSummary)
	}
	for _, want := range []string{"CVE-2024-2961 [KEV]", `CVE-2024-\x1b[31m9999\x00`, `evil\x1b]0;owned\a summary second line \xff\u202e reversed`,
		"libc6 2.36-9+deb12u4 (deb) source glibc layer #0 3f1a9c0d", "layer #1 7b8c9d0e", "wont-fix", "end-of-life", "NEGLIGIBLE", "UNKNOWN"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in\n%s", want, out)
		}
	}
	// One header per package, in order of first appearance.
	var groups []string
	for _, l := range lines[5 : len(lines)-2] { // warnings, header, blank, columns; blank, summary
		if !strings.HasPrefix(l, " ") {
			groups = append(groups, strings.Fields(l)[0])
		}
	}
	wantGroups := []string{"libc6", "libc6", "libllvm15", "zlib1g", `odd`, "tzdata"}
	if diff := cmp.Diff(wantGroups, groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	b.Reset()
	if err := report.VulnTable(&b, vulnResult(), report.VulnTableOptions{Width: 100, Now: vulnNow}); err != nil {
		t.Fatal(err)
	}
	clipped := 0
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "  ") && utf8.RuneCountInString(l) > 100 {
			t.Errorf("row wider than 100 columns (%d): %q", utf8.RuneCountInString(l), l)
		}
		if strings.HasSuffix(l, "…") {
			clipped++
		}
	}
	if clipped != 7 {
		t.Errorf("%d titles clipped at 100 columns, want 7:\n%s", clipped, b.String())
	}
	for _, l := range lines {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing space: %q", l)
		}
	}
	for _, c := range []string{"\x1b", "\x07", "\x00", "\xff", "\u202e", "\t"} {
		if strings.Contains(out, c) {
			t.Errorf("%q reached the output", c)
		}
	}
}

func TestVulnTableColorOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := report.VulnTable(&b, vulnResult(), report.VulnTableOptions{Color: color, Now: vulnNow}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(b.String(), "\x1b["); got != color {
			t.Errorf("Color %v: escape sequences present = %v", color, got)
		}
		if color && !strings.Contains(b.String(), "\x1b[01;31mCRITICAL\x1b[0m") {
			t.Errorf("critical not coloured:\n%q", b.String())
		}
	}
}

func TestVulnTableEmpty(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := report.VulnTable(&b, emptyResult(), report.VulnTableOptions{Now: vulnNow}); err != nil {
		t.Fatal(err)
	}
	want := "unknown  unknown distribution  data age unknown\n\nNo vulnerabilities found.\n\n" +
		"SUMMARY: 0 vulnerabilities (0 critical, 0 high, 0 medium, 0 low, 0 unknown) in 0 packages; 0 fixable; 0 known exploited; 0 suppressed\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestVulnJSONRoundTrip: the document decodes into VulnDocument and gives
// back every finding and suppression of the result, severity by name.
func TestVulnJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for name, res := range vulnResults() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := report.VulnJSON(&b, res); err != nil {
				t.Fatal(err)
			}
			var doc report.VulnDocument
			dec := json.NewDecoder(&b)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&doc); err != nil {
				t.Fatal(err)
			}
			if doc.SchemaVersion != 1 {
				t.Errorf("schemaVersion %d", doc.SchemaVersion)
			}
			// JSON carries only valid UTF-8.
			for i := range res.Findings {
				res.Findings[i].Summary = strings.ToValidUTF8(res.Findings[i].Summary, "\uFFFD")
			}
			got := make([]match.Finding, len(doc.Findings))
			for i, f := range doc.Findings {
				got[i] = backToFinding(t, f)
			}
			if diff := cmp.Diff(nilIfEmpty(res.Findings), nilIfEmpty(got)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			var gotSup []match.Suppressed
			for _, s := range doc.Suppressed {
				gotSup = append(gotSup, match.Suppressed{Finding: backToFinding(t, s.Finding), Kind: s.Kind, File: s.File,
					Status: s.Status, Justification: s.Justification, Reason: s.Reason, Expires: s.Expires})
			}
			if diff := cmp.Diff(res.Suppressed, gotSup); diff != "" {
				t.Errorf("suppressed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(res.DB.Built, doc.DB.Built); diff != "" {
				t.Errorf("db built (-want +got):\n%s", diff)
			}
		})
	}
}

func nilIfEmpty(f []match.Finding) []match.Finding {
	if len(f) == 0 {
		return nil
	}
	return f
}

func backToFinding(t *testing.T, f report.VulnFinding) match.Finding {
	t.Helper()
	s, err := match.ParseSeverity(f.Severity)
	if err != nil || s.String() != f.Severity {
		t.Errorf("severity %q is not a name match writes: %v", f.Severity, err)
	}
	if f.URL == "" {
		t.Errorf("%s: no URL", f.ID)
	}
	if len(f.Aliases) == 0 {
		f.Aliases = nil
	}
	return match.Finding{ID: f.ID, Aliases: f.Aliases, Package: f.Package, Advisories: f.Advisories, Sources: f.Sources,
		Status: f.Status, FixedVersion: f.FixedVersion, Severity: s, SeveritySource: f.SeveritySource, CVSS: f.CVSS,
		CVSSVector: f.CVSSVector, KEV: f.KEV, KEVDateAdded: f.KEVDateAdded, Summary: f.Summary, Ecosystem: f.Ecosystem, Why: f.Why}
}

func TestVulnJSONEmptyArrays(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := report.VulnJSON(&b, &match.Result{Findings: []match.Finding{{ID: "CVE-1"}}}); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"findings", "suppressed", "warnings"} {
		if _, ok := doc[k].([]any); !ok {
			t.Errorf("%q is %v, want an array", k, doc[k])
		}
	}
	if _, ok := doc["db"].(map[string]any)["sources"].([]any); !ok {
		t.Errorf("db.sources is not an array:\n%s", b.String())
	}
	f := doc["findings"].([]any)[0].(map[string]any)
	for _, k := range []string{"aliases", "advisories", "sources"} {
		if _, ok := f[k].([]any); !ok {
			t.Errorf("finding %q is %v, want an array", k, f[k])
		}
	}
}

// sarifDoc is the part of a SARIF log that GitHub code scanning reads.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name           string `json:"name"`
				Version        string `json:"version"`
				InformationURI string `json:"informationUri"`
				Rules          []struct {
					ID               string                 `json:"id"`
					ShortDescription struct{ Text string }  `json:"shortDescription"`
					FullDescription  struct{ Text string }  `json:"fullDescription"`
					HelpURI          string                 `json:"helpUri"`
					DefaultConfig    struct{ Level string } `json:"defaultConfiguration"`
					Properties       struct {
						SecuritySeverity string   `json:"security-severity"`
						Tags             []string `json:"tags"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string                `json:"ruleId"`
			RuleIndex int                   `json:"ruleIndex"`
			Level     string                `json:"level"`
			Message   struct{ Text string } `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
					Region           struct{ StartLine int } `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string               `json:"partialFingerprints"`
			Suppressions        []struct{ Kind, Status string } `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

func writeSARIF(t testing.TB, res *match.Result) ([]byte, sarifDoc) {
	t.Helper()
	var b bytes.Buffer
	if err := report.SARIF(&b, res, sarifOptions()); err != nil {
		t.Fatal(err)
	}
	var doc sarifDoc
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), doc
}

// TestSARIFCodeScanning checks what GitHub code scanning requires and
// uses: one run, rules with descriptions, help URI and a numeric
// security-severity, results pointing at their rule with a level, a
// message, a located artifact and a partial fingerprint.
func TestSARIFCodeScanning(t *testing.T) {
	t.Parallel()
	res := vulnResult()
	_, doc := writeSARIF(t, res)
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || doc.Schema == "" {
		t.Fatalf("version %q, schema %q, %d runs", doc.Version, doc.Schema, len(doc.Runs))
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Name != "vigil" || run.Tool.Driver.Version != "1.2.3" {
		t.Errorf("driver %+v", run.Tool.Driver)
	}
	rules := map[string]int{}
	for i, r := range run.Tool.Driver.Rules {
		if _, dup := rules[r.ID]; dup {
			t.Errorf("rule %q twice", r.ID)
		}
		rules[r.ID] = i
		if r.ShortDescription.Text == "" || r.FullDescription.Text == "" || !strings.HasPrefix(r.HelpURI, "https://") {
			t.Errorf("rule %q lacks descriptions or help: %+v", r.ID, r)
		}
		if r.ID != "TEMP-0290435-0B57B5" {
			var f float64
			if _, err := fmt.Sscan(r.Properties.SecuritySeverity, &f); err != nil || f <= 0 || f > 10 {
				t.Errorf("rule %q security-severity %q", r.ID, r.Properties.SecuritySeverity)
			}
		}
		if !contains(r.Properties.Tags, "security") || !contains(r.Properties.Tags, "vulnerability") {
			t.Errorf("rule %q tags %v", r.ID, r.Properties.Tags)
		}
	}
	if n := len(res.Findings) + len(res.Suppressed); len(run.Results) != n {
		t.Fatalf("%d results, want %d", len(run.Results), n)
	}
	want := map[string]struct{ level, sev string }{
		"CVE-2024-2961":  {"error", "8.8"}, // worst of high (8.8) and medium
		"CVE-2024-33599": {"error", "9.8"},
		"CVE-2023-45853": {"error", "9.8"},
		"CVE-2005-2541":  {"note", "1.0"},
		"CVE-2023-0001":  {"error", "8.0"},
	}
	for id, w := range want {
		r := run.Tool.Driver.Rules[rules[id]]
		if r.DefaultConfig.Level != w.level || r.Properties.SecuritySeverity != w.sev {
			t.Errorf("rule %s: level %q severity %q, want %q %q", id, r.DefaultConfig.Level, r.Properties.SecuritySeverity, w.level, w.sev)
		}
	}
	if !contains(run.Tool.Driver.Rules[rules["CVE-2024-2961"]].Properties.Tags, "known-exploited") {
		t.Error("KEV rule not tagged")
	}
	fingerprints := map[string]bool{}
	for i, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex %d is not rule %q", i, r.RuleIndex, r.RuleID)
		}
		if r.Level == "" || r.Message.Text == "" || len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" ||
			r.Locations[0].PhysicalLocation.Region.StartLine != 1 {
			t.Errorf("result %d incomplete: %+v", i, r)
		}
		fp := r.PartialFingerprints["vigilFindingHash/v1"]
		if fp == "" {
			t.Errorf("result %d: no fingerprint", i)
		}
		fingerprints[fp] = true
	}
	first := run.Results[0]
	if first.Level != "error" || first.Locations[0].PhysicalLocation.ArtifactLocation.URI != "var/lib/dpkg/status" ||
		first.Message.Text != "libc6 2.36-9+deb12u4 (deb) is affected by CVE-2024-2961 (high); fixed in 2.36-9+deb12u7; known exploited (CISA KEV)" {
		t.Errorf("first result: %+v", first)
	}
	if got := run.Results[1].Level; got != "warning" {
		t.Errorf("medium finding level %q", got)
	}
	// Only libc6 for amd64 and i386 share one: same ID, name and version.
	if n := len(fingerprints); n != len(run.Results)-1 {
		t.Errorf("%d distinct fingerprints for %d results", n, len(run.Results))
	}
	last := run.Results[len(run.Results)-1]
	if len(last.Suppressions) != 1 || last.Suppressions[0].Kind != "external" {
		t.Errorf("suppressed finding without suppression: %+v", last)
	}

	// Fingerprints depend on ID, package and version only.
	moved := vulnResult()
	moved.Findings[0].Package.Layer = "sha256:other"
	moved.Findings[0].Package.Path = "elsewhere"
	moved.Findings[0].Summary = "changed"
	_, doc2 := writeSARIF(t, moved)
	if a, b := doc.Runs[0].Results[0].PartialFingerprints, doc2.Runs[0].Results[0].PartialFingerprints; !cmp.Equal(a, b) {
		t.Errorf("fingerprint changed with layer and path: %v %v", a, b)
	}
	moved.Findings[0].Package.Version = "2.36-9+deb12u5"
	_, doc3 := writeSARIF(t, moved)
	if cmp.Equal(doc.Runs[0].Results[0].PartialFingerprints, doc3.Runs[0].Results[0].PartialFingerprints) {
		t.Error("fingerprint did not change with the version")
	}
}

func TestSARIFOptions(t *testing.T) {
	t.Parallel()
	err := report.SARIF(io.Discard, vulnResult(), report.SARIFOptions{InformationURI: "not a uri"})
	if err == nil {
		t.Error("no error for a relative information URI")
	}
}

// sarifSchemaFile is the SARIF 2.1.0 JSON schema that
// scripts/testdata-schemas.sh puts in the test-data cache (no Go module
// ships it, and tests never download).
func sarifSchemaFile(t *testing.T) string {
	t.Helper()
	return testenv.TestData(t, "schemas", "sarif-schema-2.1.0.json")
}

// TestSARIFSchema validates the golden fixture's SARIF against the official
// SARIF 2.1.0 JSON schema, when a copy is at hand.
func TestSARIFSchema(t *testing.T) {
	t.Parallel()
	sch := compileSARIFSchema(t)
	for name, res := range vulnResults() {
		data, _ := writeSARIF(t, res)
		validateSARIF(t, sch, name, data)
	}
}

func validateSARIF(t *testing.T, sch *jsonschema.Schema, name string, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s: not valid SARIF 2.1.0: %v", name, err)
	}
}

// compileSARIFSchema compiles the official SARIF 2.1.0 schema, offline.
func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	file := sarifSchemaFile(t)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	schema, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(offlineLoader{})
	c.AssertFormat()
	const url = "https://json.schemastore.org/sarif-2.1.0.json"
	if err := c.AddResource(url, schema); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile the SARIF schema: %v", err)
	}
	return sch
}

type offlineLoader struct{}

func (offlineLoader) Load(url string) (any, error) {
	return nil, errors.New("schema " + url + " is not loaded offline")
}

// junitDoc reads back the JUnit XML.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Cases    []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failures  []struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnit(t *testing.T) {
	t.Parallel()
	res := vulnResult()
	var b bytes.Buffer
	if err := report.JUnit(&b, res); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// Strict well-formedness: walk every token.
	dec := xml.NewDecoder(strings.NewReader(out))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, out)
		}
	}
	var doc junitDoc
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != 1 || doc.Suites[0].Name != "127.0.0.1:5000/test/debian:12@sha256:244fd47e07d1004f0aed9c156aa09083c04b8d5b2ea6c8a2fe5c2e2c5e5f5a5b [deb]" {
		t.Fatalf("suites: %+v", doc.Suites)
	}
	// 8 inventory packages, one recorded twice: 7 testcases, 6 failing.
	if doc.Tests != 7 || doc.Failures != 6 || doc.Suites[0].Tests != 7 || doc.Suites[0].Failures != 6 {
		t.Errorf("tests %d failures %d, suite %d %d", doc.Tests, doc.Failures, doc.Suites[0].Tests, doc.Suites[0].Failures)
	}
	failures := 0
	var messages []string
	for _, c := range doc.Suites[0].Cases {
		failures += len(c.Failures)
		for _, f := range c.Failures {
			messages = append(messages, f.Message)
		}
	}
	if failures != len(res.Findings) {
		t.Errorf("%d failures, want one per finding (%d)", failures, len(res.Findings))
	}
	for _, want := range []string{"CVE-2024-2961 high 2.36-9+deb12u7 [KEV]", "CVE-2023-45853 critical wont-fix", `CVE-2024-\x1b[31m9999\x00 medium unfixed`} {
		if !contains(messages, want) {
			t.Errorf("no failure %q in %q", want, messages)
		}
	}
	for _, c := range []string{"\x1b", "\x00", "\x07", "\ufffd"} {
		if strings.Contains(out, c) {
			t.Errorf("%q in the XML", c)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends", "suppressed CVE-2022-37434 by openvex vex/zlib.openvex.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in\n%s", want, out)
		}
	}
}

func TestCycloneDXVulns(t *testing.T) {
	t.Parallel()
	res := vulnResult()
	var b bytes.Buffer
	if err := report.CycloneDXVulns(&b, res, sbomOptions()); err != nil {
		t.Fatal(err)
	}
	bom := sbomtest.ValidateCycloneDX(t, b.Bytes())
	refs := map[string]cdx.Component{}
	for _, c := range *bom.Components {
		refs[c.BOMRef] = c
	}
	if bom.Vulnerabilities == nil || len(*bom.Vulnerabilities) != len(res.Findings)+len(res.Suppressed) {
		t.Fatalf("want %d vulnerabilities", len(res.Findings)+len(res.Suppressed))
	}
	vulns := *bom.Vulnerabilities
	for i, v := range vulns {
		var f match.Finding
		if i < len(res.Findings) {
			f = res.Findings[i]
		} else {
			f = res.Suppressed[i-len(res.Findings)].Finding
		}
		if v.ID != f.ID || v.Affects == nil || len(*v.Affects) != 1 {
			t.Fatalf("vulnerability %d: %+v", i, v)
		}
		c, ok := refs[(*v.Affects)[0].Ref]
		if !ok {
			t.Errorf("%s affects %q, not a component", v.ID, (*v.Affects)[0].Ref)
		}
		if c.Name != f.Package.Name || c.Version != f.Package.Version || c.PackageURL != f.Package.PURL {
			t.Errorf("%s affects %s %s, want %s %s", v.ID, c.Name, c.Version, f.Package.Name, f.Package.Version)
		}
		if v.Ratings == nil || len(*v.Ratings) != 1 || (*v.Ratings)[0].Severity == "" {
			t.Errorf("%s: ratings %+v", v.ID, v.Ratings)
		}
	}
	// The KEV finding on amd64 and i386 libc6 are two components.
	if a, b := (*vulns[0].Affects)[0].Ref, (*vulns[1].Affects)[0].Ref; a == b {
		t.Errorf("libc6 amd64 and i386 share the component %q", a)
	}
	r := (*vulns[0].Ratings)[0]
	if r.Method != cdx.ScoringMethodCVSSv31 || r.Score == nil || *r.Score != 8.8 || r.Vector == "" || r.Severity != cdx.SeverityHigh {
		t.Errorf("CVSS rating %+v", r)
	}
	if got := (*vulns[3].Ratings)[0].Method; got != cdx.ScoringMethodCVSSv2 {
		t.Errorf("CVSS v2 method %q", got)
	}
	if !hasProp(vulns[0].Properties, report.PropVulnKEV, "true") || hasProp(vulns[2].Properties, report.PropVulnKEV, "true") {
		t.Error("KEV property missing or misplaced")
	}
	vex := vulns[len(res.Findings)].Analysis
	if vex == nil || vex.State != cdx.IASNotAffected || vex.Justification != cdx.IAJCodeNotReachable || !strings.Contains(vex.Detail, "never called") {
		t.Errorf("VEX analysis %+v", vex)
	}
	ign := vulns[len(res.Findings)+1].Analysis
	if ign == nil || ign.State != cdx.IASNotAffected || ign.Justification != "" || !strings.Contains(ign.Detail, ".vigilignore, until 2024-12-31") {
		t.Errorf("ignore-file analysis %+v", ign)
	}
	for _, v := range vulns[:len(res.Findings)] {
		if v.Analysis != nil {
			t.Errorf("%s: analysis on an active finding", v.ID)
		}
	}

	// The inventory alone and with findings get different serial numbers.
	var plain bytes.Buffer
	if err := sbom.EncodeCycloneDX(&plain, res.Inventory, sbomOptions()); err != nil {
		t.Fatal(err)
	}
	inv := sbomtest.ValidateCycloneDX(t, plain.Bytes())
	if inv.SerialNumber == bom.SerialNumber {
		t.Error("the vulnerability report reuses the inventory's serial number")
	}
	if diff := cmp.Diff(*inv.Components, (*bom.Components)[:len(*inv.Components)]); diff != "" {
		t.Errorf("components differ from the inventory's SBOM:\n%s", diff)
	}
}

// TestCycloneDXVulnsForeignPackage: a finding whose package the inventory
// does not hold gets a component of its own.
func TestCycloneDXVulnsForeignPackage(t *testing.T) {
	t.Parallel()
	res := &match.Result{Findings: []match.Finding{{ID: "CVE-2024-1", Package: match.PackageRef{Name: "ghost", Version: "1", Type: "deb"},
		Status: match.StatusUnfixed, Severity: match.SeverityHigh}}}
	var b bytes.Buffer
	if err := report.CycloneDXVulns(&b, res, sbomOptions()); err != nil {
		t.Fatal(err)
	}
	bom := sbomtest.ValidateCycloneDX(t, b.Bytes())
	ref := (*(*bom.Vulnerabilities)[0].Affects)[0].Ref
	found := false
	for _, c := range *bom.Components {
		found = found || (c.BOMRef == ref && c.Name == "ghost")
	}
	if !found {
		t.Errorf("no component %q for the finding's package", ref)
	}
}

func hasProp(props *[]cdx.Property, name, value string) bool {
	if props == nil {
		return false
	}
	for _, p := range *props {
		if p.Name == name && p.Value == value {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func benchVuln(b *testing.B, write func(io.Writer, *match.Result) error) {
	res := manyFindings(1000)
	b.ReportAllocs()
	for b.Loop() {
		if err := write(discard{}, res); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVulnTable(b *testing.B) {
	benchVuln(b, func(w io.Writer, res *match.Result) error {
		return report.VulnTable(w, res, report.VulnTableOptions{Now: vulnNow})
	})
}

func BenchmarkVulnJSON(b *testing.B) { benchVuln(b, report.VulnJSON) }

func BenchmarkSARIF(b *testing.B) {
	benchVuln(b, func(w io.Writer, res *match.Result) error { return report.SARIF(w, res, sarifOptions()) })
}

func BenchmarkJUnit(b *testing.B) { benchVuln(b, report.JUnit) }

func BenchmarkCycloneDXVulns(b *testing.B) {
	benchVuln(b, func(w io.Writer, res *match.Result) error { return report.CycloneDXVulns(w, res, sbomOptions()) })
}

// TestVulnTableLanguagePackage: a language package's findings say which
// file brought it in and how many other places hold it.
func TestVulnTableLanguagePackage(t *testing.T) {
	t.Parallel()
	inv := sbomtest.Fixtures()["lang"]
	var lodash inventory.Package
	for _, p := range inv.Packages {
		if p.Name == "lodash" {
			lodash = p
		}
	}
	res := &match.Result{Inventory: inv, Findings: []match.Finding{{ID: "CVE-2020-8203", Package: pkgRef(lodash),
		Status: match.StatusFixed, FixedVersion: "4.17.19", Severity: match.SeverityHigh, Ecosystem: "npm"}}}
	var b bytes.Buffer
	if err := report.VulnTable(&b, res, report.VulnTableOptions{Width: 200, Now: vulnNow}); err != nil {
		t.Fatal(err)
	}
	if want := "lodash 4.17.15 (npm) layer #1 7b8c9d0e in /app/node_modules/lodash/package.json (+1 more)"; !strings.Contains(b.String(), want) {
		t.Errorf("want %q in\n%s", want, b.String())
	}
}
