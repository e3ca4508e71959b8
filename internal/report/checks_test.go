package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/report"
)

// checkSecret stands for a secret value; no output may hold it.
const checkSecret = "s3cr3t" + "VALUE" + "that" + "MUSTnotLEAK"

// checksResult is vulnResult with secret and misconfiguration findings.
func checksResult(scanners ...string) *match.Result {
	res := vulnResult()
	if len(scanners) > 0 && scanners[0] != match.ScannerVuln {
		res.Findings, res.Suppressed = nil, nil
	}
	res.Scanners = scanners
	layer := res.Inventory.Source.Layers[len(res.Inventory.Source.Layers)-1].DiffID
	res.Secrets = []finding.Finding{
		{RuleID: "VGL-SEC-GITHUB-TOKEN", Kind: finding.KindSecret, Severity: finding.SeverityCritical, Title: "GitHub token",
			Message: "GitHub token in app/.env", Remediation: "Revoke the token.", Match: "ghp_************",
			Location: finding.Location{Layer: layer, Path: "app/.env", Line: 3, Column: 7}},
		{RuleID: "VGL-SEC-AWS-ACCESS-KEY", Kind: finding.KindSecret, Severity: finding.SeverityHigh, Title: "AWS access key",
			Message: "AWS access key in deploy.env", Match: "AKIA************",
			Location: finding.Location{Layer: layer, Path: "app/deploy.env", Line: 1, Column: 1, Deleted: true}},
		{RuleID: "VGL-SEC-NPM-TOKEN", Kind: finding.KindSecret, Severity: finding.SeverityHigh, Title: "npm token",
			Message: "npm token in the image environment", Match: "npm_************",
			Location: finding.Location{Path: "config:Env", Line: 2}},
	}
	res.Misconfigurations = []finding.Finding{
		{RuleID: "VGL-IMG-ROOT-USER", Kind: finding.KindImage, Severity: finding.SeverityHigh, Title: "Image runs as root",
			Message: "the image's user is \"\", so its processes run as root", Remediation: "Set USER.",
			Location: finding.Location{Path: "config:User"}, References: []string{"https://www.cisecurity.org/benchmark/docker"}},
		{RuleID: "VGL-IMG-SETUID", Kind: finding.KindImage, Severity: finding.SeverityMedium, Title: "setuid file",
			Message: "usr/bin/su is setuid root", Location: finding.Location{Layer: layer, Path: "usr/bin/su"}},
	}
	return res
}

func TestChecksInEveryFormat(t *testing.T) {
	t.Parallel()
	for _, scanners := range [][]string{
		{match.ScannerVuln, match.ScannerSecret, match.ScannerMisconfig},
		{match.ScannerSecret, match.ScannerMisconfig},
	} {
		res := checksResult(scanners...)
		name := strings.Join(scanners, ",")
		var table, js, sarif bytes.Buffer
		if err := report.VulnTable(&table, res, report.VulnTableOptions{Now: vulnNow, Width: 200}); err != nil {
			t.Fatal(err)
		}
		if err := report.VulnJSON(&js, res); err != nil {
			t.Fatal(err)
		}
		data, doc := writeSARIF(t, res)
		sarif.Write(data)
		for _, want := range []string{"SECRETS", "MISCONFIGURATIONS", "VGL-SEC-GITHUB-TOKEN", "layer #2: app/.env:3",
			"layer #2: app/deploy.env:1 (deleted)", "config:Env:2", "ghp_************", "VGL-IMG-SETUID", "layer #2: usr/bin/su",
			"3 secrets (1 critical, 2 high, 0 medium, 0 low); 2 misconfigurations (0 critical, 1 high, 1 medium, 0 low)"} {
			if !strings.Contains(table.String(), want) {
				t.Errorf("%s: table lacks %q:\n%s", name, want, table.String())
			}
		}
		if vuln := strings.Contains(table.String(), "No vulnerabilities found") || strings.Contains(table.String(), "CVE-"); vuln != (scanners[0] == match.ScannerVuln) {
			t.Errorf("%s: vulnerability section shown = %t:\n%s", name, vuln, table.String())
		}
		var got report.VulnDocument
		if err := json.Unmarshal(js.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Secrets) != 3 || len(got.Misconfigurations) != 2 || got.Summary.Secrets != 3 || got.Summary.Misconfigurations != 2 {
			t.Errorf("%s: JSON has %d secrets, %d misconfigurations (summary %+v)", name, len(got.Secrets), len(got.Misconfigurations), got.Summary)
		}
		if !got.Secrets[1].Location.Deleted || got.Secrets[1].Match != "AKIA************" {
			t.Errorf("%s: JSON secret %+v", name, got.Secrets[1])
		}
		results := map[string]int{}
		for _, r := range doc.Runs[0].Results {
			results[r.RuleID]++
			if rule := doc.Runs[0].Tool.Driver.Rules[r.RuleIndex]; rule.ID != r.RuleID {
				t.Errorf("%s: result %s points at rule %s", name, r.RuleID, rule.ID)
			}
			if r.PartialFingerprints["vigilFindingHash/v1"] == "" || len(r.Locations) != 1 {
				t.Errorf("%s: result %s has no fingerprint or location", name, r.RuleID)
			}
		}
		for _, id := range []string{"VGL-SEC-GITHUB-TOKEN", "VGL-SEC-AWS-ACCESS-KEY", "VGL-SEC-NPM-TOKEN", "VGL-IMG-ROOT-USER", "VGL-IMG-SETUID"} {
			if results[id] != 1 {
				t.Errorf("%s: SARIF has %d results for %s", name, results[id], id)
			}
		}
		for format, out := range map[string]string{"table": table.String(), "json": js.String(), "sarif": sarif.String()} {
			if strings.Contains(out, checkSecret) {
				t.Errorf("%s: %s output holds the secret", name, format)
			}
		}
	}
	// A vulnerability scan alone shows no secret or misconfiguration section.
	var table bytes.Buffer
	if err := report.VulnTable(&table, vulnResult(), report.VulnTableOptions{Now: vulnNow}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(table.String(), "SECRETS") || strings.Contains(table.String(), "MISCONFIGURATIONS") {
		t.Errorf("vulnerability-only table shows other sections:\n%s", table.String())
	}
}

func TestFindingsSARIF(t *testing.T) {
	t.Parallel()
	fs := []finding.Finding{
		{RuleID: "VGL-K8S-PRIVILEGED", Kind: finding.KindKubernetes, Severity: finding.SeverityCritical, Title: "Privileged container",
			Message: "container app is privileged", Remediation: "Remove privileged: true.",
			Location:   finding.Location{Path: "deploy/app.yaml", Line: 21, Column: 9, EndLine: 22, Object: "Deployment/default/web", Container: "app"},
			References: []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/"}},
		{RuleID: "VGL-DF-ROOT-USER", Kind: finding.KindDockerfile, Severity: finding.SeverityHigh, Title: "Runs as root",
			Message: "USER root", Location: finding.Location{Path: "Dockerfile", Line: 7}},
	}
	var b bytes.Buffer
	if err := report.FindingsSARIF(&b, fs, report.FindingsOptions{Target: "deploy/"}, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	var doc sarifDoc
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 || len(doc.Runs[0].Results) != 2 || len(doc.Runs[0].Tool.Driver.Rules) != 2 {
		t.Fatalf("SARIF: %s", b.String())
	}
	r := doc.Runs[0].Results[0]
	if r.RuleID != "VGL-K8S-PRIVILEGED" || r.Level != "error" || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != "deploy/app.yaml" ||
		r.Locations[0].PhysicalLocation.Region.StartLine != 21 {
		t.Errorf("first result %+v", r)
	}
	validateSARIF(t, compileSARIFSchema(t), "findings", b.Bytes())
}
