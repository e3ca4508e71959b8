package e2e_test

import (
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/vigil-sec/vigil/internal/image/source"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// TestVulnAlpine scans each official Alpine minirootfs in ../shared/rootfs,
// as a single-layer image, against the shared secdb and expects exactly what
// ../shared/rootfs/README.md works out from secdb by hand: CVE-2024-9143 in
// openssl's libcrypto3 and libssl3, fixed in the next -rN, and none of the
// CVEs secdb lists as never affecting these releases (secfixes key "0").
func TestVulnAlpine(t *testing.T) {
	t.Parallel()
	// The README's "Must NOT be reported" list.
	mustNot := []string{
		"CVE-2021-42373", "CVE-2021-42376", "CVE-2021-42377", // busybox
		"CVE-2022-1292", "CVE-2022-2068", "CVE-2022-2274", "CVE-2023-0466", "CVE-2023-4807", // openssl
		"CVE-2023-45853", "CVE-2023-6992", // zlib
	}
	cases := []struct {
		file, platform string
		installed      string // openssl's version in the tarball
		fixed          string // the README's fixed version of CVE-2024-9143
		ecosystem      string
	}{
		{"alpine-minirootfs-3.20.3-x86_64.tar.gz", "", "3.3.2-r0", "3.3.2-r1", "Alpine:v3.20"},
		{"alpine-minirootfs-3.20.3-aarch64.tar.gz", "linux/arm64", "3.3.2-r0", "3.3.2-r1", "Alpine:v3.20"},
		{"alpine-minirootfs-3.18.9-x86_64.tar.gz", "", "3.1.7-r0", "3.1.7-r1", "Alpine:v3.18"},
	}
	catalogue := kevCatalogue(t)
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			a, err := buildAlpine(testenv.Shared(t, "rootfs", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			img := a.img
			if tc.platform != "" {
				// The aarch64 tree in an image that says so.
				cf, err := img.ConfigFile()
				if err != nil {
					t.Fatal(err)
				}
				cf = cf.DeepCopy()
				cf.Architecture, cf.Variant = "arm64", "v8"
				if img, err = mutate.ConfigFile(img, cf); err != nil {
					t.Fatal(err)
				}
			}
			sc := scanImage(t, img, source.Options{Platform: tc.platform}, "")
			var got []found
			for _, f := range sc.findings {
				got = append(got, foundOf(f))
			}
			want := []found{
				{"libcrypto3", tc.installed, "CVE-2024-9143", match.StatusFixed, tc.fixed},
				{"libssl3", tc.installed, "CVE-2024-9143", match.StatusFixed, tc.fixed},
			}
			if diff := gocmp.Diff(want, sortedFound(got)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			for _, f := range sc.findings {
				for _, id := range append([]string{f.ID}, f.Aliases...) {
					for _, bad := range mustNot {
						if id == bad {
							t.Errorf("%s reported in %s %s: secdb lists it as not affecting this release", bad, f.Package.Name, f.Package.Version)
						}
					}
				}
				if f.Package.SourceName != "openssl" || f.Ecosystem != tc.ecosystem {
					t.Errorf("%s in %s: matched via origin %q in %q, want openssl in %s", f.ID, f.Package.Name,
						f.Package.SourceName, f.Ecosystem, tc.ecosystem)
				}
				if f.Package.Layer != a.layer.(*fileLayer).diffID.String() {
					t.Errorf("%s in %s: layer %q, want the image's only layer %s", f.ID, f.Package.Name, f.Package.Layer, a.layer.(*fileLayer).diffID)
				}
				if len(f.Advisories) == 0 || len(f.Sources) == 0 || f.Why == "" {
					t.Errorf("%s in %s: no advisories, sources or explanation: %+v", f.ID, f.Package.Name, f)
				}
			}
			checkKEV(t, sc.findings, catalogue)
		})
	}
}
