package sbom

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// FuzzParseLicense: licence strings come from package databases in hostile
// images. Parsing never fails; an expression's normal form parses to itself;
// every LicenseRef made is valid.
func FuzzParseLicense(f *testing.F) {
	for _, s := range []string{
		"MIT", "mit OR apache-2.0", "(MIT OR Apache-2.0) AND BSD-3-Clause", "GPL-2.0+",
		"GPL-2.0-only WITH Classpath-exception-2.0", "LicenseRef-x", "GPLv2+ and LGPL",
		"((((MIT))))", "MIT AND", "Ünïcode\n", "DocumentRef-a:LicenseRef-b", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := parseLicense(s)
		switch l.kind {
		case licenseID:
			if again := parseLicense(l.value); again.kind != licenseID || again.value != l.value {
				t.Fatalf("id %q does not parse back: %+v", l.value, again)
			}
		case licenseExpr:
			again := parseLicense(l.value)
			if again.value != l.value {
				t.Fatalf("expression %q normalises to %q, then to %q", s, l.value, again.value)
			}
		case licenseText:
			ref := licenseRef(l.value)
			if !strings.HasPrefix(ref, "LicenseRef-") || !isIDString(ref[len("LicenseRef-"):]) {
				t.Fatalf("licenseRef(%q) = %q is not valid", l.value, ref)
			}
		}
	})
}

// FuzzEncode: any package strings give valid JSON in both formats.
func FuzzEncode(f *testing.F) {
	f.Add("libc6", "2.36-9", "amd64", "glibc", "MIT OR Zlib", "sha256:00", "var/lib/dpkg/status", "alpine:3.20")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("a\x00b", "\xff\xfe", "x/y", "../..", "((", "#", "\x1b[31m", "dir:/")
	f.Fuzz(func(t *testing.T, name, version, arch, src, lic, layer, path, ref string) {
		inv := &inventory.Inventory{
			Source: inventory.Source{Kind: "registry", Name: ref, Digest: "sha256:" + strings.Repeat("ab", 32), Platform: arch,
				Layers: []inventory.LayerInfo{{DiffID: layer}}},
			Distro: &inventory.Distro{ID: src, VersionID: version},
			Packages: []inventory.Package{
				{Name: name, Version: version, Arch: arch, SourceName: src, Licenses: []string{lic, name}, Type: arch, Layer: layer, Path: path},
				{Name: name, Version: version, Arch: arch, SourceName: src, Licenses: []string{lic, name}, Type: arch, Layer: layer, Path: path},
			},
		}
		o := DefaultOptions()
		o.Created = time.Unix(0, 0)
		var b bytes.Buffer
		if err := EncodeCycloneDX(&b, inv, o); err != nil {
			t.Fatalf("EncodeCycloneDX: %v", err)
		}
		if !json.Valid(b.Bytes()) {
			t.Fatal("CycloneDX output is not JSON")
		}
		b.Reset()
		if err := EncodeSPDX(&b, inv, o); err != nil {
			t.Fatalf("EncodeSPDX: %v", err)
		}
		if !json.Valid(b.Bytes()) {
			t.Fatal("SPDX output is not JSON")
		}
	})
}
