package suppress_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/suppress"
)

func TestApplyChecks(t *testing.T) {
	t.Parallel()
	const file = `
ignore:
  - id: VGL-SEC-JWT
    reason: test fixtures
    path: srv/test/**
  - id: VGL-IMG-SETUID
    reason: su is needed
    path: usr/bin/su
  - id: VGL-IMG-NO-HEALTHCHECK
    reason: probes in Kubernetes
  - id: VGL-SEC-AWS-ACCESS-KEY-ID
    reason: old
    expires: 2020-01-01
  - id: VGL-SEC-NEVER
    reason: unused
  - id: CVE-2099-0001
    reason: a vulnerability entry
`
	rules, err := suppress.ParseIgnoreFile(strings.NewReader(file), ".vigilignore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := func(rule, p string) finding.Finding {
		return finding.Finding{RuleID: rule, Location: finding.Location{Path: p}}
	}
	in := []finding.Finding{
		f("VGL-SEC-JWT", "srv/test/a/token.txt"),
		f("VGL-SEC-JWT", "srv/app/token.txt"),
		f("VGL-IMG-SETUID", "usr/bin/su"),
		f("VGL-IMG-SETUID", "usr/bin/passwd"),
		f("VGL-IMG-NO-HEALTHCHECK", "config:Healthcheck"),
		f("VGL-SEC-AWS-ACCESS-KEY-ID", "root/.aws/credentials"),
	}
	kept, sup, warn := rules.ApplyChecks(in, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var keptIDs, supIDs []string
	for _, k := range kept {
		keptIDs = append(keptIDs, k.RuleID+" "+k.Location.Path)
	}
	for _, s := range sup {
		supIDs = append(supIDs, s.Finding.RuleID+" "+s.Finding.Location.Path+" ("+s.Reason+")")
	}
	if d := cmp.Diff([]string{"VGL-SEC-JWT srv/app/token.txt", "VGL-IMG-SETUID usr/bin/passwd", "VGL-SEC-AWS-ACCESS-KEY-ID root/.aws/credentials"}, keptIDs); d != "" {
		t.Errorf("kept (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"VGL-SEC-JWT srv/test/a/token.txt (test fixtures)", "VGL-IMG-SETUID usr/bin/su (su is needed)",
		"VGL-IMG-NO-HEALTHCHECK config:Healthcheck (probes in Kubernetes)"}, supIDs); d != "" {
		t.Errorf("suppressed (-want +got):\n%s", d)
	}
	if len(warn) != 2 || !strings.Contains(warn[0], "VGL-SEC-AWS-ACCESS-KEY-ID") || !strings.Contains(warn[0], "expired") ||
		!strings.Contains(warn[1], "VGL-SEC-NEVER") || !strings.Contains(warn[1], "matched no finding") {
		t.Errorf("warnings %q", warn)
	}
	// The vulnerability side warns only about its own entries.
	_, _, vwarn := rules.Apply([]match.Finding{}, time.Now())
	if len(vwarn) != 1 || !strings.Contains(vwarn[0], "CVE-2099-0001") {
		t.Errorf("vulnerability warnings %q", vwarn)
	}
}

func TestIgnorePathErrors(t *testing.T) {
	t.Parallel()
	for name, file := range map[string]string{
		"path on a vulnerability": "ignore:\n  - id: CVE-2024-1\n    reason: r\n    path: a/*\n",
		"bad pattern":             "ignore:\n  - id: VGL-SEC-JWT\n    reason: r\n    path: 'a/['\n",
	} {
		if _, err := suppress.ParseIgnoreFile(strings.NewReader(file), "f.yaml"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
