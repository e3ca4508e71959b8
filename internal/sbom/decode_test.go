package sbom_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/sbom"
)

// carried is what a package keeps through an SBOM: everything but the
// licences, which the encoders normalise (see TestDecodeLicenses).
func carried(ps []inventory.Package, spdx bool) []inventory.Package {
	out := make([]inventory.Package, len(ps))
	for i, p := range ps {
		p.Licenses = nil
		if spdx && p.SourceName == p.Name && (p.SourceVersion == "" || p.SourceVersion == p.Version) {
			// SPDX says nothing of a source package named like its binary.
			p.SourceName, p.SourceVersion = "", ""
		}
		out[i] = p
	}
	slices.SortStableFunc(out, func(a, b inventory.Package) int { return inventory.ComparePackages(&a, &b) })
	return out
}

func TestDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	for name, inv := range fixtures() {
		for _, f := range formats {
			t.Run(name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				doc := encode(t, f, inv, testOptions())
				got, format, err := sbom.DecodeFormat(bytes.NewReader(doc), "doc")
				if err != nil {
					t.Fatal(err)
				}
				if want := map[string]string{"cyclonedx": sbom.FormatCycloneDXJSON, "spdx": sbom.FormatSPDXJSON}[f.name]; format != want {
					t.Errorf("format %q, want %q", format, want)
				}
				spdx := f.name == "spdx"
				if diff := cmp.Diff(carried(inv.Packages, spdx), carried(got.Packages, spdx), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("packages (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(inv.Distro, got.Distro, cmpopts.IgnoreFields(inventory.Distro{}, "Name", "IDLike")); diff != "" && !(spdx && inv.Distro != nil) {
					t.Errorf("distro (-want +got):\n%s", diff)
				}
				if spdx && inv.Distro != nil {
					want := &inventory.Distro{ID: inv.Distro.ID, VersionID: inv.Distro.VersionID, PrettyName: inv.Distro.PrettyName, Path: inv.Distro.Path}
					if diff := cmp.Diff(want, got.Distro); diff != "" {
						t.Errorf("distro (-want +got):\n%s", diff)
					}
				}
				wantSrc := inv.Source
				wantSrc.Layers = slices.Clone(wantSrc.Layers) // inv is shared by the parallel subtests
				for i := range wantSrc.Layers {
					wantSrc.Layers[i] = inventory.LayerInfo{DiffID: wantSrc.Layers[i].DiffID}
				}
				if wantSrc.Kind == "dir" {
					wantSrc.Digest = "" // no digest for a directory
				}
				if diff := cmp.Diff(wantSrc, got.Source, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("source (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestDecodeLicenses(t *testing.T) {
	t.Parallel()
	inv := fixtures()["rootfs"]
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			got, err := sbom.Decode(bytes.NewReader(encode(t, f, inv, testOptions())), "doc")
			if err != nil {
				t.Fatal(err)
			}
			lic := map[string][]string{}
			for _, p := range got.Packages {
				lic[p.Name] = p.Licenses
			}
			want := map[string][]string{
				"alpine-baselayout":      {"GPL-2.0-only"},
				"ca-certificates-bundle": {"MPL-2.0 AND MIT"},
				"libcrypto3":             {"Apache-2.0"},
			}
			if diff := cmp.Diff(want, lic); diff != "" {
				t.Errorf("licences (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeFixtures reads hand-written documents in the style of other
// producers (testdata/decode/*), each beside its expected inventory
// (*.want.json is not used: the expectations are here, to keep them
// readable).
func TestDecodeFixtures(t *testing.T) {
	t.Parallel()
	deb11 := &inventory.Distro{ID: "debian", VersionID: "11.7"}
	tests := []struct {
		file   string
		format string
		source inventory.Source
		distro *inventory.Distro
		pkgs   []inventory.Package
	}{
		{
			file:   "trivy-debian.cdx.json",
			format: sbom.FormatCycloneDXJSON,
			source: inventory.Source{Kind: "sbom", Name: "debian:11", Digest: "sha256:63d62ae233b588d6b426b7b072d79d1306bfd02a72bff1fc045b8511cc89ee09"},
			distro: deb11,
			pkgs: []inventory.Package{
				{Name: "libssl1.1", Version: "1.1.1n-0+deb11u3", Arch: "amd64", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u3", Type: "deb",
					PURL: "pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&distro=debian-11.7", Layer: "sha256:8553b91047dad45bedc292812586f1621e0a464a09a7a7c2ce6ac5f8ba2535d7", Licenses: []string{"OpenSSL"}},
				{Name: "zlib1g", Version: "1:1.2.11.dfsg-2+deb11u2", Arch: "amd64", SourceName: "zlib", SourceVersion: "1:1.2.11.dfsg-2+deb11u2", Type: "deb",
					PURL: "pkg:deb/debian/zlib1g@1.2.11.dfsg-2%2Bdeb11u2?arch=amd64&distro=debian-11.7&epoch=1", Layer: "sha256:8553b91047dad45bedc292812586f1621e0a464a09a7a7c2ce6ac5f8ba2535d7", Licenses: []string{"Zlib"}},
				{Name: "golang.org/x/net", Version: "v0.7.0", Type: "golang", PURL: "pkg:golang/golang.org/x/net@v0.7.0", Path: "usr/local/bin/app", Layer: "sha256:a1f1879a1a1e2fd9a0b7e9d1d0f1b7d4b6c26a3d7f2ac0e7c1d5e5a3fbb2cc10"},
			},
		},
		{
			file:   "syft-alpine.cdx.json",
			format: sbom.FormatCycloneDXJSON,
			source: inventory.Source{Kind: "sbom", Name: "alpine:3.20.3"},
			distro: &inventory.Distro{ID: "alpine", VersionID: "3.20.3", PrettyName: "Alpine Linux v3.20"},
			pkgs: []inventory.Package{
				{Name: "busybox", Version: "1.36.1-r29", Arch: "x86_64", SourceName: "busybox", Type: "apk",
					PURL: "pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3", Path: "lib/apk/db/installed", Layer: "sha256:63ca1fbb43ae5034640e5e6cb3e083e05c290072c5366fcaa9d62435a4cced85", Licenses: []string{"GPL-2.0-only"}},
				{Name: "libcrypto3", Version: "3.3.2-r0", Arch: "x86_64", SourceName: "openssl", Type: "apk",
					PURL: "pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&upstream=openssl&distro=alpine-3.20.3", Path: "lib/apk/db/installed", Layer: "sha256:63ca1fbb43ae5034640e5e6cb3e083e05c290072c5366fcaa9d62435a4cced85", Licenses: []string{"Apache-2.0"}},
				{Name: "com.fasterxml.jackson.core:jackson-databind", Version: "2.13.0", Type: "maven",
					PURL: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.0", Path: "app/app.jar", Layer: "sha256:9b8c1a6d3f3c42ab0f4c5d1f8c5b7d0e2a1f3c4b5d6e7f8091a2b3c4d5e6f708"},
			},
		},
		{
			file:   "syft-azurelinux.spdx.json",
			format: sbom.FormatSPDXJSON,
			source: inventory.Source{Kind: "sbom", Name: "mcr.microsoft.com/azurelinux/base/core:3.0", Digest: "sha256:0b9a8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b"},
			distro: &inventory.Distro{ID: "azurelinux", VersionID: "3.0"},
			pkgs: []inventory.Package{
				{Name: "openssl-libs", Version: "3.3.2-1.azl3", Arch: "x86_64", SourceName: "openssl", SourceVersion: "3.3.2-1.azl3", Type: "rpm",
					PURL: "pkg:rpm/azurelinux/openssl-libs@3.3.2-1.azl3?arch=x86_64&upstream=openssl-3.3.2-1.azl3.src.rpm&distro=azurelinux-3.0", Licenses: []string{"Apache-2.0"}},
				{Name: "bzip2-libs", Version: "1:1.0.8-1.azl3", Arch: "x86_64", SourceName: "bzip2", SourceVersion: "1:1.0.8-1.azl3", Type: "rpm",
					PURL: "pkg:rpm/azurelinux/bzip2-libs@1.0.8-1.azl3?arch=x86_64&epoch=1&upstream=bzip2-1.0.8-1.azl3.src.rpm&distro=azurelinux-3.0", Licenses: []string{"BSD"}},
			},
		},
		{
			file:   "trivy-ubuntu.spdx",
			format: sbom.FormatSPDXTagValue,
			source: inventory.Source{Kind: "sbom", Name: "ubuntu:24.04", Digest: "sha256:2e863c44b718727c860746568e1d54afd13b2fa71b160f5cd9058fc436217b30"},
			distro: &inventory.Distro{ID: "ubuntu", VersionID: "24.04"},
			pkgs: []inventory.Package{
				{Name: "libssl3t64", Version: "3.0.13-0ubuntu3.1", Arch: "amd64", SourceName: "openssl", SourceVersion: "3.0.13-0ubuntu3.1", Type: "deb", Layer: "sha256:a46a5fb872b554648d9d0262f302b2c1ded46eeb1ef4dc727ecc5274605937af",
					PURL: "pkg:deb/ubuntu/libssl3t64@3.0.13-0ubuntu3.1?arch=amd64&distro=ubuntu-24.04", Licenses: []string{"Apache-2.0"}},
				{Name: "coreutils", Version: "9.4-3ubuntu6", Arch: "amd64", SourceName: "coreutils", SourceVersion: "9.4-3ubuntu6", Type: "deb", Layer: "sha256:a46a5fb872b554648d9d0262f302b2c1ded46eeb1ef4dc727ecc5274605937af",
					PURL: "pkg:deb/ubuntu/coreutils@9.4-3ubuntu6?arch=amd64&distro=ubuntu-24.04", Licenses: []string{"GPL-3.0-or-later"}},
			},
		},
		{
			file:   "cyclonedx-1.4.cdx.xml",
			format: sbom.FormatCycloneDXXML,
			source: inventory.Source{Kind: "sbom", Name: "cyclonedx-1.4.cdx.xml"},
			distro: &inventory.Distro{ID: "debian", VersionID: "12"},
			pkgs: []inventory.Package{
				{Name: "libc6", Version: "2.36-9+deb12u4", Arch: "amd64", SourceName: "glibc", Type: "deb",
					PURL: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc&distro=debian-12", Licenses: []string{"LGPL-2.1-or-later"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("testdata", "decode", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, format, err := sbom.DecodeFormat(f, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if format != tt.format {
				t.Errorf("format %q, want %q", format, tt.format)
			}
			if diff := cmp.Diff(tt.source, got.Source, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("source (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.distro, got.Distro); diff != "" {
				t.Errorf("distro (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.pkgs, got.Packages, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	big := `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[` + strings.Repeat(`{"type":"library","name":"x"},`, sbom.MaxDecodePackages) + `{"type":"library","name":"x"}]}`
	tests := []struct {
		name, doc, want string
	}{
		{"empty", "  \n", "empty"},
		{"not an SBOM", `{"hello": "world"}`, "neither CycloneDX"},
		{"truncated CycloneDX", `{"bomFormat":"CycloneDX","components":[{"name":`, "JSON"},
		{"wrong type", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":{"name":"x"}}`, "CycloneDX JSON"},
		{"SPDX unsupported version", `{"spdxVersion":"SPDX-9.9","packages":[]}`, "SPDX JSON"},
		{"SPDX RDF", `<?xml version="1.0"?><rdf:RDF xmlns:spdx="http://spdx.org/rdf/terms#"></rdf:RDF>`, "RDF"},
		{"other XML", `<?xml version="1.0"?><project/>`, "not CycloneDX"},
		{"text", "hello\nworld\n", "neither"},
		{"tag-value broken", "SPDXVersion: SPDX-2.3\nPackageName: x\nPackageComment: <text>unterminated\n", "tag-value"},
		{"too many components", big, "more than 200000 components"},
		{"nested too deep", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[` + strings.Repeat(`{"type":"library","name":"x","components":[`, 40) + strings.Repeat(`]}`, 40) + `]}`, "nested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := sbom.Decode(strings.NewReader(tt.doc), "bad.json")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "bad.json") {
				t.Fatalf("error %v, want one naming bad.json and containing %q", err, tt.want)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		t.Parallel()
		r := io.MultiReader(strings.NewReader(`{"bomFormat":"CycloneDX","x":"`), endless{})
		_, err := sbom.Decode(r, "huge.json")
		if err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Fatalf("error %v, want larger than", err)
		}
	})
}

// endless never ends: the cap must stop reading it.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func BenchmarkDecode(b *testing.B) {
	inv := manyPackages(10_000)
	for _, f := range formats {
		doc := encode(b, f, inv, testOptions())
		b.Run(f.name+"/10000", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sbom.Decode(bytes.NewReader(doc), "bench"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
