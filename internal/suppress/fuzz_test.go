package suppress_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/suppress"
)

func addFiles(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParseVEX: VEX documents come from suppliers and users. Parsing never
// panics, and rules it accepts apply without panicking.
func FuzzParseVEX(f *testing.F) {
	addFiles(f, "openvex.json", "cyclonedx-vex.json")
	for _, s := range []string{
		statements(stmt("CVE-1", "not_affected", "2024-01-01", `[{"@id":"pkg:oci/a","subcomponents":["pkg:deb/debian/a?arch=x"]}]`)),
		`{"@context":"https://openvex.dev/ns","statements":[{"vulnerability":"CVE-1","products":["x"],"status":"fixed"}]}`,
		`{"predicateType":"https://openvex.dev/ns/v0.2.0","predicate":{"statements":[]}}`,
		`{"bomFormat":"CycloneDX","metadata":{"component":{"type":"container","bom-ref":"i"}},"vulnerabilities":[{"id":"CVE-1","analysis":{"state":"false_positive"},"affects":[{"ref":"urn:cdx:x/1#i"}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := suppress.ParseVEX(bytes.NewReader(b), "fuzz.json")
		if err != nil {
			return
		}
		kept, sup, _ := r.ForTarget("app:1", imageDigest).Apply(findings(), now)
		if len(kept)+len(sup) != len(findings()) {
			t.Fatalf("%d kept + %d suppressed of %d", len(kept), len(sup), len(findings()))
		}
	})
}

// FuzzParseIgnoreFile: ignore files are hand-written. Parsing never
// panics; every entry accepted has a reason, so every suppression does.
func FuzzParseIgnoreFile(f *testing.F) {
	addFiles(f, "ignore.yaml", "trivyignore")
	for _, s := range []string{
		"ignore:\n  - id: CVE-1\n    reason: r\n    expires: 2024-01-01T00:00:00+02:00\n",
		"ignore: &a\n  - id: *a\n",
		"CVE-1 exp:2024-01-01 # r\n# r\nGHSA-x\n",
		"---\nignore: []\n...\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := suppress.ParseIgnoreFile(bytes.NewReader(b), "fuzz.yaml")
		if err != nil {
			return
		}
		kept, sup, _ := r.Apply(findings(), now)
		if len(kept)+len(sup) != len(findings()) {
			t.Fatalf("%d kept + %d suppressed of %d", len(kept), len(sup), len(findings()))
		}
		for _, s := range sup {
			if s.Reason == "" {
				t.Fatalf("suppressed without a reason: %+v", s)
			}
		}
	})
}
