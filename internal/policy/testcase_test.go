package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/match"
)

const testHeader = "apiVersion: vigil.dev/v1\nkind: PolicyTest\n"

func TestParseTests(t *testing.T) {
	t.Parallel()
	src := testHeader + `cases:
  - name: a
    now: 2026-01-02T03:04:05Z
    input:
      image: {ref: nginx, created: 2026-01-01T00:00:00Z, labels: {a: b}}
      vulnerabilities: [{id: CVE-1, severity: HIGH, fixable: true}]
      workload: {kind: Pod, podSecurity: {baseline: [privileged]}}
    want: deny
    violations: [maxAge]
  - name: b
    input: {}
    want: allow
    violations: []
  - name: c
    want: allow
`
	got, err := ParseTests(strings.NewReader(src), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []TestCase{
		{
			Name: "a", Line: 4, Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Violations: []string{"maxAge"},
			Input: &Input{
				Image:           Image{Ref: "nginx", Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Labels: map[string]string{"a": "b"}},
				Vulnerabilities: []Vulnerability{{ID: "CVE-1", Severity: match.SeverityHigh, Fixable: true}},
				Workload:        &Workload{Kind: "Pod", PodSecurity: PodSecurity{Baseline: []string{"privileged"}}},
			},
		},
		{Name: "b", Line: 12, WantAllow: true, Violations: []string{}, Input: &Input{}},
		{Name: "c", Line: 16, WantAllow: true, Input: &Input{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseTests (-want +got):\n%s", diff)
	}
}

func TestParseTestsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"wrong kind", "apiVersion: vigil.dev/v1\nkind: Policy\ncases: []\n", `t.yaml:2:7: kind "Policy": want "PolicyTest"`},
		{"no cases", testHeader, `t.yaml:1:1: no cases`},
		{"unknown case key", testHeader + "cases:\n  - name: a\n    want: allow\n    expect: deny\n", `t.yaml:6: unknown key "expect"`},
		{"bad want", testHeader + "cases:\n  - name: a\n    want: yes\n", `t.yaml:5:11: case "a": want "yes": want allow or deny`},
		{"allow with violations", testHeader + "cases:\n  - name: a\n    want: allow\n    violations: [x]\n", `t.yaml:5:11: case "a": want allow with violations listed`},
		{"duplicate name", testHeader + "cases:\n  - {name: a, want: allow}\n  - {name: a, want: allow}\n", `t.yaml:5:12: case "a": name used twice`},
		{"unknown input field", testHeader + "cases:\n  - name: a\n    want: allow\n    input: {image: {reff: x}}\n", `t.yaml:6:12: case "a": input: json: unknown field "reff"`},
		{"bad severity", testHeader + "cases:\n  - name: a\n    want: allow\n    input: {vulnerabilities: [{severity: moderate}]}\n", `t.yaml:6:12: case "a": input: unknown severity "moderate" (want one of critical, high, medium, low, negligible, unknown)`},
		{"non-string key", testHeader + "cases:\n  - name: a\n    want: allow\n    input: {image: {labels: {1: x}}}\n", `t.yaml:6:12: case "a": input: a mapping key is not a string`},
		{"bad now", testHeader + "cases:\n  - name: a\n    want: allow\n    now: yesterday\n", `t.yaml:6:10: case "a": now "yesterday": want RFC 3339 (2026-01-31T00:00:00Z)`},
		{"missing name", testHeader + "cases:\n  - want: allow\n", `t.yaml:4:11: case 1: name missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseTests(strings.NewReader(tt.src), "t.yaml")
			if err == nil {
				t.Fatal("ParseTests succeeded")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunTests(t *testing.T) {
	t.Parallel()
	p := mustParse(t, "maxAge: 1d\nlabels: [{key: team}]\n")
	old := &Input{Image: Image{Created: testNow.Add(-48 * time.Hour), Labels: map[string]string{"team": "x"}}}
	cases := []TestCase{
		{Name: "pass deny", Input: old, Violations: []string{"maxAge"}},
		{Name: "pass allow with now", Input: old, WantAllow: true, Now: testNow.Add(-47 * time.Hour)},
		{Name: "wrong decision", Input: old, WantAllow: true},
		{Name: "wrong violations", Input: &Input{}, Violations: []string{"labels"}},
		{Name: "decision only", Input: &Input{}},
	}
	got := RunTests(p, cases, testNow)
	var summary []string
	for _, r := range got {
		summary = append(summary, r.Name+": "+map[bool]string{true: "ok", false: r.Why}[r.Pass])
	}
	want := []string{
		"pass deny: ok",
		"pass allow with now: ok",
		"wrong decision: want allow, got deny",
		"wrong violations: violations: want [labels], got [labels maxAge]",
		"decision only: ok",
	}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Errorf("RunTests (-want +got):\n%s", diff)
	}
	if len(got[2].Got.Violations) != 1 {
		t.Errorf("Got = %+v", got[2].Got)
	}
}
