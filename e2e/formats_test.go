package e2e_test

import (
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/sbom/sbomtest"
)

// checkSBOMFormats runs vigil with args in the cyclonedx and spdx-json formats,
// validates each document against its official JSON schema and requires
// wantPackages packages whose package URL has the type purlType ("deb", "apk").
func checkSBOMFormats(t *testing.T, env []string, purlType string, wantPackages int, args ...string) {
	t.Helper()
	prefix := "pkg:" + purlType + "/"
	t.Run("cyclonedx", func(t *testing.T) {
		r := vigil(t, env, append(args, "--format", "cyclonedx")...)
		if r.code != 0 {
			t.Fatalf("cyclonedx: %v", r)
		}
		bom := sbomtest.ValidateCycloneDX(t, r.stdout)
		n := 0
		if bom.Components != nil {
			for _, c := range *bom.Components {
				if strings.HasPrefix(c.PackageURL, prefix) {
					n++
				}
			}
		}
		if n != wantPackages {
			t.Errorf("cyclonedx: %d components with a %s purl, want %d", n, prefix, wantPackages)
		}
	})
	t.Run("spdx-json", func(t *testing.T) {
		r := vigil(t, env, append(args, "--format", "spdx-json")...)
		if r.code != 0 {
			t.Fatalf("spdx-json: %v", r)
		}
		doc := sbomtest.ValidateSPDX(t, r.stdout)
		n := 0
		for _, p := range doc.Packages {
			for _, ref := range p.PackageExternalReferences {
				if ref.RefType == "purl" && strings.HasPrefix(ref.Locator, prefix) {
					n++
					break
				}
			}
		}
		if n != wantPackages {
			t.Errorf("spdx: %d packages with a %s purl, want %d", n, prefix, wantPackages)
		}
	})
}
