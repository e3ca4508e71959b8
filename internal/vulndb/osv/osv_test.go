package osv

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

// result is everything one import call produced.
type result struct {
	advs     []*vulndb.Advisory
	problems []*vulndb.Problem
	err      error
}

func (r *result) emit(a *vulndb.Advisory) error { r.advs = append(r.advs, a); return nil }
func (r *result) problem(p *vulndb.Problem)     { r.problems = append(r.problems, p) }

func parseString(s string) result {
	var res result
	res.err = Parse(context.Background(), strings.NewReader(s), "f.json", res.emit, res.problem)
	return res
}

const goRecord = `{
  "schema_version": "1.3.1",
  "id": "GO-2023-2102",
  "modified": "2023-10-11T00:00:00Z",
  "published": "0001-01-01T00:00:00Z",
  "aliases": ["CVE-2023-39325", "GHSA-4374-p667-p6c8"],
  "related": ["CVE-2023-44487"],
  "summary": "HTTP/2 rapid reset",
  "details": "long text",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
  "affected": [
    {"package": {"name": "stdlib", "ecosystem": "Go"},
     "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.20.10"}, {"introduced": "1.21.0-0"}, {"fixed": "1.21.3"}]}],
     "ecosystem_specific": {"imports": [{"path": "net/http", "symbols": ["Serve"]}]}},
    {"package": {"name": "golang.org/x/net", "ecosystem": "Go", "purl": "pkg:golang/golang.org/x/net"},
     "versions": ["0.16.0"],
     "database_specific": {"x": [1, {"y": null}]}}
  ],
  "references": [{"type": "FIX", "url": "https://go.dev/cl/534215"}, {"type": "WEB"}]
}`

func TestParse(t *testing.T) {
	t.Parallel()
	res := parseString(goRecord)
	if res.err != nil || len(res.problems) != 0 {
		t.Fatalf("err %v, problems %v", res.err, res.problems)
	}
	want := []*vulndb.Advisory{{
		ID:         "GO-2023-2102",
		Aliases:    []string{"CVE-2023-39325", "GHSA-4374-p667-p6c8"},
		Source:     "osv",
		Summary:    "HTTP/2 rapid reset",
		Modified:   time.Date(2023, 10, 11, 0, 0, 0, 0, time.UTC),
		Severity:   []vulndb.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}},
		References: []string{"https://go.dev/cl/534215"},
		Affected: []vulndb.Affected{
			{Ecosystem: "Go", Package: "stdlib", Status: vulndb.StatusAffected,
				Ranges: []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{
					{Introduced: "0"}, {Fixed: "1.20.10"}, {Introduced: "1.21.0-0"}, {Fixed: "1.21.3"}}}}},
			{Ecosystem: "Go", Package: "golang.org/x/net", Status: vulndb.StatusAffected, Versions: []string{"0.16.0"}},
		},
	}}
	if d := cmp.Diff(want, res.advs); d != "" {
		t.Errorf("advisories (-want +got):\n%s", d)
	}
}

func TestParseAliasesDeduplicated(t *testing.T) {
	t.Parallel()
	res := parseString(`{"id": "X-1", "aliases": ["CVE-2020-1", "X-1", "CVE-2020-1", "GHSA-a"]}`)
	if len(res.advs) != 1 {
		t.Fatalf("problems %v", res.problems)
	}
	if d := cmp.Diff([]string{"CVE-2020-1", "GHSA-a"}, res.advs[0].Aliases); d != "" {
		t.Errorf("aliases (-want +got):\n%s", d)
	}
}

func TestParseSummaryClipped(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", MaxSummary)
	res := parseString(`{"id": "X-1", "summary": "` + long + `"}`)
	if len(res.advs) != 1 || len(res.problems) != 0 {
		t.Fatalf("got %d advisories, problems %v", len(res.advs), res.problems)
	}
	if s := res.advs[0].Summary; len(s) > MaxSummary || !strings.HasPrefix(long, s) || len(s) < MaxSummary-1 {
		t.Errorf("summary clipped to %d bytes, not a prefix cut at a rune", len(s))
	}
}

func TestParseProblems(t *testing.T) {
	t.Parallel()
	withAffected := func(af string) string {
		return `{"id": "GHSA-aaaa-bbbb-cccc", "affected": [` + af + `]}`
	}
	tests := []struct {
		name, in, record, err string
	}{
		{"truncated", goRecord[:400], "GO-2023-2102", "decode OSV record"},
		{"empty", ``, "", "decode OSV record"},
		{"not an object", `[1, 2]`, "", "decode OSV record"},
		{"trailing junk", `{"id": "X-1"} {}`, "X-1", "decode OSV record"},
		{"aliases wrong type", `{"id": "X-1", "aliases": "CVE-2020-1"}`, "X-1", "decode OSV record"},
		{"bad time", `{"id": "X-1", "modified": "yesterday"}`, "X-1", "decode OSV record"},
		{"no id", `{"summary": "x"}`, "", "not an advisory ID"},
		{"id with space", `{"id": "CVE 2020"}`, "CVE 2020", "not an advisory ID"},
		{"huge id", `{"id": "X` + strings.Repeat("1", MaxField) + `"}`, "X" + strings.Repeat("1", 63) + "...", "longer than"},
		{"bad alias", `{"id": "X-1", "aliases": ["ok-1", "<script>"]}`, "X-1", "aliases[1]"},
		{"empty severity", `{"id": "X-1", "severity": [{"type": "CVSS_V3"}]}`, "X-1", "empty type or score"},
		{"control char in name", withAffected(`{"package": {"ecosystem": "npm", "name": "a\u0000b"}}`), "GHSA-aaaa-bbbb-cccc", "control characters"},
		{"no package", withAffected(`{"ranges": [{"type": "GIT", "events": [{"introduced": "0"}]}]}`), "GHSA-aaaa-bbbb-cccc", "no ecosystem or name"},
		{"unknown range type", withAffected(`{"package": {"ecosystem": "npm", "name": "a"}, "ranges": [{"type": "DATE", "events": [{"introduced": "0"}]}]}`), "GHSA-aaaa-bbbb-cccc", "unknown range type"},
		{"no events", withAffected(`{"package": {"ecosystem": "npm", "name": "a"}, "ranges": [{"type": "ECOSYSTEM"}]}`), "GHSA-aaaa-bbbb-cccc", "no events"},
		{"two fields in event", withAffected(`{"package": {"ecosystem": "npm", "name": "a"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}]}`), "GHSA-aaaa-bbbb-cccc", "want exactly 1"},
		{"empty event", withAffected(`{"package": {"ecosystem": "npm", "name": "a"}, "ranges": [{"type": "ECOSYSTEM", "events": [{}]}]}`), "GHSA-aaaa-bbbb-cccc", "want exactly 1"},
		{"Go version with v", withAffected(`{"package": {"ecosystem": "Go", "name": "m"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "v1.2.3"}]}]}`), "GHSA-aaaa-bbbb-cccc", "not SemVer"},
		{"semver range bad", withAffected(`{"package": {"ecosystem": "crates.io", "name": "c"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0"}]}]}`), "GHSA-aaaa-bbbb-cccc", "not SemVer"},
		{"Go versions list bad", withAffected(`{"package": {"ecosystem": "Go", "name": "m"}, "versions": ["1.2.3", "latest"]}`), "GHSA-aaaa-bbbb-cccc", "versions[1]"},
		{"Debian version bad", withAffected(`{"package": {"ecosystem": "Debian:12", "name": "openssl"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2 junk"}]}]}`), "GHSA-aaaa-bbbb-cccc", "invalid version"},
		{"Alpine version bad", withAffected(`{"package": {"ecosystem": "Alpine:v3.20", "name": "aom"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "r0-3.1.1"}]}]}`), "GHSA-aaaa-bbbb-cccc", "invalid version"},
		{"huge version", withAffected(`{"package": {"ecosystem": "npm", "name": "a"}, "versions": ["` + strings.Repeat("1", MaxField+1) + `"]}`), "GHSA-aaaa-bbbb-cccc", "longer than"},
		{"too many aliases", `{"id": "X-1", "aliases": [` + strings.Repeat(`"A-1",`, MaxList) + `"A-2"]}`, "X-1", "more than"},
		{"huge reference", `{"id": "X-1", "references": [{"url": "https://x/` + strings.Repeat("a", MaxURL) + `"}]}`, "X-1", "URL longer"},
		{"too large", `{"id": "X-1", "summary": "` + strings.Repeat("a", MaxRecordSize) + `"}`, "", "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := parseString(tt.in)
			if res.err != nil || len(res.advs) != 0 || len(res.problems) != 1 {
				t.Fatalf("err %v, %d advisories, problems %v; want one problem", res.err, len(res.advs), res.problems)
			}
			p := res.problems[0]
			if p.File != "f.json" || p.Record != tt.record || !strings.Contains(p.Error(), tt.err) {
				t.Errorf("problem %q (record %q), want record %q and %q", p.Error(), p.Record, tt.record, tt.err)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"id": "GO-2020-0001", "withdrawn": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "m"}}]}`,
	} {
		res := parseString(in)
		if res.err != nil || len(res.advs) != 0 || len(res.problems) != 0 {
			t.Errorf("withdrawn: err %v, advs %v, problems %v; want nothing", res.err, res.advs, res.problems)
		}
	}
	tests := []struct{ name, in string }{
		{"git limit star", `{"id": "OSV-2020-1", "affected": [{"package": {"ecosystem": "OSS-Fuzz", "name": "x"}, "ranges": [{"type": "GIT", "repo": "https://x", "events": [{"introduced": "abc"}, {"limit": "*"}]}]}]}`},
		{"debian ok", `{"id": "DSA-5343-1", "affected": [{"package": {"ecosystem": "Debian:11", "name": "openssl"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1n-0+deb11u4"}]}]}]}`},
		{"npm anything", `{"id": "GHSA-xvch-5gv4-984h", "affected": [{"package": {"ecosystem": "npm", "name": "minimist"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "0.2.3"}]}]}]}`},
		{"no affected", `{"id": "CVE-2020-1234", "modified": "2020-01-01T00:00:00Z"}`},
	}
	for _, tt := range tests {
		res := parseString(tt.in)
		if res.err != nil || len(res.advs) != 1 || len(res.problems) != 0 {
			t.Errorf("%s: err %v, %d advisories, problems %v; want one advisory", tt.name, res.err, len(res.advs), res.problems)
		}
	}
}

func TestParseEmitErrorStops(t *testing.T) {
	t.Parallel()
	vulndbtest.EmitError(t, Parse, goRecord)
	vulndbtest.Cancelled(t, Parse, goRecord)
	vulndbtest.ReadError(t, Parse, goRecord[:100])
}
