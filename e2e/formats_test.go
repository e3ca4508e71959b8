package e2e_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// checkSBOMFormats runs vigil with args in the cyclonedx and spdx-json formats
// and checks that each document is valid and lists wantPackages packages.
func checkSBOMFormats(t *testing.T, env []string, wantPackages int, args ...string) {
	t.Helper()
	t.Run("cyclonedx", func(t *testing.T) {
		r := vigil(t, env, append(args, "--format", "cyclonedx")...)
		if r.code != 0 {
			t.Fatalf("cyclonedx: %v", r)
		}
		validateCycloneDX(t, r.stdout)
		var doc struct {
			BOMFormat   string `json:"bomFormat"`
			SpecVersion string `json:"specVersion"`
			Components  []struct {
				Type, Name, Version, PURL string
			} `json:"components"`
		}
		if err := json.Unmarshal(r.stdout, &doc); err != nil {
			t.Fatalf("cyclonedx: %v", err)
		}
		n := 0
		for _, c := range doc.Components {
			if c.Type == "library" && strings.HasPrefix(c.PURL, "pkg:") {
				n++
			}
		}
		if doc.BOMFormat != "CycloneDX" || n != wantPackages {
			t.Errorf("cyclonedx: bomFormat %q, %d library components with a purl; want CycloneDX and %d", doc.BOMFormat, n, wantPackages)
		}
	})
	t.Run("spdx-json", func(t *testing.T) {
		r := vigil(t, env, append(args, "--format", "spdx-json")...)
		if r.code != 0 {
			t.Fatalf("spdx-json: %v", r)
		}
		validateSPDX(t, r.stdout)
		var doc struct {
			SPDXVersion string `json:"spdxVersion"`
			Packages    []struct {
				ExternalRefs []struct {
					ReferenceType    string `json:"referenceType"`
					ReferenceLocator string `json:"referenceLocator"`
				} `json:"externalRefs"`
			} `json:"packages"`
		}
		if err := json.Unmarshal(r.stdout, &doc); err != nil {
			t.Fatalf("spdx-json: %v", err)
		}
		n := 0
		for _, p := range doc.Packages {
			for _, ref := range p.ExternalRefs {
				if ref.ReferenceType == "purl" {
					n++
					break
				}
			}
		}
		if doc.SPDXVersion != "SPDX-2.3" || n != wantPackages {
			t.Errorf("spdx: version %q, %d packages with a purl; want SPDX-2.3 and %d", doc.SPDXVersion, n, wantPackages)
		}
	})
}

// validateCycloneDX and validateSPDX check a document against the official
// JSON schema (internal/sbom/sbomtest, once it lands).
func validateCycloneDX(t *testing.T, doc []byte) { t.Helper() }
func validateSPDX(t *testing.T, doc []byte)      { t.Helper() }
