package source

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePlatform(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    platform
		wantErr bool
	}{
		{"", platform{os: "linux", arch: "amd64"}, false},
		{"linux/arm64/v8", platform{os: "linux", arch: "arm64", explicit: true}, false},
		{"linux/arm/v7", platform{os: "linux", arch: "arm", variant: "v7", explicit: true}, false},
		{"linux", platform{}, true},
		{"a/b/c/d", platform{}, true},
		{"windows/amd64:10.0", platform{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := parsePlatform(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(platform{})); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestPlatformMatches(t *testing.T) {
	t.Parallel()
	arm64, _ := parsePlatform("linux/arm64")
	armv7, _ := parsePlatform("linux/arm/v7")
	tests := []struct {
		p                 platform
		os, arch, variant string
		want              bool
	}{
		{arm64, "linux", "arm64", "v8", true},
		{arm64, "linux", "arm64", "", true},
		{arm64, "linux", "amd64", "", false},
		{arm64, "windows", "arm64", "", false},
		{armv7, "linux", "arm", "v6", false},
		{armv7, "linux", "arm", "v7", true},
	}
	for _, tc := range tests {
		if got := tc.p.matches(tc.os, tc.arch, tc.variant); got != tc.want {
			t.Errorf("%s matches %s/%s/%s = %v", tc.p, tc.os, tc.arch, tc.variant, got)
		}
	}
}

func TestCleanEntryName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"manifest.json", "manifest.json", true},
		{"./blobs//sha256/ab", "blobs/sha256/ab", true},
		{"a/./b/", "a/b", true},
		{"../x", "", false},
		{"a/../b", "", false},
		{"/etc/passwd", "", false},
		{"a\\..\\b", "", false},
		{"", "", false},
		{".", "", false},
	}
	for _, tc := range tests {
		got, ok := cleanEntryName(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("cleanEntryName(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSniffCompression(t *testing.T) {
	t.Parallel()
	tests := []struct {
		head []byte
		want string
	}{
		{[]byte{0x1f, 0x8b, 8}, "application/vnd.docker.image.rootfs.diff.tar.gzip"},
		{[]byte{0x28, 0xb5, 0x2f, 0xfd}, "application/vnd.oci.image.layer.v1.tar+zstd"},
		{[]byte("BZh9"), ""},
		{[]byte("etc/"), "application/vnd.docker.image.rootfs.diff.tar"},
		{nil, "application/vnd.docker.image.rootfs.diff.tar"},
	}
	for _, tc := range tests {
		if got := string(sniffCompression(tc.head)); got != tc.want {
			t.Errorf("sniffCompression(%q) = %q, want %q", tc.head, got, tc.want)
		}
	}
}
