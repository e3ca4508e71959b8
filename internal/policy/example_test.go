package policy

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/match"
)

func parseFile(t testing.TB, path string) *Policy {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := Parse(f, path)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

// TestExampleFixtures runs testdata/policy_test.yaml against
// testdata/policy.yaml, as `vigil policy test` does.
func TestExampleFixtures(t *testing.T) {
	t.Parallel()
	p := parseFile(t, "testdata/policy.yaml")
	f, err := os.Open("testdata/policy_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := ParseTests(f, "testdata/policy_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 5 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, r := range RunTests(p, cases, time.Now()) {
		if !r.Pass {
			t.Errorf("case %q: %s; got %+v", r.Name, r.Why, r.Got)
		}
		for _, v := range r.Got.Violations {
			t.Logf("%s: %s: %s", r.Name, v.Rule, v.Message)
		}
	}
	if diff := cmp.Diff([]string{"release", "ci"}, signerNames(p.Signers())); diff != "" {
		t.Errorf("signers (-want +got):\n%s", diff)
	}
}

func signerNames(ss []Signer) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

func ExamplePolicy_Evaluate() {
	p, err := Parse(strings.NewReader(`
apiVersion: vigil.dev/v1
kind: Policy
registries: ["127.0.0.1:5000/**"]
vulnerabilities: {maxSeverity: high, onlyFixable: true}
rules:
  - name: no-root
    deny: image.user == "" || image.user == "root"
    message: the image runs as root
`), "policy.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	in := &Input{Vulnerabilities: []Vulnerability{
		{ID: "CVE-2024-0001", Severity: match.SeverityCritical, Fixable: true, FixedVersion: "3.0.2",
			Package: VulnerablePkg{Type: "deb", Name: "openssl", Version: "3.0.1"}},
	}}
	in.Image.SetRef("ghcr.io/acme/web:1")
	d := p.Evaluate(in, time.Now())
	fmt.Println("allowed:", d.Allowed)
	for _, v := range d.Violations {
		fmt.Printf("%s: %s\n", v.Rule, v.Message)
	}
	// Output:
	// allowed: false
	// registries: image "ghcr.io/acme/web:1" (ghcr.io/acme/web) is not in an allowed registry or repository: 127.0.0.1:5000/**
	// vulnerabilities.maxSeverity: 1 fixable vulnerability above maxSeverity high: CVE-2024-0001 critical in openssl 3.0.1 (fixed in 3.0.2)
	// rules/no-root: the image runs as root
}
