package policy

import (
	"fmt"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/match"
)

// benchInput is a typical image: nPkgs packages, nVulns vulnerabilities
// spread over them and the severities, a few findings, one signature.
func benchInput(nPkgs, nVulns int) *Input {
	in := &Input{}
	in.Image.SetRef("myacr.azurecr.io/team/web:1.2.3")
	in.Image.Digest = "sha256:4b1e0ad0e3a2a3b1f0c1e0e6c8a1f8f1d2d2f1f0a9b8c7d6e5f4a3b2c1d0e9f8"
	in.Image.Created = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	in.Image.User = "1000"
	in.Image.Labels = map[string]string{"org.opencontainers.image.source": "https://github.com/acme/web", "maintainer": "team"}
	for i := range nPkgs {
		name := fmt.Sprintf("pkg%d", i)
		in.Packages = append(in.Packages, Package{Type: "deb", Name: name, Version: "1.0-1", PURL: "pkg:deb/debian/" + name + "@1.0-1", Licenses: []string{"MIT"}})
	}
	sevs := []match.Severity{match.SeverityLow, match.SeverityMedium, match.SeverityHigh, match.SeverityNegligible, match.SeverityUnknown}
	for i := range nVulns {
		v := Vulnerability{
			ID: fmt.Sprintf("CVE-2025-%05d", i), Aliases: []string{fmt.Sprintf("DSA-%d", i)},
			Severity: sevs[i%len(sevs)], Fixable: i%2 == 0,
			Package: VulnerablePkg{Type: "deb", Name: fmt.Sprintf("pkg%d", i%max(nPkgs, 1)), Version: "1.0-1"},
		}
		if v.Fixable {
			v.FixedVersion = "1.0-2"
		}
		in.Vulnerabilities = append(in.Vulnerabilities, v)
	}
	in.Findings = []Finding{{RuleID: "IMG-001", Kind: finding.KindImage, Severity: finding.SeverityMedium}, {RuleID: "IMG-005", Kind: finding.KindImage, Severity: finding.SeverityCritical}}
	in.Signatures = []Signature{{KeyID: "ec0baf6bc40deece6069f30f743830862264dbfd5c1b223344137a3890ee4e24", Signer: "ci"}}
	return in
}

// BenchmarkEvaluate evaluates testdata/policy.yaml (every built-in rule and
// three CEL rules, one of them over all vulnerabilities) against an image
// with 500 packages and 200 vulnerabilities: the work of one admission
// request. The image passes, so every rule runs to the end.
func BenchmarkEvaluate(b *testing.B) {
	p := parseFile(b, "testdata/policy.yaml")
	in := benchInput(500, 200)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if d := p.Evaluate(in, now); !d.Allowed {
		b.Fatalf("benchmark input denied: %+v", d.Violations)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Evaluate(in, now)
	}
}

// BenchmarkEvaluatePackagesRule adds a CEL rule that walks every package.
func BenchmarkEvaluatePackagesRule(b *testing.B) {
	p := mustParse(b, `
vulnerabilities: {maxSeverity: high}
rules:
  - name: gpl3
    deny: packages.exists(p, p.licenses.exists(l, l.startsWith("GPL-3")))
  - name: kev
    deny: vulnerabilities.exists(v, v.kev)
`)
	in := benchInput(500, 200)
	b.ReportAllocs()
	for b.Loop() {
		if !p.Evaluate(in, testNow).Allowed {
			b.Fatal("denied")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		parseFile(b, "testdata/policy.yaml")
	}
}
