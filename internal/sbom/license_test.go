package sbom

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestParseLicense(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want license
	}{
		{"MIT", license{kind: licenseID, value: "MIT"}},
		{"  mit ", license{kind: licenseID, value: "MIT"}},
		{"gpl-2.0-or-later", license{kind: licenseID, value: "GPL-2.0-or-later"}},
		{"GPL-2.0+", license{kind: licenseID, value: "GPL-2.0+"}},
		{"Apache-2.0+", license{kind: licenseExpr, value: "Apache-2.0+"}},
		{"MIT OR Apache-2.0", license{kind: licenseExpr, value: "MIT OR Apache-2.0"}},
		{"mit  AND\tbsd-3-clause", license{kind: licenseExpr, value: "MIT AND BSD-3-Clause"}},
		{"( MIT OR Apache-2.0 )AND Zlib", license{kind: licenseExpr, value: "(MIT OR Apache-2.0) AND Zlib"}},
		{"GPL-2.0-only WITH Classpath-exception-2.0", license{kind: licenseExpr, value: "GPL-2.0-only WITH Classpath-exception-2.0"}},
		{"LicenseRef-foo.bar-1", license{kind: licenseExpr, value: "LicenseRef-foo.bar-1", refs: []string{"LicenseRef-foo.bar-1"}}},
		{"MIT OR LicenseRef-x", license{kind: licenseExpr, value: "MIT OR LicenseRef-x", refs: []string{"LicenseRef-x"}}},
		// Free text.
		{"", license{kind: licenseText}},
		{"GPLv2+", license{kind: licenseText, value: "GPLv2+"}},
		{"MIT and BSD", license{kind: licenseText, value: "MIT and BSD"}},
		{"MIT AND", license{kind: licenseText, value: "MIT AND"}},
		{"AND MIT", license{kind: licenseText, value: "AND MIT"}},
		{"(MIT", license{kind: licenseText, value: "(MIT"}},
		{"MIT)", license{kind: licenseText, value: "MIT)"}},
		{"()", license{kind: licenseText, value: "()"}},
		{"MIT WITH Apache-2.0", license{kind: licenseText, value: "MIT WITH Apache-2.0"}},
		{"LLVM-exception", license{kind: licenseText, value: "LLVM-exception"}},
		{"LicenseRef-", license{kind: licenseText, value: "LicenseRef-"}},
		{"DocumentRef-a:LicenseRef-b", license{kind: licenseText, value: "DocumentRef-a:LicenseRef-b"}},
		{"MIT++", license{kind: licenseText, value: "MIT++"}},
		{"MIT, BSD", license{kind: licenseText, value: "MIT, BSD"}},
		{"public domain", license{kind: licenseText, value: "public domain"}},
		{strings.Repeat("(", 40) + "MIT" + strings.Repeat(")", 40), license{kind: licenseText, value: strings.Repeat("(", 40) + "MIT" + strings.Repeat(")", 40)}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got := parseLicense(tt.in)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(license{})); diff != "" {
				t.Errorf("parseLicense(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestSPDXExpression(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"", " "}, ""},
		{[]string{"MIT"}, "MIT"},
		{[]string{"MIT OR Zlib"}, "MIT OR Zlib"},
		{[]string{"MIT", "mit", "MIT"}, "MIT"},
		{[]string{"MIT OR Zlib", "BSD-3-Clause"}, "(MIT OR Zlib) AND BSD-3-Clause"},
		{[]string{"(MIT OR Zlib)", "BSD-3-Clause AND ISC"}, "(MIT OR Zlib) AND BSD-3-Clause AND ISC"},
		{[]string{"Apache-2.0 WITH LLVM-exception", "MIT"}, "Apache-2.0 WITH LLVM-exception AND MIT"},
		{[]string{"public-domain", "MIT"}, "LicenseRef-public-domain AND MIT"},
		{[]string{"GPLv2+"}, "LicenseRef-GPLv2-" + licenseRef("GPLv2+")[len("LicenseRef-GPLv2-"):]},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.in, "|"), func(t *testing.T) {
			t.Parallel()
			if got := parseLicenses(tt.in).spdxExpression(); got != tt.want {
				t.Errorf("spdxExpression(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLicenseRef(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	for _, text := range []string{"public-domain", "public domain", "public_domain", "GPLv2+", "GPLv2", "Ünïcode", "!!!", "", strings.Repeat("x", 200)} {
		ref := licenseRef(text)
		if !strings.HasPrefix(ref, "LicenseRef-") || !isIDString(ref[len("LicenseRef-"):]) || len(ref) > 80 {
			t.Errorf("licenseRef(%q) = %q: not a valid, short LicenseRef", text, ref)
		}
		if other, dup := seen[ref]; dup {
			t.Errorf("licenseRef(%q) = licenseRef(%q) = %q", text, other, ref)
		}
		seen[ref] = text
	}
}

func TestDescribeSource(t *testing.T) {
	t.Parallel()
	const d = "sha256:244fd47e07d1004f0aed9c156aa09083c04b8d5b2ea6c8a2fe5c2e2c5e5f5a5b"
	tests := []struct {
		kind, name, digest, platform string
		wantShort, wantPURL          string
	}{
		{"registry", "alpine:3.20", d, "linux/amd64", "alpine", "pkg:oci/alpine@" + d + "?arch=amd64&repository_url=docker.io%2Flibrary%2Falpine&tag=3.20"},
		{"registry", "registry:ghcr.io/Org/App@" + d, d, "", "app", "pkg:oci/app@" + d + "?repository_url=ghcr.io%2FOrg%2FApp"},
		{"registry", "localhost:5000/x/y:dev", d, "linux/arm64/v8", "y", "pkg:oci/y@" + d + "?arch=arm64&repository_url=localhost:5000%2Fx%2Fy&tag=dev"},
		{"registry", "bitnami/redis", "", "", "redis", ""},
		{"docker-archive", "./build/App.tar.gz", d, "", "app", "pkg:oci/app@" + d},
		{"oci-layout", "oci:/tmp/layout/", d, "", "layout", "pkg:oci/layout@" + d},
		{"dir", "/srv/rootfs/", "", "", "rootfs", ""},
		{"dir", "/", "", "", "rootfs", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sub := describeSource(inventorySource(tt.kind, tt.name, tt.digest, tt.platform))
			if sub.short != tt.wantShort || sub.purl != tt.wantPURL {
				t.Errorf("short, purl = %q, %q; want %q, %q", sub.short, sub.purl, tt.wantShort, tt.wantPURL)
			}
		})
	}
}

func inventorySource(kind, name, digest, platform string) inventory.Source {
	return inventory.Source{Kind: kind, Name: name, Digest: digest, Platform: platform}
}
