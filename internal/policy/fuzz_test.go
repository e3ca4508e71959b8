package policy

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/match"
)

func fuzzInputs() []*Input {
	full := benchInput(3, 4)
	full.Findings = append(full.Findings, Finding{RuleID: "k", Kind: finding.KindSecret, Severity: finding.SeverityHigh, Path: "a\nb"})
	full.Workload = &Workload{Kind: "Pod", Namespace: "prod", PodSecurity: PodSecurity{Baseline: []string{"privileged"}}}
	full.Vulnerabilities = append(full.Vulnerabilities, Vulnerability{ID: "CVE-2021-44228", Severity: match.SeverityCritical})
	return []*Input{nil, {}, full}
}

func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("testdata/policy.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example))
	for _, s := range []string{
		"",
		header,
		header + "registries: [\"a/*\", \"b/**\"]\nmaxAge: 30d\n",
		header + "vulnerabilities: {maxSeverity: none, onlyFixable: true, deny: [CVE-1], ignore: [CVE-2]}\n",
		header + "labels: [{key: a, value: '[a-z]+'}]\npodSecurity: baseline\n",
		header + "secrets: {maxSeverity: none}\nmisconfigurations: {maxSeverity: low, ignore: [X]}\n",
		header + "rules:\n  - name: r\n    deny: |\n      vulnerabilities.exists(v, v.kev) ||\n      image.labels['x'] == 'y'\n    messageExpression: \"'x' + now.getFullYear().string()\"\n",
		header + "rules: [{name: r, deny: \"packages.map(p, p.name).join(',').size() > 3\"}]\n",
		header + "signers:\n  minimum: 1\n  keys: [{name: a, keyFile: keys/ci.pub}]\n",
		header + "a: &x [*x]\n",
		header + "rules: [{name: r, deny: \"\\\"\\u00e9\\\" == x\"}]\n",
	} {
		f.Add(s)
	}
	inputs := fuzzInputs()
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse(strings.NewReader(src), "testdata/fuzz.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "testdata/fuzz.yaml:") {
				t.Errorf("error without the file name: %v", err)
			}
			return
		}
		for _, in := range inputs {
			d := p.Evaluate(in, time.Unix(1e9, 0))
			if d.Allowed != (len(d.Violations) == 0) {
				t.Errorf("Allowed %v with %d violations", d.Allowed, len(d.Violations))
			}
			for _, v := range d.Violations {
				if v.Rule == "" || v.Message == "" || strings.ContainsAny(v.Message, "\r\n") {
					t.Errorf("bad violation %+v", v)
				}
			}
		}
	})
}

func FuzzParseTests(f *testing.F) {
	example, err := os.ReadFile("testdata/policy_test.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example))
	for _, s := range []string{
		"",
		testHeader + "cases: [{name: a, want: allow}]\n",
		testHeader + "cases:\n  - name: a\n    now: 2026-01-01T00:00:00Z\n    input: {image: {created: 2025-01-01T00:00:00Z}, vulnerabilities: [{severity: high}]}\n    want: deny\n    violations: [maxAge]\n",
		testHeader + "cases:\n  - name: a\n    input: &a {workload: {labels: {x: y}}}\n    want: allow\n  - {name: b, input: *a, want: deny}\n",
		testHeader + "cases: [{name: a, want: allow, input: {image: {labels: {1: 2}}}}]\n",
	} {
		f.Add(s)
	}
	p := parseFile(f, "testdata/policy.yaml")
	f.Fuzz(func(t *testing.T, src string) {
		cases, err := ParseTests(strings.NewReader(src), "t.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "t.yaml:") {
				t.Errorf("error without the file name: %v", err)
			}
			return
		}
		res := RunTests(p, cases, time.Unix(1e9, 0))
		if len(res) != len(cases) {
			t.Fatalf("%d results for %d cases", len(res), len(cases))
		}
		for _, r := range res {
			if r.Pass != (r.Why == "") {
				t.Errorf("case %q: Pass %v, Why %q", r.Name, r.Pass, r.Why)
			}
		}
	})
}

// TestParseHostile feeds inputs that must fail fast with an error.
func TestParseHostile(t *testing.T) {
	t.Parallel()
	big := header + "registries: [" + strings.Repeat("\"a/b\", ", MaxPolicySize/7) + "]\n"
	bomb := header + "x: &a [" + strings.Repeat("a,", 100) + "]\n" + "y: &b [" + strings.Repeat("*a,", 100) + "]\nz: &c [" + strings.Repeat("*b,", 100) + "]\nw: [" + strings.Repeat("*c,", 100) + "]\n"
	longExpr := header + "rules: [{name: r, deny: \"" + strings.Repeat("1 + ", MaxExpressionSize) + "1 == 2\"}]\n"
	deep := header + "rules: [{name: r, deny: \"" + strings.Repeat("(", 2000) + "true" + strings.Repeat(")", 2000) + "\"}]\n"
	for name, src := range map[string]string{"too big": big, "alias bomb": bomb, "long expression": longExpr, "deep expression": deep, "fifo key": header + "signers: {keys: [{name: a, keyFile: /dev/stdin}]}\n"} {
		start := time.Now()
		_, err := Parse(bytes.NewReader([]byte(src)), "p.yaml")
		if err == nil {
			t.Errorf("%s: Parse succeeded", name)
		} else {
			t.Logf("%s: %.200s", name, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
}
