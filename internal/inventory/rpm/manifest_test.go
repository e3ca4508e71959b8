package rpm

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func manifestFS(t testing.TB, files ...string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, f := range files {
		b, err := os.ReadFile("testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		fsys[manifestDir+"/"+f] = &fstest.MapFile{Data: b}
	}
	return fsys
}

// The fixtures follow the Azure Linux toolkit's query formats (see
// manifest.go): the EPOCH column is "(none)" and EPOCHNUM carries the epoch;
// tzdata's line writes %{EPOCH} = 0 as other builders do.
func TestManifest(t *testing.T) {
	t.Parallel()
	m2 := func(name, ver, arch, srcName, srcVer string) inventory.Package {
		return inventory.Package{Name: name, Version: ver, Arch: arch, SourceName: srcName, SourceVersion: srcVer,
			Type: "rpm", Path: manifest2}
	}
	m1 := func(name, ver, arch string) inventory.Package {
		return inventory.Package{Name: name, Version: ver, Arch: arch, Type: "rpm", Path: manifest1}
	}
	for _, tc := range []struct {
		name  string
		files []string
		want  []inventory.Package
	}{
		{"manifest-2", []string{"container-manifest-2"}, []inventory.Package{
			m2("bash", "5.2.15-3.azl3", "x86_64", "bash", "5.2.15-3.azl3"),
			m2("ca-certificates-base", "3.0.0-8.azl3", "noarch", "ca-certificates", "3.0.0-8.azl3"),
			m2("filesystem", "1.1-20.azl3", "x86_64", "filesystem", "1.1-20.azl3"),
			m2("openssl-libs", "1:3.3.3-2.azl3", "x86_64", "openssl", "1:3.3.3-2.azl3"),
			m2("tzdata", "0:2025a-1.azl3", "noarch", "tzdata", "0:2025a-1.azl3"),
		}},
		{"manifest-2 preferred", []string{"container-manifest-1", "container-manifest-2"}, nil},
		{"manifest-1 alone", []string{"container-manifest-1"}, []inventory.Package{
			m1("bash", "5.2.15-3.azl3", "x86_64"),
			m1("ca-certificates-base", "3.0.0-8.azl3", "noarch"),
			m1("filesystem", "1.1-20.azl3", "x86_64"),
			m1("openssl-libs", "3.3.3-2.azl3", "x86_64"),
			m1("tzdata", "2025a-1.azl3", "noarch"),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := catalog(t, manifestFS(t, tc.files...))
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil { // same as manifest-2 alone
				for _, p := range got {
					if p.Path != manifest2 {
						t.Errorf("%s read from %s", p.Name, p.Path)
					}
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A database beside the manifest wins: the manifest is a build-time snapshot.
func TestManifestIgnoredBesideDatabase(t *testing.T) {
	t.Parallel()
	fsys := manifestFS(t, "container-manifest-2")
	fsys["var/lib/rpm/Packages.db"] = &fstest.MapFile{Data: readTestdata(t, "sle15-bci/Packages.db")}
	got, err := catalog(t, fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range got {
		if p.Path != "var/lib/rpm/Packages.db" {
			t.Fatalf("%s read from %s", p.Name, p.Path)
		}
	}
}

func TestManifestHostile(t *testing.T) {
	t.Parallel()
	good := "bash\t5.2.15-3.azl3\t1\t1\tMicrosoft Corporation\t(none)\t1\tx86_64\t0\tbash-5.2.15-3.azl3.src.rpm\n"
	for _, tc := range []struct {
		name, data, wantErr string
		wantPkgs            int
	}{
		{"empty", "", "", 0},
		{"blank lines and CRLF", "\n\r\n" + strings.ReplaceAll(good, "\n", "\r\n") + "\n", "", 1},
		{"nine fields", "bash\t5.2-1\t1\t1\tv\t(none)\t1\tx86_64\t0\n", "9 tab-separated fields", 0},
		{"eleven fields", strings.TrimSuffix(good, "\n") + "\textra\n", "11 tab-separated fields", 0},
		{"no release", strings.Replace(good, "5.2.15-3.azl3\t", "5.2.15\t", 1), "version-release", 0},
		{"two hyphens", strings.Replace(good, "5.2.15-3.azl3\t", "5.2-15-3\t", 1), "version-release", 0},
		{"space in name", strings.Replace(good, "bash", "ba sh", 1), "bad name", 0},
		{"control byte", strings.Replace(good, "x86_64", "x86\x0064", 1), "bad arch", 0},
		{"invalid utf-8", strings.Replace(good, "bash\t", "ba\xffsh\t", 1), "bad name", 0},
		{"negative epoch", strings.Replace(good, "\t0\tbash-", "\t-1\tbash-", 1), "bad epoch", 0},
		{"garbage epoch", strings.Replace(good, "(none)", "x", 1), "bad epoch", 0},
		{"good then bad", good + "junk\n", "line 2", 1},
		{"line too long", good + strings.Repeat("a", maxLine+10) + "\n", "line too long", 1},
		{"gpg-pubkey skipped", good + "gpg-pubkey\t3135ce90-5e6fda74\t1\t1\t(none)\t(none)\t0\t(none)\t0\t(none)\n", "", 1},
		{"binary", "\x00\x01\x02\xff\n", "fields", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pkgs, err := catalog(t, fstest.MapFS{manifest2: {Data: []byte(tc.data)}})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), manifest2)):
				t.Fatalf("got %v, want an error naming %s and containing %q", err, manifest2, tc.wantErr)
			}
			if len(pkgs) != tc.wantPkgs {
				t.Errorf("got %d packages, want %d: %v", len(pkgs), tc.wantPkgs, pkgs)
			}
		})
	}
	cfg := DefaultConfig(t.TempDir())
	cfg.MaxManifestSize = 100
	c, _ := NewWithConfig(cfg, nil)
	if _, err := c.Catalog(context.Background(), fstest.MapFS{manifest2: {Data: []byte(good + good)}}); err == nil ||
		!strings.Contains(err.Error(), "limit") {
		t.Errorf("size cap: got %v", err)
	}
}

func TestParseSourceRPM(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, name, version string }{
		{"bash-5.2.15-3.azl3.src.rpm", "bash", "5.2.15-3.azl3"},
		{"ca-certificates-3.0.0-8.azl3.src.rpm", "ca-certificates", "3.0.0-8.azl3"},
		{"kernel-rt-5.14.0-1.el9.nosrc.rpm", "kernel-rt", "5.14.0-1.el9"},
		{"(none)", "", ""},
		{"", "", ""},
		{"bash.src.rpm", "", ""},
		{"bash-5.src.rpm", "", ""},
		{"-5-3.src.rpm", "", ""},
		{"bash--3.src.rpm", "", ""},
		{"bash-5-.src.rpm", "", ""},
	} {
		n, v, ok := parseSourceRPM(tc.in)
		if n != tc.name || v != tc.version || ok != (tc.name != "") {
			t.Errorf("parseSourceRPM(%q) = %q, %q, %v; want %q, %q", tc.in, n, v, ok, tc.name, tc.version)
		}
	}
}
