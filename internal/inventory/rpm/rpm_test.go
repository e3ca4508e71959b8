package rpm

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// rpmQF is the query format both sides of an acceptance comparison print:
// name, [epoch:]version-release, arch, source rpm, licence.
const rpmQF = `%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\n`

// rpmQA runs the real rpm on a root and returns its lines, gpg-pubkey
// pseudo-packages dropped (the cataloger skips them), sorted.
func rpmQA(t *testing.T, root, dbpath string, args ...string) []string {
	t.Helper()
	bin := testenv.Tool(t, "rpm")
	cmd := exec.Command(bin, append([]string{"--root", root, "--dbpath", dbpath, "-qa", "--qf", rpmQF}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%v: %v\n%s", cmd, err, stderr)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" && !strings.HasPrefix(l, gpgPubkey+"\t") {
			lines = append(lines, l)
		}
	}
	slices.Sort(lines)
	return lines
}

// asRPMLines prints packages the way rpmQF does.
func asRPMLines(pkgs []inventory.Package) []string {
	var lines []string
	for _, p := range pkgs {
		srpm := "(none)"
		if p.SourceName != "" {
			v := p.SourceVersion
			if _, rest, ok := strings.Cut(v, ":"); ok {
				v = rest
			}
			srpm = p.SourceName + "-" + v + ".src.rpm"
		}
		arch, lic := p.Arch, "(none)"
		if arch == "" {
			arch = "(none)"
		}
		if len(p.Licenses) > 0 {
			lic = strings.Join(p.Licenses, " ")
		}
		lines = append(lines, strings.Join([]string{p.Name, p.Version, arch, srpm, lic}, "\t"))
	}
	slices.Sort(lines)
	return lines
}

func catalog(t testing.TB, fsys fs.FS) ([]inventory.Package, error) {
	t.Helper()
	tmp := t.TempDir()
	pkgs, err := New(tmp, nil).Catalog(context.Background(), fsys)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temp dir not cleaned: %v", left)
	}
	return pkgs, err
}

// TestRealRoots is the acceptance test: on rpm test roots made by
// scripts/testdata-rpm.sh, the cataloger lists what `rpm -qa` lists.
func TestRealRoots(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		backend, dbpath, file string
		args                  []string
	}{
		{"sqlite", "/var/lib/rpm", "var/lib/rpm/rpmdb.sqlite", nil},
		// var/lib/rpm is a symlink to usr/lib/sysimage/rpm: listed once.
		{"sysimage", "/usr/lib/sysimage/rpm", "usr/lib/sysimage/rpm/rpmdb.sqlite", nil},
		// Debian's rpm reads Berkeley DB through its read-only backend.
		{"bdb", "/var/lib/rpm", "var/lib/rpm/Packages", []string{"--define", "_db_backend bdb_ro"}},
	} {
		t.Run(tc.backend, func(t *testing.T) {
			t.Parallel()
			root := testenv.TestData(t, "rpm", tc.backend, "root")
			pkgs, err := catalog(t, os.DirFS(root))
			if err != nil {
				t.Fatal(err)
			}
			want := rpmQA(t, root, tc.dbpath, tc.args...)
			if diff := cmp.Diff(want, asRPMLines(pkgs)); diff != "" {
				t.Errorf("cataloger vs rpm -qa (-rpm +vigil):\n%s", diff)
			}
			if len(pkgs) != 4 {
				t.Errorf("got %d packages, want the 4 the script builds", len(pkgs))
			}
			for _, p := range pkgs {
				if p.Path != tc.file || p.Type != "rpm" || p.PURL != "" || p.Layer != "" {
					t.Errorf("%s: Path %q Type %q PURL %q Layer %q", p.Name, p.Path, p.Type, p.PURL, p.Layer)
				}
			}
			// The fields the script sets on purpose.
			byName := map[string]inventory.Package{}
			for _, p := range pkgs {
				byName[p.Name] = p
			}
			wantPkgs := []inventory.Package{
				{Name: "epochy", Version: "2:5.2.15-3.azl3", Arch: "x86_64", SourceName: "epochy", SourceVersion: "2:5.2.15-3.azl3",
					Licenses: []string{"GPL-2.0-or-later AND BSD-3-Clause"}, Type: "rpm", Path: tc.file,
					Files: []string{"usr/share/epochy/bin"}},
				{Name: "epochy-libs", Version: "2:5.2.15-3.azl3", Arch: "x86_64", SourceName: "epochy", SourceVersion: "2:5.2.15-3.azl3",
					Licenses: []string{"LGPL-2.1-or-later"}, Type: "rpm", Path: tc.file, Files: []string{"usr/lib64/epochy/lib"}},
				{Name: "hello-eval", Version: "1.2.3-4.azl3", Arch: "noarch", SourceName: "hello-eval", SourceVersion: "1.2.3-4.azl3",
					Licenses: []string{"MIT"}, Type: "rpm", Path: tc.file, Files: []string{"usr/share/hello-eval/f"}},
				{Name: "zero-epoch", Version: "0:0.9-1.cm2", Arch: "noarch", SourceName: "zero-epoch", SourceVersion: "0:0.9-1.cm2",
					Licenses: []string{"Apache-2.0"}, Type: "rpm", Path: tc.file, Files: []string{"usr/share/zero-epoch/z"}},
			}
			if diff := cmp.Diff(wantPkgs, pkgs); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

// goRpmdbTestdata is the folder of real distribution databases shipped in
// go-rpmdb's module; they are read in place, never copied into the repo.
func goRpmdbTestdata(t testing.TB) string {
	t.Helper()
	testenv.Tool(t, "go")
	dir := goRpmdbTestdataOrEmpty()
	if dir == "" {
		t.Skip("go-rpmdb module not in the module cache")
	}
	return dir
}

// goRpmdbTestdataOrEmpty asks the go command where the pinned go-rpmdb module
// is; "" when it cannot tell.
func goRpmdbTestdataOrEmpty() string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/knqyf263/go-rpmdb").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		return ""
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "pkg", "testdata")
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

// imageFS is a file system holding the database file src at p.
func imageFS(t testing.TB, src, p string) fstest.MapFS {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{p: {Data: b, Mode: 0o644}}
}

// TestDistroDatabases reads the real databases of CentOS 5-8, UBI 8 on s390x
// (big-endian Berkeley DB), Fedora 35, CBL-Mariner 2.0 and SLE 15 (ndb).
// Where Debian's rpm can read the format (sqlite, bdb_ro) the whole list must
// equal `rpm -qa`; ndb has no reader here, so counts and known packages are
// pinned (from go-rpmdb's own expectations and SUSE's image).
func TestDistroDatabases(t *testing.T) {
	t.Parallel()
	td := goRpmdbTestdata(t)
	for _, tc := range []struct {
		dir, file string
		count     int
		known     []string // "name version arch source-name source-version"
	}{
		{"centos5-plain", "Packages", 110, []string{"bash 3.2-33.el5_11.4 x86_64 bash 3.2-33.el5_11.4"}},
		{"centos6-plain", "Packages", 129, []string{"glibc 2.12-1.212.el6 x86_64 glibc 2.12-1.212.el6"}},
		{"centos7-plain", "Packages", 144, []string{"glibc 2.17-222.el7 x86_64 glibc 2.17-222.el7"}},
		{"centos8-modularitylabel", "Packages", 517, []string{
			"nodejs 1:10.21.0-3.module_el8.2.0+391+8da3adc6 x86_64 nodejs 1:10.21.0-3.module_el8.2.0+391+8da3adc6"}},
		{"ubi8-s390x", "Packages", 181, []string{"openssl-libs 1:1.1.1k-6.el8_5 s390x openssl 1:1.1.1k-6.el8_5"}},
		{"fedora35", "rpmdb.sqlite", 137, []string{"openssl-libs 1:1.1.1l-2.fc35 x86_64 openssl 1:1.1.1l-2.fc35"}},
		{"cbl-mariner-2.0", "rpmdb.sqlite", 129, []string{
			"bash 5.1.8-1.cm2 x86_64 bash 5.1.8-1.cm2", "openssl-libs 1.1.1k-7.cm2 x86_64 openssl 1.1.1k-7.cm2"}},
		// 35 is also the length of go-rpmdb's own expected list for it.
		{"sle15-bci", "Packages.db", 35, []string{"bash 4.4-19.6.1 x86_64 bash 4.4-19.6.1"}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			t.Parallel()
			src := filepath.Join(td, tc.dir, tc.file)
			p := "var/lib/rpm/" + tc.file
			pkgs, err := catalog(t, imageFS(t, src, p))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d packages", len(pkgs))
			got := map[string]bool{}
			for _, p := range pkgs {
				got[fmt.Sprintf("%s %s %s %s %s", p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion)] = true
			}
			for _, k := range tc.known {
				if !got[k] {
					t.Errorf("missing %q", k)
				}
			}
			if tc.count != 0 && len(pkgs) != tc.count {
				t.Errorf("got %d packages, want %d", len(pkgs), tc.count)
			}
			if tc.file == "Packages.db" {
				return
			}
			root := t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, "var/lib/rpm"), 0o755); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(src)
			if err := os.WriteFile(filepath.Join(root, p), b, 0o644); err != nil {
				t.Fatal(err)
			}
			var args []string
			if tc.file == "Packages" {
				args = []string{"--define", "_db_backend bdb_ro"}
			}
			want := rpmQA(t, root, "/var/lib/rpm", args...)
			if diff := cmp.Diff(want, asRPMLines(pkgs)); diff != "" {
				t.Errorf("cataloger vs rpm -qa (-rpm +vigil):\n%s", diff)
			}
		})
	}
}
