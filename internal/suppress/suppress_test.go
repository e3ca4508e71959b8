package suppress_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/suppress"
)

const imageDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000001"

var now = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func findings() []match.Finding {
	libssl := match.PackageRef{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Type: "deb", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u3",
		PURL: "pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11"}
	openssl := match.PackageRef{Name: "openssl", Version: "1.1.1n-0+deb11u3", Type: "deb", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u3",
		PURL: "pkg:deb/debian/openssl@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11"}
	lib := match.PackageRef{Name: "github.com/example/lib", Version: "v1.2.3", Type: "golang", PURL: "pkg:golang/github.com/example/lib@v1.2.3"}
	zlib := match.PackageRef{Name: "zlib1g", Version: "1:1.2.11.dfsg-2+deb11u2", Type: "deb", SourceName: "zlib",
		PURL: "pkg:deb/debian/zlib1g@1:1.2.11.dfsg-2%2Bdeb11u2?arch=amd64&distro=debian-11"}
	return []match.Finding{
		{ID: "CVE-2023-0286", Aliases: []string{"DSA-5343-1"}, Package: libssl},
		{ID: "CVE-2023-0286", Aliases: []string{"DSA-5343-1"}, Package: openssl},
		{ID: "GHSA-aaaa-bbbb-cccc", Aliases: []string{"CVE-2024-1111"}, Package: lib},
		{ID: "CVE-2024-2222", Package: zlib},
	}
}

// short names a finding as "ID package".
func short(f match.Finding) string { return f.ID + " " + f.Package.Name }

type outcome struct {
	Kept       []string
	Suppressed []string // "ID package kind status justification | reason"
	Warnings   []string
}

func apply(r *suppress.Rules, fs []match.Finding) outcome {
	kept, sup, warn := r.Apply(fs, now)
	var o outcome
	for _, f := range kept {
		o.Kept = append(o.Kept, short(f))
	}
	for _, s := range sup {
		o.Suppressed = append(o.Suppressed, fmt.Sprintf("%s %s %s %s | %s", short(s.Finding), s.Kind, s.Status, s.Justification, s.Reason))
	}
	o.Warnings = warn
	return o
}

func parseVEX(t *testing.T, doc string) *suppress.Rules {
	t.Helper()
	r, err := suppress.ParseVEX(strings.NewReader(doc), "vex.json")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func openFile(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file   string
		parse  func(f *os.File, name string) (*suppress.Rules, error)
		target bool
		want   outcome
	}{
		{
			file: "openvex.json", parse: asFile(suppress.ParseVEX),
			want: outcome{
				Kept:       []string{"CVE-2023-0286 openssl", "GHSA-aaaa-bbbb-cccc github.com/example/lib", "CVE-2024-2222 zlib1g"},
				Suppressed: []string{"CVE-2023-0286 libssl1.1 openvex not_affected vulnerable_code_not_in_execute_path | we never parse X.400 addresses"},
			},
		},
		{
			file: "openvex.json", parse: asFile(suppress.ParseVEX), target: true,
			want: outcome{
				Kept: []string{"CVE-2023-0286 openssl", "GHSA-aaaa-bbbb-cccc github.com/example/lib"},
				Suppressed: []string{
					"CVE-2023-0286 libssl1.1 openvex not_affected vulnerable_code_not_in_execute_path | we never parse X.400 addresses",
					"CVE-2024-2222 zlib1g openvex not_affected component_not_present | ",
				},
			},
		},
		{
			file: "cyclonedx-vex.json", parse: asFile(suppress.ParseVEX), target: true,
			want: outcome{
				Kept: []string{"CVE-2023-0286 openssl", "GHSA-aaaa-bbbb-cccc github.com/example/lib"},
				Suppressed: []string{
					"CVE-2023-0286 libssl1.1 cyclonedx-vex not_affected code_not_reachable | X.400 is never parsed",
					"CVE-2024-2222 zlib1g cyclonedx-vex false_positive  | zlib is not in the image",
				},
			},
		},
		{
			file: "cyclonedx-vex.json", parse: asFile(suppress.ParseVEX),
			want: outcome{
				Kept:       []string{"CVE-2023-0286 openssl", "GHSA-aaaa-bbbb-cccc github.com/example/lib", "CVE-2024-2222 zlib1g"},
				Suppressed: []string{"CVE-2023-0286 libssl1.1 cyclonedx-vex not_affected code_not_reachable | X.400 is never parsed"},
			},
		},
		{
			file: "ignore.yaml", parse: asFile(suppress.ParseIgnoreFile),
			want: outcome{
				Kept: []string{"CVE-2024-2222 zlib1g"},
				Suppressed: []string{
					"CVE-2023-0286 libssl1.1 ignorefile   | not reachable: we never parse X.400 addresses",
					"CVE-2023-0286 openssl ignorefile   | not reachable: we never parse X.400 addresses",
					"GHSA-aaaa-bbbb-cccc github.com/example/lib ignorefile   | the vulnerable function is not called",
				},
				Warnings: []string{
					"ignore.yaml: entry 3 (CVE-2024-2222, line 10) expired on 2024-01-01T00:00:00Z; it suppresses nothing",
					"ignore.yaml: entry 4 (CVE-2000-0001, line 13) matched no finding",
				},
			},
		},
		{
			file: "trivyignore", parse: asFile(suppress.ParseIgnoreFile),
			want: outcome{
				Kept: []string{"CVE-2024-2222 zlib1g"},
				Suppressed: []string{
					"CVE-2023-0286 libssl1.1 ignorefile   | not reachable",
					"CVE-2023-0286 openssl ignorefile   | not reachable",
					"GHSA-aaaa-bbbb-cccc github.com/example/lib ignorefile   | the vulnerable function is not called",
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/target=%v", tt.file, tt.target), func(t *testing.T) {
			t.Parallel()
			r, err := tt.parse(openFile(t, tt.file), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if tt.target {
				r = r.ForTarget("registry.example.com/app:1.2", imageDigest)
			}
			if diff := cmp.Diff(tt.want, apply(r, findings())); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func asFile(p func(r io.Reader, file string) (*suppress.Rules, error)) func(*os.File, string) (*suppress.Rules, error) {
	return func(f *os.File, name string) (*suppress.Rules, error) { return p(f, name) }
}

// statement wraps OpenVEX statements in a document.
func statements(ss ...string) string {
	return `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[` + strings.Join(ss, ",") + `]}`
}

func stmt(vuln, status, timestamp string, products string) string {
	s := `{"vulnerability":{"name":"` + vuln + `"},"status":"` + status + `","products":` + products
	if status == "not_affected" {
		s += `,"justification":"vulnerable_code_not_present"`
	}
	if timestamp != "" {
		s += `,"timestamp":"` + timestamp + `"`
	}
	return s + "}"
}

func TestOpenVEXMatching(t *testing.T) {
	t.Parallel()
	sub := func(purls ...string) string {
		return `[{"@id":"pkg:oci/app@sha256%3A01","subcomponents":["` + strings.Join(purls, `","`) + `"]}]`
	}
	tests := []struct {
		name   string
		doc    string
		target bool
		want   []string // suppressed
	}{
		{"subcomponent without version", statements(stmt("CVE-2023-0286", "not_affected", "", sub("pkg:deb/debian/libssl1.1"))),
			false, []string{"CVE-2023-0286 libssl1.1"}},
		{"other version", statements(stmt("CVE-2023-0286", "not_affected", "", sub("pkg:deb/debian/libssl1.1@1.1.1k-1"))),
			false, nil},
		{"other arch", statements(stmt("CVE-2023-0286", "not_affected", "", sub("pkg:deb/debian/libssl1.1?arch=arm64"))),
			false, nil},
		{"qualifier only on one side", statements(stmt("CVE-2023-0286", "not_affected", "", sub("pkg:deb/debian/libssl1.1?repository_url=x"))),
			false, []string{"CVE-2023-0286 libssl1.1"}},
		{"other namespace", statements(stmt("CVE-2023-0286", "not_affected", "", sub("pkg:deb/ubuntu/libssl1.1"))),
			false, nil},
		{"source package covers its binaries", statements(stmt("CVE-2023-0286", "not_affected", "", sub("pkg:deb/debian/openssl@1.1.1n-0%2Bdeb11u3"))),
			false, []string{"CVE-2023-0286 libssl1.1", "CVE-2023-0286 openssl"}},
		{"ID case and alias", statements(stmt("cve-2024-1111", "not_affected", "", `["pkg:golang/github.com/example/lib@v1.2.3"]`)),
			false, []string{"GHSA-aaaa-bbbb-cccc github.com/example/lib"}},
		{"advisory alias", statements(stmt("DSA-5343-1", "not_affected", "", sub("pkg:deb/debian/openssl"))),
			false, []string{"CVE-2023-0286 libssl1.1", "CVE-2023-0286 openssl"}},
		{"non-CVE IDs keep their case", statements(stmt("dsa-5343-1", "not_affected", "", sub("pkg:deb/debian/openssl"))),
			false, nil},
		{"image product needs the target", statements(stmt("CVE-2024-2222", "not_affected", "", `["pkg:oci/app@sha256%3A`+imageDigest[7:]+`?repository_url=registry.example.com/app"]`)),
			false, nil},
		{"image product by digest", statements(stmt("CVE-2024-2222", "not_affected", "", `["pkg:oci/app@sha256%3A`+imageDigest[7:]+`?repository_url=registry.example.com/app"]`)),
			true, []string{"CVE-2024-2222 zlib1g"}},
		{"image product by reference", statements(stmt("CVE-2024-2222", "not_affected", "", `[{"@id":"registry.example.com/app:1.2"}]`)),
			true, []string{"CVE-2024-2222 zlib1g"}},
		{"image product by name@digest", statements(stmt("CVE-2024-2222", "not_affected", "", `["registry.example.com/app@`+imageDigest+`"]`)),
			true, []string{"CVE-2024-2222 zlib1g"}},
		{"another image", statements(stmt("CVE-2024-2222", "not_affected", "", `["pkg:oci/app@sha256%3A02"]`)),
			true, nil},
		{"fixed suppresses nothing", statements(stmt("CVE-2023-0286", "fixed", "", sub("pkg:deb/debian/libssl1.1"))),
			false, nil},
		{"later affected supersedes", statements(
			stmt("CVE-2023-0286", "not_affected", "2024-01-01T00:00:00Z", sub("pkg:deb/debian/libssl1.1")),
			stmt("CVE-2023-0286", "affected", "2024-02-01T00:00:00Z", sub("pkg:deb/debian/libssl1.1"))),
			false, nil},
		{"later not_affected supersedes, whatever the order", statements(
			stmt("CVE-2023-0286", "not_affected", "2024-03-01T00:00:00Z", sub("pkg:deb/debian/libssl1.1")),
			stmt("CVE-2023-0286", "under_investigation", "2024-02-01T00:00:00Z", sub("pkg:deb/debian/libssl1.1"))),
			false, []string{"CVE-2023-0286 libssl1.1"}},
		{"same time: the later statement wins", statements(
			stmt("CVE-2023-0286", "not_affected", "", sub("pkg:deb/debian/libssl1.1")),
			stmt("CVE-2023-0286", "affected", "", sub("pkg:deb/debian/libssl1.1"))),
			false, nil},
		{"OpenVEX 0.0.1 strings", `{"@context":"https://openvex.dev/ns","@id":"x","timestamp":"2023-01-01T00:00:00Z","statements":[` +
			`{"vulnerability":"CVE-2023-0286","products":["pkg:oci/app@sha256%3A01"],"subcomponents":["pkg:deb/debian/libssl1.1"],"status":"not_affected","justification":"component_not_present"}]}`,
			false, []string{"CVE-2023-0286 libssl1.1"}},
		{"in-toto statement", `{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://openvex.dev/ns/v0.2.0","subject":[],"predicate":` +
			statements(stmt("CVE-2023-0286", "not_affected", "", sub("pkg:deb/debian/libssl1.1"))) + `}`,
			false, []string{"CVE-2023-0286 libssl1.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := parseVEX(t, tt.doc)
			if tt.target {
				r = r.ForTarget("registry.example.com/app:1.2", imageDigest)
			}
			_, sup, _ := r.Apply(findings(), now)
			var got []string
			for _, s := range sup {
				got = append(got, short(s.Finding))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("suppressed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	vex := parseVEX(t, statements(stmt("CVE-2023-0286", "not_affected", "", `["pkg:deb/debian/libssl1.1"]`)))
	later := parseVEX(t, statements(stmt("CVE-2023-0286", "affected", "", `["pkg:deb/debian/libssl1.1"]`)))
	ign, err := suppress.ParseIgnoreFile(strings.NewReader("ignore:\n  - id: CVE-2024-2222\n    reason: r\n"), "ign.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := apply(suppress.Merge(vex, nil, ign), findings())
	want := outcome{
		Kept: []string{"CVE-2023-0286 openssl", "GHSA-aaaa-bbbb-cccc github.com/example/lib"},
		Suppressed: []string{
			"CVE-2023-0286 libssl1.1 openvex not_affected vulnerable_code_not_present | ",
			"CVE-2024-2222 zlib1g ignorefile   | r",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Same timestamp: the set merged later wins.
	if _, sup, _ := suppress.Merge(vex, later).Apply(findings(), now); len(sup) != 0 {
		t.Errorf("later affected statement did not supersede: %v", sup)
	}
	var nilRules *suppress.Rules
	if kept, sup, warn := nilRules.Apply(findings(), now); len(kept) != 4 || sup != nil || warn != nil {
		t.Errorf("nil rules: %d kept, %v, %v", len(kept), sup, warn)
	}
}

func TestIgnoreExpiry(t *testing.T) {
	t.Parallel()
	doc := "ignore:\n  - id: CVE-2024-2222\n    reason: r\n    expires: 2025-06-02\n"
	r, err := suppress.ParseIgnoreFile(strings.NewReader(doc), "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		now        time.Time
		suppressed int
	}{
		{time.Date(2025, 6, 1, 23, 59, 59, 0, time.UTC), 1},
		{time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC), 0},
	} {
		_, sup, warn := r.Apply(findings(), tt.now)
		if len(sup) != tt.suppressed {
			t.Errorf("at %v: %d suppressed, want %d (warnings %q)", tt.now, len(sup), tt.suppressed, warn)
		}
		if len(sup) == 1 && !sup[0].Expires.Equal(time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("Expires %v", sup[0].Expires)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, want string
		ignore          bool
	}{
		{"not JSON", `{"statements": [`, "vex.json: not a JSON VEX document", false},
		{"neither", `{"hello": 1}`, "neither OpenVEX", false},
		{"statements wrong type", statements(`"x"`), "vex.json: statement 0", false},
		{"bad status", statements(stmt("CVE-1", "maybe", "", `["pkg:deb/debian/a"]`)), `vex.json: statement 0: CVE-1: status "maybe"`, false},
		{"no justification", statements(stmt("CVE-1", "fixed", "", `["pkg:deb/debian/a"]`), `{"vulnerability":{"name":"CVE-2"},"status":"not_affected","products":["pkg:deb/debian/a"]}`),
			"vex.json: statement 1: CVE-2: not_affected needs a justification", false},
		{"bad justification", statements(`{"vulnerability":{"name":"CVE-2"},"status":"not_affected","justification":"trust me","products":["pkg:deb/debian/a"]}`),
			`unknown justification "trust me"`, false},
		{"no vulnerability", statements(`{"status":"fixed","products":["pkg:deb/debian/a"]}`), "statement 0: no vulnerability", false},
		{"no products", statements(stmt("CVE-1", "fixed", "", `[]`)), "statement 0: CVE-1: no products", false},
		{"bad purl", statements(stmt("CVE-1", "fixed", "", `[{"@id":"pkg:oci/x","subcomponents":["pkg:"]}]`)), "statement 0: CVE-1: subcomponent", false},
		{"bad timestamp", statements(stmt("CVE-1", "fixed", "yesterday", `["pkg:deb/debian/a"]`)), "statement 0: CVE-1: timestamp", false},
		{"products wrong type", statements(`{"vulnerability":{"name":"CVE-1"},"status":"fixed","products":{"a":1}}`), "statement 0", false},
		{"cdx bad state", `{"bomFormat":"CycloneDX","vulnerabilities":[{"id":"CVE-1","analysis":{"state":"fine"},"affects":[{"ref":"pkg:deb/debian/a"}]}]}`,
			`vex.json: vulnerability 0: CVE-1: analysis state "fine"`, false},
		{"cdx no affects", `{"bomFormat":"CycloneDX","vulnerabilities":[{"id":"CVE-1"},{"id":"CVE-2","analysis":{"state":"not_affected"}}]}`,
			"vulnerability 1: CVE-2: analysis without affects", false},
		{"cdx no id", `{"bomFormat":"CycloneDX","vulnerabilities":[{"analysis":{"state":"not_affected"}}]}`, "vulnerability 0: no id", false},
		{"cdx wrong type", `{"bomFormat":"CycloneDX","vulnerabilities":[{"id":"CVE-1","affects":"x","analysis":{"state":"not_affected"}}]}`, "vulnerability 0", false},

		{"no reason", "ignore:\n  - id: CVE-1\n  - id: CVE-2\n    reason: ''\n", "ign.yaml: entry 1 (line 2): CVE-1: no reason", true},
		{"no id", "ignore:\n  - reason: x\n", "ign.yaml: entry 1 (line 2): no id", true},
		{"unknown key", "ignore:\n  - id: CVE-1\n    reason: x\n    expire: 2027-01-01\n", `unknown key "expire"`, true},
		{"unknown top key", "ignores:\n  - id: CVE-1\n", `unknown key "ignores"`, true},
		{"bad expiry", "ignore:\n  - id: CVE-1\n    reason: x\n    expires: soon\n", "entry 1 (line 2): CVE-1: expires", true},
		{"list of strings", "ignore:\n  - CVE-1\n", "entry 1 (line 2): expected a mapping", true},
		{"nested value", "ignore:\n  - id: [CVE-1]\n    reason: x\n", "id must be a string", true},
		{"bad purl", "ignore:\n  - id: CVE-1\n    reason: x\n    package: 'pkg:'\n", "package", true},
		{"plain without reason", "CVE-1\n", "ign.yaml: entry 1 (line 1): CVE-1: no reason", true},
		{"plain junk", "CVE-1 because  # r\n", `line 1: unexpected "because"`, true},
		{"not YAML", "ignore: [\n", "ign.yaml", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if tt.ignore {
				_, err = suppress.ParseIgnoreFile(strings.NewReader(tt.doc), "ign.yaml")
			} else {
				_, err = suppress.ParseVEX(strings.NewReader(tt.doc), "vex.json")
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		t.Parallel()
		_, err := suppress.ParseVEX(endless{}, "huge.json")
		if err == nil || !strings.Contains(err.Error(), "huge.json: larger than") {
			t.Fatalf("error %v", err)
		}
	})
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestEmpty(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"", "# nothing\n", "ignore:\n", "ignore: []\n"} {
		r, err := suppress.ParseIgnoreFile(strings.NewReader(doc), "i")
		if err != nil || r.Len() != 0 {
			t.Errorf("%q: %v, %d rules", doc, err, r.Len())
		}
	}
}

func BenchmarkApply(b *testing.B) {
	// 2,000 statements and entries against 10,000 findings.
	var ss []string
	var ign strings.Builder
	ign.WriteString("ignore:\n")
	for i := range 1000 {
		ss = append(ss, stmt(fmt.Sprintf("CVE-2024-%05d", i), "not_affected", "", fmt.Sprintf(`["pkg:deb/debian/pkg%d"]`, i)))
		fmt.Fprintf(&ign, "  - id: CVE-2023-%05d\n    package: pkg%d\n    reason: r\n", i, i)
	}
	vex, err := suppress.ParseVEX(strings.NewReader(statements(ss...)), "v")
	if err != nil {
		b.Fatal(err)
	}
	ig, err := suppress.ParseIgnoreFile(strings.NewReader(ign.String()), "i")
	if err != nil {
		b.Fatal(err)
	}
	r := suppress.Merge(vex, ig)
	fs := make([]match.Finding, 10_000)
	for i := range fs {
		name := fmt.Sprintf("pkg%d", i%2000)
		fs[i] = match.Finding{ID: fmt.Sprintf("CVE-%d-%05d", 2023+i%2, i%1500), Aliases: []string{fmt.Sprintf("DSA-%d-1", i)},
			Package: match.PackageRef{Name: name, Version: "1.0-1", Type: "deb", PURL: "pkg:deb/debian/" + name + "@1.0-1?arch=amd64"}}
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Apply(fs, now)
	}
}
