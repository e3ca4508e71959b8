package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/report"
)

func misconfigFindings() []finding.Finding {
	return []finding.Finding{
		{RuleID: "VGL-DF-USER-ROOT", Kind: finding.KindDockerfile, Severity: finding.SeverityMedium, Title: "runs as root",
			Message: "the final stage sets no USER", Location: finding.Location{Path: "Dockerfile", Line: 1}},
		{RuleID: "VGL-K8S-PRIVILEGED", Kind: finding.KindKubernetes, Severity: finding.SeverityHigh, Title: "privileged",
			Message: "container runs privileged\x1b[31m", Location: finding.Location{Path: "deploy.yaml", Line: 12, Object: "Deployment/default/web", Container: "app"}},
	}
}

func TestFindingsTable(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := report.FindingsTable(&b, misconfigFindings(), report.FindingsOptions{Target: "deploy.yaml"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"VGL-K8S-PRIVILEGED", "HIGH", "deploy.yaml:12 Deployment/default/web [app]", "Dockerfile:1",
		"SUMMARY: 2 findings (0 critical, 1 high, 1 medium, 0 low, 0 unknown)"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("control characters reached the table:\n%q", out)
	}
	if i, j := strings.Index(out, "VGL-K8S"), strings.Index(out, "VGL-DF"); i > j {
		t.Errorf("not most severe first:\n%s", out)
	}
}

func TestFindingsJSON(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := report.FindingsJSON(&b, misconfigFindings(), report.FindingsOptions{Target: "x"}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion int               `json:"schemaVersion"`
		Summary       map[string]int    `json:"summary"`
		Findings      []finding.Finding `json:"findings"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != 1 || doc.Summary["total"] != 2 || doc.Summary["high"] != 1 || len(doc.Findings) != 2 || doc.Findings[0].Severity != finding.SeverityHigh {
		t.Errorf("doc %+v", doc)
	}
	b.Reset()
	if err := report.FindingsJSON(&b, nil, report.FindingsOptions{}); err != nil || !strings.Contains(b.String(), `"findings": []`) {
		t.Errorf("empty: %v %s", err, b.String())
	}
}
