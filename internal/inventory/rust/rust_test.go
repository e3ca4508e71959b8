package rust

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/image/imagetest"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

func cargo(name, version, path string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Type: inventory.TypeCargo, Path: path}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestContract(t *testing.T) {
	t.Parallel()
	c := New(nil)
	if c.Name() != "rust" {
		t.Errorf("Name %q", c.Name())
	}
	if diff := cmp.Diff([]string{"**/Cargo.lock"}, c.Globs()); diff != "" {
		t.Errorf("Globs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]byte{[]byte(".dep-v0")}, c.Markers()); diff != "" {
		t.Errorf("Markers (-want +got):\n%s", diff)
	}
	bad := DefaultConfig()
	bad.MaxAuditData = 0
	if _, err := NewWithConfig(bad, nil); err == nil {
		t.Error("NewWithConfig accepted MaxAuditData 0")
	}
}

func TestLock(t *testing.T) {
	t.Parallel()
	const p = "src/app/Cargo.lock"
	tests := []struct {
		fixture string
		want    []inventory.Package
	}{
		{"v1.Cargo.lock", []inventory.Package{cargo("app", "0.1.0", p), cargo("libc", "0.2.40", p), cargo("serde", "1.0.27", p)}},
		{"v2.Cargo.lock", []inventory.Package{cargo("app", "0.1.0", p), cargo("regex", "1.5.4", p), cargo("time", "0.1.45", p)}},
		{"v3.Cargo.lock", []inventory.Package{cargo("app", "0.1.0", p), cargo("my-fork", "0.3.0", p), cargo("smallvec", "1.6.0", p), cargo("util", "0.1.0", p)}},
		{"v4.Cargo.lock", []inventory.Package{cargo("app", "0.2.0", p), cargo("tokio", "1.18.4", p)}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			data := string(readFixture(t, tc.fixture))
			views := map[string]func(t *testing.T) fs.FS{
				"map":    func(*testing.T) fs.FS { return imagetest.MapFS(imagetest.Files{p: data}) },
				"dir":    func(t *testing.T) fs.FS { return imagetest.DirFS(t, imagetest.Files{p: data}) },
				"merged": func(t *testing.T) fs.FS { return imagetest.Merged(t, New(nil).Globs(), imagetest.Files{p: data}) },
			}
			for name, view := range views {
				c, rec := newRecorded(t, DefaultConfig())
				got, err := c.Catalog(t.Context(), view(t))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("%s: packages (-want +got):\n%s", name, diff)
				}
				if w := rec.Lines(slog.LevelWarn); len(w) != 0 {
					t.Errorf("%s: warnings %q", name, w)
				}
			}
		})
	}
}

// TestLockHostile puts each hostile lock file beside a good one: the bad one
// loses only itself (or only its bad entries), with one warning.
func TestLockHostile(t *testing.T) {
	t.Parallel()
	good := string(readFixture(t, "v4.Cargo.lock"))
	wantGood := []inventory.Package{cargo("app", "0.2.0", "good/Cargo.lock"), cargo("tokio", "1.18.4", "good/Cargo.lock")}
	const entry = "[[package]]\nname = \"ok\"\nversion = \"1.0.0\"\n"
	ok := cargo("ok", "1.0.0", "a/Cargo.lock")
	tests := []struct {
		name  string
		data  string
		extra []inventory.Package // from the hostile file
		warn  string              // substring of the one warning expected; "" for none
	}{
		{"empty", "", nil, ""},
		{"no packages", "version = 3\n", nil, ""},
		{"deep arrays", "x = " + strings.Repeat("[", 60000), nil, "nested deeper than 32"},
		{"deep inline tables", "x = " + strings.Repeat("{a=", 20000), nil, "nested deeper than 32"},
		{"dotted key of 10,000 parts", strings.Repeat("a.", 10_000) + "a = 1\n", nil, "nested deeper than 32"},
		{"brackets in strings do not count", entry + "x = \"" + strings.Repeat("[", 100) + "\"\ny = '''" + strings.Repeat("{", 100) + "'''\n# " + strings.Repeat("[", 100) + "\n", []inventory.Package{ok}, ""},
		{"NUL bytes", entry + "\x00\x00", nil, "parse"},
		{"truncated", entry + "[[package]]\nname = \"b", nil, "parse"},
		{"package is not a table array", "package = 3\n", nil, "parse"},
		{"name of wrong type", entry + "[[package]]\nname = 5\nversion = \"1.0.0\"\n", []inventory.Package{ok}, "package 2: bad name"},
		{"missing version", entry + "[[package]]\nname = \"b\"\n", []inventory.Package{ok}, "package 2: bad name \"b\" or version \"(missing)\""},
		{"version with spaces", entry + "[[package]]\nname = \"b\"\nversion = \"1 2\"\n", []inventory.Package{ok}, "package 2"},
		{"name with slash", entry + "[[package]]\nname = \"../b\"\nversion = \"1.0.0\"\n", []inventory.Package{ok}, "package 2"},
		{"unknown format version", "version = 9\n" + entry, []inventory.Package{ok}, "unknown lock format version 9"},
		{"format version of wrong type", "version = \"x\"\n" + entry, []inventory.Package{ok}, "lock format version of type string"},
		{"duplicate entry once", entry + entry, []inventory.Package{ok}, ""},
		{"too many packages", strings.Repeat(entry, 11), nil, "11 packages, more than the limit of 10"},
		{"too large", entry + strings.Repeat("#", 64<<10), nil, "more than the limit of 65536"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig()
			cfg.MaxPackages = 10
			cfg.MaxLockSize = 64 << 10
			c, rec := newRecorded(t, cfg)
			fsys := fstest.MapFS{"a/Cargo.lock": {Data: []byte(tc.data)}, "good/Cargo.lock": {Data: []byte(good)}}
			got, err := c.Catalog(t.Context(), fsys)
			if err != nil {
				t.Fatal(err)
			}
			want := append(append([]inventory.Package(nil), tc.extra...), wantGood...)
			inventory.SortPackages(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			w := rec.Lines(slog.LevelWarn)
			switch {
			case tc.warn == "" && len(w) != 0:
				t.Errorf("unexpected warnings %q", w)
			case tc.warn != "" && (len(w) != 1 || !strings.Contains(w[0], tc.warn) || !strings.Contains(w[0], "path=a/Cargo.lock")):
				t.Errorf("warnings %q, want one naming a/Cargo.lock with %q", w, tc.warn)
			}
		})
	}
}

// TestLockFromCargo reads a lock file that the real cargo writes for a
// workspace of path crates (no registry needed).
func TestLockFromCargo(t *testing.T) {
	t.Parallel()
	cargoTool := testenv.Tool(t, "cargo")
	dir := t.TempDir()
	files := map[string]string{
		"Cargo.toml":      "[workspace]\nmembers = [\"app\", \"util\"]\nresolver = \"2\"\n",
		"app/Cargo.toml":  "[package]\nname = \"app\"\nversion = \"0.3.1\"\nedition = \"2021\"\n\n[dependencies]\nutil = { path = \"../util\" }\n",
		"app/src/main.rs": "fn main() { util::hello(); }\n",
		"util/Cargo.toml": "[package]\nname = \"util\"\nversion = \"1.2.3\"\nedition = \"2021\"\n",
		"util/src/lib.rs": "pub fn hello() {}\n",
	}
	for n, c := range files {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), cargoTool, "generate-lockfile", "--offline")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CARGO_HOME="+filepath.Join(dir, ".cargo"), "CARGO_NET_OFFLINE=true")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cargo generate-lockfile: %v\n%s", err, out)
	}
	c, rec := newRecorded(t, DefaultConfig())
	got, err := c.Catalog(t.Context(), os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{cargo("app", "0.3.1", "Cargo.lock"), cargo("util", "1.2.3", "Cargo.lock")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if w := rec.Lines(slog.LevelWarn); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"a/Cargo.lock": {Data: readFixture(t, "v4.Cargo.lock")}}
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := New(nil).Catalog(ctx, fsys); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	errBroken := errors.New("broken")
	for _, p := range []string{".", "a"} {
		t.Run("readdir "+p, func(t *testing.T) {
			t.Parallel()
			_, err := New(nil).Catalog(t.Context(), imagetest.FailFS{FS: fsys, Path: p, Err: errBroken})
			if !errors.Is(err, errBroken) {
				t.Errorf("err = %v, want %v", err, errBroken)
			}
		})
	}
}

// TestDeepNestingDefaultCap: a lock file of nothing but "[" up to the
// default size cap would, parsed, recurse 16 million levels deep.
func TestDeepNestingDefaultCap(t *testing.T) {
	t.Parallel()
	c, rec := newRecorded(t, DefaultConfig())
	data := []byte("x = " + strings.Repeat("[", int(DefaultConfig().MaxLockSize)-4))
	got, err := c.Catalog(t.Context(), fstest.MapFS{"Cargo.lock": {Data: data}})
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
	if w := rec.Lines(slog.LevelWarn); len(w) != 1 || !strings.Contains(w[0], "nested deeper") {
		t.Errorf("warnings %q", w)
	}
}

// TestMaxBinaries: past MaxBinaries files (lock files and executables, in
// path order) the rest are skipped with one warning.
func TestMaxBinaries(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.MaxBinaries = 2
	c, rec := newRecorded(t, cfg)
	fsys := fstest.MapFS{
		"app/Cargo.lock": {Data: []byte("[[package]]\nname = \"lock\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n")},
		"bin/a":          exe(auditELF([3]string{"a", "1.0.0", "crates.io"})),
		"bin/b":          exe(auditELF([3]string{"b", "1.0.0", "crates.io"})),
		"bin/notes":      {Data: []byte("not executable")},
	}
	got, err := c.Catalog(t.Context(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{cargo("a", "1.0.0", "bin/a"), cargo("lock", "1.0.0", "app/Cargo.lock")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if w := rec.Lines(slog.LevelWarn); len(w) != 1 || !strings.Contains(w[0], "too many executables") || !strings.Contains(w[0], "last=bin/a") {
		t.Errorf("warnings %q", w)
	}
}
