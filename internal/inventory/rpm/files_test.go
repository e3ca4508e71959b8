package rpm

import (
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/filelist"
	"github.com/vigil-sec/vigil/internal/testenv"
)

func TestFilesHostile(t *testing.T) {
	t.Parallel()
	long := "/" + strings.Repeat("d", filelist.MaxPath) + "/"
	tests := []struct {
		name string
		tags fileTags
		max  int
		want []string
		// dropped and why: the count and the first reason.
		dropped int
		why     string
		spent   bool
	}{
		{"python site-packages", fileTags{
			BaseNames:  []string{"urllib3-1.26.5.dist-info", "METADATA", "__init__.py"},
			DirIndexes: []int32{0, 1, 2},
			DirNames:   []string{"/usr/lib/python3.9/site-packages/", "/usr/lib/python3.9/site-packages/urllib3-1.26.5.dist-info/", "/usr/lib/python3.9/site-packages/urllib3/"},
		}, 100, []string{"usr/lib/python3.9/site-packages/urllib3-1.26.5.dist-info",
			"usr/lib/python3.9/site-packages/urllib3-1.26.5.dist-info/METADATA", "usr/lib/python3.9/site-packages/urllib3/__init__.py"}, 0, "", false},
		{"no files", fileTags{}, 100, nil, 0, "", false},
		{"the root folder is skipped", fileTags{BaseNames: []string{"", "etc"}, DirIndexes: []int32{0, 0}, DirNames: []string{"/"}},
			100, []string{"etc"}, 0, "", false},
		{"hostile entries dropped", fileTags{
			BaseNames:  []string{"ok", "x", "y", "../shadow", "z", "a\x00b", "w", "v", "", "u", "ok2"},
			DirIndexes: []int32{0, -1, 9, 0, 1, 0, 2, 3, 0, 4, 0},
			DirNames:   []string{"/etc/", "relative/", "/no-slash", long, "/etc//"},
		}, 100, []string{"etc/ok", "etc/ok2"}, 9, "folder index -1 out of range", false},
		{"tags of different lengths", fileTags{BaseNames: []string{"a", "b"}, DirIndexes: []int32{0}, DirNames: []string{"/"}},
			100, nil, 2, "file tags of different lengths", false},
		{"budget", fileTags{BaseNames: []string{"a", "b", "c"}, DirIndexes: []int32{0, 0, 0}, DirNames: []string{"/"}},
			2, []string{"a", "b"}, 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, r := files(tt.tags, filelist.New(tt.max, 1<<20))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if r.dropped != tt.dropped || r.why != tt.why || r.spent != tt.spent {
				t.Errorf("dropped %d (%q), spent %v; want %d (%q), %v", r.dropped, r.why, r.spent, tt.dropped, tt.why, tt.spent)
			}
		})
	}
}

func TestFilesLogAndCaps(t *testing.T) {
	t.Parallel()
	infos := []rpmPackage{
		{Name: "a", Version: "1", Files: fileTags{BaseNames: []string{"x", "y"}, DirIndexes: []int32{0, 5}, DirNames: []string{"/etc/"}}},
		{Name: "b", Version: "1", Files: fileTags{BaseNames: []string{"p", "q"}, DirIndexes: []int32{0, 0}, DirNames: []string{"/usr/"}}},
		{Name: "c", Version: "1", Files: fileTags{BaseNames: []string{"r"}, DirIndexes: []int32{0}, DirNames: []string{"/usr/"}}},
	}
	for _, tc := range []struct {
		name     string
		maxFiles int
		want     map[string][]string
		log      []string
	}{
		{"default", 2_000_000, map[string][]string{"a": {"etc/x"}, "b": {"usr/p", "usr/q"}, "c": {"usr/r"}},
			[]string{"rpm: dropped invalid file entries package=a path=var/lib/rpm/Packages count=1 first=y reason=folder index 5 out of range"}},
		{"cap", 2, map[string][]string{"a": {"etc/x"}, "b": {"usr/p"}, "c": nil},
			[]string{"rpm: dropped invalid file entries package=a",
				"rpm: file lists over the cap of one scan: Files of this package and the ones after it in the database are incomplete package=b"}},
		{"off", 0, map[string][]string{"a": nil, "b": nil, "c": nil}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig(t.TempDir())
			cfg.MaxFiles = tc.maxFiles
			rec := &testenv.LogRecorder{}
			c, err := NewWithConfig(cfg, slog.New(rec))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, p := range c.convert(infos, "var/lib/rpm/Packages", filelist.New(cfg.MaxFiles, cfg.MaxFilesBytes)) {
				got[p.Name] = p.Files
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			msgs := rec.Lines(slog.LevelDebug)
			if len(msgs) != len(tc.log) {
				t.Fatalf("log %q, want %d records", msgs, len(tc.log))
			}
			for i, w := range tc.log {
				if !strings.HasPrefix(msgs[i], w) {
					t.Errorf("log %d = %q, want %q...", i, msgs[i], w)
				}
			}
		})
	}
}

// rpmFiles runs the real rpm and returns, by "name version-release arch",
// the files it lists, as Files holds them.
func rpmFiles(t *testing.T, root, dbpath string, args ...string) map[string][]string {
	t.Helper()
	bin := testenv.Tool(t, "rpm")
	cmd := exec.Command(bin, append([]string{"--root", root, "--dbpath", dbpath, "-qa", "--qf",
		`[%{=NAME} %{=VERSION}-%{=RELEASE} %{=ARCH}\t%{FILENAMES}\n]`}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v", cmd, err)
	}
	m := map[string][]string{}
	for l := range strings.Lines(string(out)) {
		key, f, _ := strings.Cut(strings.TrimSuffix(l, "\n"), "\t")
		if p := strings.TrimPrefix(f, "/"); p != "" {
			m[key] = append(m[key], p)
		}
	}
	return m
}

func filesByKey(pkgs []inventory.Package) map[string][]string {
	m := map[string][]string{}
	for _, p := range pkgs {
		v := p.Version
		if _, rest, ok := strings.Cut(v, ":"); ok {
			v = rest
		}
		arch := p.Arch
		if arch == "" {
			arch = "(none)"
		}
		k := p.Name + " " + v + " " + arch
		m[k] = append(m[k], p.Files...)
	}
	for k, v := range m {
		if len(v) == 0 {
			delete(m, k)
		} else {
			slices.Sort(v)
		}
	}
	return m
}

// TestRealFiles compares Files with `rpm -qa` FILENAMES on the real
// databases Debian's rpm can read, and checks known owners in the others.
func TestRealFiles(t *testing.T) {
	t.Parallel()
	type tc struct {
		name     string
		root     func(t *testing.T) string // a root holding the database at file
		file     string
		args     []string
		owners   map[string]string
		noReader bool
	}
	fromTestdata := func(elem ...string) func(t *testing.T) string {
		return func(t *testing.T) string { return testenv.TestData(t, elem...) }
	}
	// fromGoRpmdb makes a root holding one of go-rpmdb's databases.
	fromGoRpmdb := func(src, file string) func(t *testing.T) string {
		return func(t *testing.T) string {
			b, err := os.ReadFile(filepath.Join(goRpmdbTestdata(t), src))
			if err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, filepath.Dir(file)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, file), b, 0o644); err != nil {
				t.Fatal(err)
			}
			return root
		}
	}
	bdb := []string{"--define", "_db_backend bdb_ro"}
	for _, c := range []tc{
		{name: "azurelinux", root: fromTestdata("azurelinux", "root"), file: "var/lib/rpm/rpmdb.sqlite",
			owners: map[string]string{"usr/share/vigil-azl/curl/marker": "curl", "usr/share/vigil-azl/openssl/marker": "openssl"}},
		{name: "rpm-sqlite", root: fromTestdata("rpm", "sqlite", "root"), file: "var/lib/rpm/rpmdb.sqlite",
			owners: map[string]string{"usr/lib64/epochy/lib": "epochy-libs"}},
		{name: "rpm-bdb", root: fromTestdata("rpm", "bdb", "root"), file: "var/lib/rpm/Packages", args: bdb,
			owners: map[string]string{"usr/share/hello-eval/f": "hello-eval"}},
		{name: "centos7", root: fromGoRpmdb("centos7-plain/Packages", "var/lib/rpm/Packages"), file: "var/lib/rpm/Packages", args: bdb,
			owners: map[string]string{"usr/bin/bash": "bash", "lib64/libc-2.17.so": "glibc"}},
		{name: "centos5", root: fromGoRpmdb("centos5-plain/Packages", "var/lib/rpm/Packages"), file: "var/lib/rpm/Packages", args: bdb,
			owners: map[string]string{"bin/bash": "bash"}},
		{name: "ubi8-s390x", root: fromGoRpmdb("ubi8-s390x/Packages", "var/lib/rpm/Packages"), file: "var/lib/rpm/Packages", args: bdb,
			owners: map[string]string{"usr/lib64/libssl.so.1.1": "openssl-libs"}},
		{name: "fedora35", root: fromGoRpmdb("fedora35/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite"), file: "var/lib/rpm/rpmdb.sqlite",
			owners: map[string]string{"usr/bin/bash": "bash"}},
		{name: "cbl-mariner-2.0", root: fromGoRpmdb("cbl-mariner-2.0/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite"), file: "var/lib/rpm/rpmdb.sqlite",
			owners: map[string]string{"bin/bash": "bash"}},
		// ndb: no reader here; known owners only.
		{name: "sle15-bci", root: fromGoRpmdb("sle15-bci/Packages.db", "var/lib/rpm/Packages.db"), file: "var/lib/rpm/Packages.db",
			noReader: true, owners: map[string]string{"usr/bin/bash": "bash"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := c.root(t)
			pkgs, err := catalog(t, os.DirFS(root))
			if err != nil {
				t.Fatal(err)
			}
			owner := map[string][]string{}
			n := 0
			for _, p := range pkgs {
				for _, f := range p.Files {
					owner[f] = append(owner[f], p.Name)
				}
				n += len(p.Files)
			}
			t.Logf("%d packages, %d paths", len(pkgs), n)
			for path, pkg := range c.owners {
				if !slices.Contains(owner[path], pkg) {
					t.Errorf("%s owned by %q, want %s", path, owner[path], pkg)
				}
			}
			if c.noReader {
				return
			}
			want := rpmFiles(t, root, "/"+filepath.Dir(c.file), c.args...)
			for _, v := range want {
				slices.Sort(v)
			}
			if diff := cmp.Diff(want, filesByKey(pkgs)); diff != "" {
				t.Errorf("Files vs rpm -qa FILENAMES (-rpm +vigil):\n%s", diff)
			}
		})
	}
}
