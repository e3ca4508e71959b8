package policy

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
