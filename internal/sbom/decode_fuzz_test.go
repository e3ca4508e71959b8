package sbom_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/sbom"
)

// FuzzDecode: SBOMs come from anywhere. Decode never panics, and a
// document it accepts gives an inventory whose packages each have a type.
func FuzzDecode(f *testing.F) {
	for _, glob := range []string{"testdata/decode/*", "testdata/*.json"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"a","purl":"pkg:deb/debian/a@1?distro=debian-"}]}`,
		`{"bomFormat":"CycloneDX","metadata":{"component":{"type":"container","purl":"pkg:oci/x@sha256%3Azz"}}}`,
		`{"spdxVersion":"SPDX-2.2","packages":[{"name":"a","SPDXID":"SPDXRef-a","externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:rpm/x@1?upstream=.src.rpm"}]}]}`,
		"SPDXVersion: SPDX-2.3\nPackageName: a\nSPDXID: SPDXRef-a\nExternalRef: PACKAGE-MANAGER purl pkg:apk/alpine/a@1\n",
		`<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components><component type="library"><name>a</name><purl>pkg:npm/%40s/a@1</purl></component></components></bom>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		inv, err := sbom.Decode(bytes.NewReader(b), "fuzz")
		if err != nil {
			return
		}
		if inv == nil {
			t.Fatal("nil inventory without an error")
		}
		for _, p := range inv.Packages {
			if p.Type == "" {
				t.Fatalf("package without a type: %+v", p)
			}
		}
	})
}
