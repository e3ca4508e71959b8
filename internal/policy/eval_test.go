package policy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/match"
)

const header = "apiVersion: vigil.dev/v1\nkind: Policy\n"

var testNow = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func mustParse(t testing.TB, body string) *Policy {
	t.Helper()
	p, err := Parse(strings.NewReader(header+body), "p.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

// newKey returns a fresh P-256 public key in PEM and its key ID.
func newKey(t testing.TB) (pemKey, id string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	id, err = KeyID(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), id
}

func indent(s, pad string) string {
	return pad + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad)
}

func rules(d Decision) []string {
	out := []string{}
	for _, v := range d.Violations {
		out = append(out, v.Rule)
	}
	return out
}

func imageRef(s string) Image {
	var im Image
	im.SetRef(s)
	return im
}

// TestDecisionTable has, for each rule, inputs it allows and inputs it denies.
func TestDecisionTable(t *testing.T) {
	t.Parallel()
	keyA, idA := newKey(t)
	keyB, idB := newKey(t)
	signers := fmt.Sprintf("signers:\n  keys:\n    - name: a\n      publicKey: |\n%s\n    - name: b\n      publicKey: |\n%s\n",
		indent(keyA, "        "), indent(keyB, "        "))
	signersMin1 := strings.Replace(signers, "signers:\n", "signers:\n  minimum: 1\n", 1)
	vuln := func(id string, sev match.Severity, fixable bool, aliases ...string) Vulnerability {
		v := Vulnerability{ID: id, Severity: sev, Fixable: fixable, Aliases: aliases, Package: VulnerablePkg{Type: "deb", Name: "openssl", Version: "3.0.1"}}
		if fixable {
			v.FixedVersion = "3.0.2"
		}
		return v
	}
	tests := []struct {
		name   string
		policy string
		in     Input
		want   []string
	}{
		{"empty policy allows anything", "", Input{}, []string{}},

		{"registries allow glob one segment", `registries: ["myacr.azurecr.io/team/*"]`, Input{Image: imageRef("myacr.azurecr.io/team/app:1")}, []string{}},
		{"registries deny deeper path for *", `registries: ["myacr.azurecr.io/team/*"]`, Input{Image: imageRef("myacr.azurecr.io/team/a/b:1")}, []string{"registries"}},
		{"registries allow ** with port", `registries: ["127.0.0.1:5000/**"]`, Input{Image: imageRef("127.0.0.1:5000/a/b/c@sha256:00")}, []string{}},
		{"registries deny other registry", `registries: ["127.0.0.1:5000/**"]`, Input{Image: imageRef("127.0.0.1:5001/a")}, []string{"registries"}},
		{"registries docker hub normalized", `registries: ["docker.io/library/*"]`, Input{Image: imageRef("nginx")}, []string{}},
		{"registries deny image without registry", `registries: ["**"]`, Input{Image: Image{Ref: "image.tar"}}, []string{"registries"}},

		{"signers all present", signers, Input{Signatures: []Signature{{KeyID: idB}, {KeyID: idA}}}, []string{}},
		{"signers default all: one missing", signers, Input{Signatures: []Signature{{KeyID: idA}}}, []string{"signers"}},
		{"signers none", signers, Input{}, []string{"signers"}},
		{"signers minimum 1", signersMin1, Input{Signatures: []Signature{{KeyID: idB}}}, []string{}},
		{"signers minimum 1, unknown key", signersMin1, Input{Signatures: []Signature{{KeyID: strings.Repeat("0", 64)}}}, []string{"signers"}},
		{"signers key ID case-insensitive", signersMin1, Input{Signatures: []Signature{{KeyID: strings.ToUpper(idA)}}}, []string{}},

		{"maxSeverity allow at the limit", "vulnerabilities: {maxSeverity: high}", Input{Vulnerabilities: []Vulnerability{vuln("CVE-1", match.SeverityHigh, true)}}, []string{}},
		{"maxSeverity deny above", "vulnerabilities: {maxSeverity: high}", Input{Vulnerabilities: []Vulnerability{vuln("CVE-1", match.SeverityCritical, false)}}, []string{"vulnerabilities.maxSeverity"}},
		{"maxSeverity onlyFixable ignores unfixable", "vulnerabilities: {maxSeverity: medium, onlyFixable: true}", Input{Vulnerabilities: []Vulnerability{vuln("CVE-1", match.SeverityCritical, false)}}, []string{}},
		{"maxSeverity onlyFixable counts fixable", "vulnerabilities: {maxSeverity: medium, onlyFixable: true}", Input{Vulnerabilities: []Vulnerability{vuln("CVE-1", match.SeverityHigh, true)}}, []string{"vulnerabilities.maxSeverity"}},
		{"maxSeverity none denies any", "vulnerabilities: {maxSeverity: none}", Input{Vulnerabilities: []Vulnerability{vuln("CVE-1", match.SeverityUnknown, false)}}, []string{"vulnerabilities.maxSeverity"}},
		{"maxSeverity unknown ranks lowest", "vulnerabilities: {maxSeverity: negligible}", Input{Vulnerabilities: []Vulnerability{vuln("CVE-1", match.SeverityUnknown, false)}}, []string{}},
		{"maxSeverity ignore by alias", "vulnerabilities: {maxSeverity: low, ignore: [cve-2020-1]}", Input{Vulnerabilities: []Vulnerability{vuln("GHSA-x", match.SeverityCritical, true, "CVE-2020-1")}}, []string{}},

		{"deny absent", "vulnerabilities: {deny: [CVE-2021-44228]}", Input{Vulnerabilities: []Vulnerability{vuln("CVE-1", match.SeverityCritical, true)}}, []string{}},
		{"deny by ID", "vulnerabilities: {deny: [CVE-2021-44228]}", Input{Vulnerabilities: []Vulnerability{vuln("CVE-2021-44228", match.SeverityLow, false)}}, []string{"vulnerabilities.deny"}},
		{"deny by alias", "vulnerabilities: {deny: [CVE-2021-44228]}", Input{Vulnerabilities: []Vulnerability{vuln("GHSA-jfh8-c2jp-5v3q", match.SeverityLow, false, "CVE-2021-44228")}}, []string{"vulnerabilities.deny"}},

		{"maxAge young", "maxAge: 30d", Input{Image: Image{Created: testNow.Add(-29 * 24 * time.Hour)}}, []string{}},
		{"maxAge old", "maxAge: 30d", Input{Image: Image{Created: testNow.Add(-31 * 24 * time.Hour)}}, []string{"maxAge"}},
		{"maxAge Go duration", "maxAge: 720h", Input{Image: Image{Created: testNow.Add(-721 * time.Hour)}}, []string{"maxAge"}},
		{"maxAge unknown creation", "maxAge: 30d", Input{}, []string{"maxAge"}},

		{"labels present and matching", "labels: [{key: team}, {key: src, value: 'https://.*'}]", Input{Image: Image{Labels: map[string]string{"team": "", "src": "https://x"}}}, []string{}},
		{"labels missing", "labels: [{key: team}]", Input{Image: Image{Labels: map[string]string{"other": "x"}}}, []string{"labels"}},
		{"labels value anchored", "labels: [{key: src, value: 'https://.*'}]", Input{Image: Image{Labels: map[string]string{"src": "http://https://"}}}, []string{"labels"}},

		{"podSecurity no workload", "podSecurity: restricted", Input{}, []string{}},
		{"podSecurity baseline ignores restricted failures", "podSecurity: baseline", Input{Workload: &Workload{PodSecurity: PodSecurity{Restricted: []string{"runAsNonRoot"}}}}, []string{}},
		{"podSecurity baseline fails", "podSecurity: baseline", Input{Workload: &Workload{PodSecurity: PodSecurity{Baseline: []string{"privileged"}}}}, []string{"podSecurity"}},
		{"podSecurity restricted fails", "podSecurity: restricted", Input{Workload: &Workload{PodSecurity: PodSecurity{Restricted: []string{"runAsNonRoot"}}}}, []string{"podSecurity"}},
		{"podSecurity privileged never fails", "podSecurity: privileged", Input{Workload: &Workload{PodSecurity: PodSecurity{Baseline: []string{"privileged"}}}}, []string{}},

		{"secrets none, no secret", "secrets: {maxSeverity: none}", Input{Findings: []Finding{{RuleID: "IMG-1", Kind: finding.KindImage, Severity: finding.SeverityHigh}}}, []string{}},
		{"secrets none, a secret", "secrets: {maxSeverity: none}", Input{Findings: []Finding{{RuleID: "aws", Kind: finding.KindSecret, Severity: finding.SeverityLow}}}, []string{"secrets"}},
		{"secrets ignore by rule", "secrets: {maxSeverity: none, ignore: [aws]}", Input{Findings: []Finding{{RuleID: "aws", Kind: finding.KindSecret}}}, []string{}},
		{"misconfigurations at limit", "misconfigurations: {maxSeverity: high}", Input{Findings: []Finding{{RuleID: "IMG-1", Kind: finding.KindImage, Severity: finding.SeverityHigh}, {RuleID: "s", Kind: finding.KindSecret, Severity: finding.SeverityCritical}}}, []string{}},
		{"misconfigurations above", "misconfigurations: {maxSeverity: high}", Input{Findings: []Finding{{RuleID: "K8S-1", Kind: finding.KindKubernetes, Severity: finding.SeverityCritical}}}, []string{"misconfigurations"}},

		{"rule false allows", "rules: [{name: root, deny: 'image.user == \"root\"'}]", Input{Image: Image{User: "app"}}, []string{}},
		{"rule true denies", "rules: [{name: root, deny: 'image.user == \"root\"'}]", Input{Image: Image{User: "root"}}, []string{"rules/root"}},
		{"rule over packages", "rules: [{name: gpl, deny: 'packages.exists(p, p.licenses.exists(l, l.startsWith(\"GPL-3\")))'}]",
			Input{Packages: []Package{{Name: "a", Licenses: []string{"MIT"}}, {Name: "b", Licenses: []string{"GPL-3.0-only"}}}}, []string{"rules/gpl"}},
		{"rule over now and created", "rules: [{name: fresh, deny: 'image.created == null || now - image.created > duration(\"24h\")'}]",
			Input{Image: Image{Created: testNow.Add(-time.Hour)}}, []string{}},
		{"rule over workload null", "rules: [{name: ns, deny: 'workload != null && workload.namespace == \"kube-system\"'}]", Input{}, []string{}},
		{"rule over workload", "rules: [{name: ns, deny: 'workload != null && workload.namespace == \"kube-system\"'}]", Input{Workload: &Workload{Namespace: "kube-system"}}, []string{"rules/ns"}},
		{"rule over signatures and attestations", "rules: [{name: att, deny: '!attestations.exists(a, a.predicateType == \"https://vigil.dev/scan/v1\" && now - a.created < duration(\"24h\"))'}]",
			Input{Attestations: []Attestation{{PredicateType: "https://vigil.dev/scan/v1", Created: testNow.Add(-2 * time.Hour)}}}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, tt.policy)
			in := tt.in
			d := p.Evaluate(&in, testNow)
			if diff := cmp.Diff(tt.want, rules(d)); diff != "" {
				t.Errorf("violations (-want +got):\n%s\n%+v", diff, d.Violations)
			}
			if d.Allowed != (len(tt.want) == 0) {
				t.Errorf("Allowed = %v with %d violations", d.Allowed, len(d.Violations))
			}
			for _, v := range d.Violations {
				if v.Message == "" || strings.ContainsAny(v.Message, "\n\r") {
					t.Errorf("violation %s: message %q is not one line", v.Rule, v.Message)
				}
			}
		})
	}
}

// TestMessages pins the wording of each rule's violation.
func TestMessages(t *testing.T) {
	t.Parallel()
	p := mustParse(t, `
registries: ["myacr.azurecr.io/team/*"]
vulnerabilities: {maxSeverity: high, deny: [CVE-2021-44228]}
maxAge: 30d
labels: [{key: team}, {key: src, value: "https://.*"}]
podSecurity: restricted
secrets: {maxSeverity: none}
misconfigurations: {maxSeverity: medium}
rules:
  - name: root
    deny: image.user == "root"
    message: runs as root
  - name: count
    deny: vulnerabilities.size() > 0
    messageExpression: '"has " + string(vulnerabilities.size()) + " vulnerabilities"'
  - name: default-message
    deny: "true"
`)
	in := &Input{
		Image: imageRef("ghcr.io/x/y:1"),
		Vulnerabilities: []Vulnerability{
			{ID: "CVE-2", Severity: match.SeverityCritical, Package: VulnerablePkg{Name: "zlib", Version: "1.2"}},
			{ID: "CVE-1", Severity: match.SeverityCritical, FixedVersion: "3.0.2", Fixable: true, Package: VulnerablePkg{Name: "openssl", Version: "3.0.1"}},
			{ID: "GHSA-1", Aliases: []string{"CVE-2021-44228"}, Severity: match.SeverityHigh, Package: VulnerablePkg{Name: "log4j", Version: "2.14.1"}},
		},
		Findings: []Finding{
			{RuleID: "aws-key", Kind: finding.KindSecret, Severity: finding.SeverityCritical, Path: "etc/app.env"},
			{RuleID: "IMG-1", Kind: finding.KindImage, Severity: finding.SeverityHigh},
		},
		Workload: &Workload{Kind: "Pod", Namespace: "ns", Name: "p", PodSecurity: PodSecurity{Baseline: []string{"hostNetwork"}, Restricted: []string{"runAsNonRoot"}}},
	}
	in.Image.User = "root"
	in.Image.Created = testNow.Add(-(45*24 + 3) * time.Hour)
	in.Image.Labels = map[string]string{"src": "ftp://x\nevil"}
	got := p.Evaluate(in, testNow)
	want := Decision{Violations: []Violation{
		{"registries", `image "ghcr.io/x/y:1" (ghcr.io/x/y) is not in an allowed registry or repository: myacr.azurecr.io/team/*`},
		{"vulnerabilities.maxSeverity", "2 vulnerabilities above maxSeverity high: CVE-1 critical in openssl 3.0.1 (fixed in 3.0.2), CVE-2 critical in zlib 1.2"},
		{"vulnerabilities.deny", "denied vulnerabilities present: CVE-2021-44228 as GHSA-1 in log4j 2.14.1"},
		{"maxAge", "image is 45d3h old (created 2026-01-14T21:00:00Z), older than maxAge 30d"},
		{"labels", `required labels: "team" missing; "src" is "ftp://x\nevil", want a match of "https://.*"`},
		{"podSecurity", `Pod ns/p does not meet Pod Security "restricted": fails hostNetwork, runAsNonRoot`},
		{"secrets", "1 secret finding, none allowed: aws-key critical in etc/app.env"},
		{"misconfigurations", "1 misconfiguration finding above maxSeverity medium: IMG-1 high"},
		{"rules/root", "runs as root"},
		{"rules/count", "has 3 vulnerabilities"},
		{"rules/default-message", "denied by rule default-message"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Evaluate (-want +got):\n%s", diff)
	}
}

func TestSignerMessages(t *testing.T) {
	t.Parallel()
	keyA, idA := newKey(t)
	keyB, _ := newKey(t)
	keyC, _ := newKey(t)
	p := mustParse(t, fmt.Sprintf("signers:\n  minimum: 2\n  keys:\n    - {name: a, publicKey: %q}\n    - {name: b, publicKey: %q}\n    - {name: c, publicKey: %q}\n", keyA, keyB, keyC))
	for _, tt := range []struct {
		sigs []Signature
		want string
	}{
		{nil, "no valid signature by a required signer (2 of 3 needed: a, b, c)"},
		{[]Signature{{KeyID: idA}}, "signed by a only; 2 of 3 signers needed, missing: b, c"},
	} {
		got := p.Evaluate(&Input{Signatures: tt.sigs}, testNow)
		if diff := cmp.Diff([]Violation{{"signers", tt.want}}, got.Violations); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
	if p.MinSigners() != 2 || len(p.Signers()) != 3 || p.Signers()[0].KeyID != idA {
		t.Errorf("MinSigners %d, Signers %+v", p.MinSigners(), p.Signers())
	}
}

func TestListSomeCapsMessage(t *testing.T) {
	t.Parallel()
	p := mustParse(t, "vulnerabilities: {maxSeverity: none}")
	in := &Input{}
	for i := range 8 {
		in.Vulnerabilities = append(in.Vulnerabilities, Vulnerability{ID: fmt.Sprintf("CVE-%d", i), Severity: match.SeverityLow})
	}
	got := p.Evaluate(in, testNow).Violations[0].Message
	want := "8 vulnerabilities, none allowed: CVE-0 low, CVE-1 low, CVE-2 low, CVE-3 low, CVE-4 low and 3 more"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestCELRuntimeErrorsDeny(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr string
		in         Input
		want       string
	}{
		{"missing map key", `image.labels["team"] == "x"`, Input{}, "no such key: team"},
		{"null workload", `workload.namespace == "x"`, Input{}, "no such key"},
		{"null created", `now - image.created > duration("1h")`, Input{}, "no such overload"},
		{"division by zero", `1 / size(packages) > 0`, Input{}, "division by zero"},
		{"dyn not bool", `image.labels.exists(k, true) ? image.labels["x"] : false`, Input{Image: Image{Labels: map[string]string{"x": "str"}}}, "want bool"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := mustParse(t, fmt.Sprintf("rules:\n  - name: r\n    deny: %q\n", tt.expr))
			in := tt.in
			d := p.Evaluate(&in, testNow)
			if d.Allowed || len(d.Violations) != 1 || d.Violations[0].Rule != "rules/r" {
				t.Fatalf("got %+v, want one violation of rules/r", d)
			}
			if m := d.Violations[0].Message; !strings.Contains(m, "evaluation error") || !strings.Contains(m, tt.want) {
				t.Errorf("message %q, want an evaluation error with %q", m, tt.want)
			}
		})
	}
}

func TestCELCostLimit(t *testing.T) {
	t.Parallel()
	p := mustParse(t, `
rules:
  - name: quadratic
    deny: packages.exists(a, packages.exists(b, a.name + "x" == b.name))
  - name: linear
    deny: packages.exists(a, a.name == "nope")
`)
	in := benchInput(500, 0)
	start := time.Now()
	d := p.Evaluate(in, testNow)
	if len(d.Violations) != 1 || d.Violations[0].Rule != "rules/quadratic" || !strings.Contains(d.Violations[0].Message, "cost limit") {
		t.Fatalf("got %+v, want rules/quadratic to exceed the cost limit", d.Violations)
	}
	t.Logf("%s in %v", d.Violations[0].Message, time.Since(start))
}

func TestEvaluateNilInput(t *testing.T) {
	t.Parallel()
	p := mustParse(t, "maxAge: 1d\nrules: [{name: r, deny: 'packages.size() > 0'}]")
	if diff := cmp.Diff([]string{"maxAge"}, rules(p.Evaluate(nil, testNow))); diff != "" {
		t.Error(diff)
	}
}

// TestConcurrentEvaluate runs one Policy from many goroutines (run with -race).
func TestConcurrentEvaluate(t *testing.T) {
	t.Parallel()
	p := parseFile(t, "testdata/policy.yaml")
	in := benchInput(50, 20)
	want := p.Evaluate(in, testNow)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if diff := cmp.Diff(want, p.Evaluate(in, testNow)); diff != "" {
					t.Error(diff)
					return
				}
			}
		})
	}
	wg.Wait()
}
