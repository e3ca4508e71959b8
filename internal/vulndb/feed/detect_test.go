package feed

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
)

func TestDetect(t *testing.T) {
	t.Parallel()
	vd := testenv.Shared(t, "vulndata")
	tmp := t.TempDir()
	write := func(rel, data string) string {
		p := filepath.Join(tmp, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gz := func(rel, data string) string {
		p := filepath.Join(tmp, rel)
		f, _ := os.Create(p)
		zw := gzip.NewWriter(f)
		zw.Write([]byte(data))
		zw.Close()
		f.Close()
		return p
	}
	dsaList := filepath.Join(vd, "debian-security-tracker", "data", "DSA", "list")
	dlaList := filepath.Join(vd, "debian-security-tracker", "data", "DLA", "list")
	tests := []struct {
		path string
		want []Source
		err  string
	}{
		{path: filepath.Join(vd, "debian-security-tracker"), want: []Source{
			{Name: "debian-dsa", Format: FormatDebianDSA, URLs: []string{dsaList}},
			{Name: "debian-dla", Format: FormatDebianDLA, URLs: []string{dlaList}}}},
		{path: dsaList, want: []Source{{Name: "debian-dsa", Format: FormatDebianDSA, URLs: []string{dsaList}}}},
		{path: write("cve/list", "CVE-2023-1234 (Foo in bar ...)\n\t- bar 1.2-1\n"), want: []Source{{Name: "debian-cve", Format: FormatDebianCVE}}},
		{path: write("weird/list", "hello\n"), err: "starts like neither"},
		{path: write("tracker.json", `{"openssl": {"CVE-2023-0286": {"releases": {}}}}`), want: []Source{{Name: "debian-json", Format: FormatDebianJSON}}},
		{path: filepath.Join(vd, "alpine-secdb", "json"), want: []Source{{Name: "alpine-secdb", Format: FormatAlpine}}},
		{path: filepath.Join(vd, "alpine-secdb", "json", "v3.20", "main.json"), want: []Source{{Name: "alpine-secdb", Format: FormatAlpine}}},
		{path: filepath.Join(vd, "golang-vulndb", "golang-vulndb-osv.tar.gz"), want: []Source{{Name: "osv-golang-vulndb-osv", Format: FormatOSV}}},
		{path: write("Go/all.zip", "PK"), want: []Source{{Name: "osv-go", Format: FormatOSV}}},
		{path: filepath.Join(vd, "github-advisory-database", "advisories"), want: []Source{{Name: "osv-advisories", Format: FormatOSV}}},
		{path: write("rec/GO-1.json", `{"id": "GO-1"}`), want: []Source{{Name: "osv-go-1", Format: FormatOSV}}},
		{path: filepath.Join(vd, "azurelinux-oval", "azurelinux-3.0-oval.xml.gz"), want: []Source{{Name: "oval-azurelinux-3.0-oval", Format: FormatOVAL}}},
		{path: gz("x.xml.gz", `<?xml version="1.0"?><html/>`), err: "without an OVAL"},
		{path: write("com.ubuntu.jammy.usn.oval.xml", `<?xml version="1.0"?><oval_definitions xmlns="x">`), want: []Source{{Name: "oval-com.ubuntu.jammy.usn.oval", Format: FormatOVAL}}},
		{path: filepath.Join(vd, "cisa-kev", "known_exploited_vulnerabilities.json"), want: []Source{{Name: "cisa-kev", Format: FormatKEV}}},
		{path: write("other.json", `{"foo": 1}`), err: "no known source format"},
		{path: write("bin.dat", "\x00\x01"), err: "format not recognised"},
		{path: filepath.Join(tmp, "missing"), err: "no such file"},
		{path: filepath.Join(tmp, "weird"), err: "no Debian tracker lists and no .json or .yaml files"},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.path, filepath.Dir(filepath.Dir(tt.path))), func(t *testing.T) {
			got, err := Detect(tt.path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				if tt.want[i].URLs == nil {
					tt.want[i].URLs = []string{tt.path}
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
