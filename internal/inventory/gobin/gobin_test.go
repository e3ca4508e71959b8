package gobin

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/image/imagetest"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

func golang(name, version, path string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Type: inventory.TypeGolang, Path: path}
}

func TestContract(t *testing.T) {
	t.Parallel()
	c := New(nil)
	if c.Name() != "gobin" || c.Globs() != nil {
		t.Errorf("Name %q, Globs %q", c.Name(), c.Globs())
	}
	if diff := cmp.Diff([][]byte{[]byte("\xff Go buildinf:")}, c.Markers()); diff != "" {
		t.Errorf("Markers (-want +got):\n%s", diff)
	}
	for _, cfg := range []Config{{}, {MaxFileSize: 1, MaxBinaries: 1}, {MaxFileSize: 1, MaxModules: 1}} {
		if _, err := NewWithConfig(cfg, nil); err == nil {
			t.Errorf("NewWithConfig(%+v) succeeded", cfg)
		}
	}
}

// TestModules reads hand-made Go binaries: one ELF per case with the
// build information blob cmd/link writes.
func TestModules(t *testing.T) {
	t.Parallel()
	const bin = "usr/local/bin/app"
	tests := []struct {
		name      string
		goVersion string
		mod       string
		want      []inventory.Package
	}{
		{
			name:      "module and dependencies",
			goVersion: "go1.22.3",
			mod: "path\texample.com/app/cmd/app\nmod\texample.com/app\tv1.2.3\th1:abc=\n" +
				"dep\tgolang.org/x/net\tv0.17.0\th1:def=\ndep\tgolang.org/x/text\tv0.13.0\th1:ghi=\n" +
				"build\t-compiler=gc\nbuild\tGOOS=linux\n",
			want: []inventory.Package{
				golang("example.com/app", "v1.2.3", bin),
				golang("golang.org/x/net", "v0.17.0", bin),
				golang("golang.org/x/text", "v0.13.0", bin),
				golang("stdlib", "v1.22.3", bin),
			},
		},
		{
			name:      "devel main module is kept as recorded",
			goVersion: "go1.21",
			mod:       "path\texample.com/app\nmod\texample.com/app\t(devel)\t\n",
			want:      []inventory.Package{golang("example.com/app", "(devel)", bin), golang("stdlib", "v1.21.0", bin)},
		},
		{
			name:      "module replacement reported as the replacement",
			goVersion: "go1.21rc2",
			mod: "path\tx\nmod\tx\tv0.0.1\t\ndep\tgithub.com/a/b\tv1.0.0\t\n=>\tgithub.com/fork/b\tv1.1.0\th1:z=\n" +
				"dep\tgithub.com/c/d\tv0.3.0\th1:y=\n",
			want: []inventory.Package{
				golang("github.com/c/d", "v0.3.0", bin),
				golang("github.com/fork/b", "v1.1.0", bin),
				golang("stdlib", "v1.21.0-rc.2", bin),
				golang("x", "v0.0.1", bin),
			},
		},
		{
			name:      "directory replacement reported as the original at (devel)",
			goVersion: "go1.20beta1",
			mod:       "path\tx\nmod\tx\t(devel)\t\ndep\tgithub.com/a/b\tv1.0.0\t\n=>\t../b\t\t\n",
			want: []inventory.Package{
				golang("github.com/a/b", "(devel)", bin),
				golang("stdlib", "v1.20.0-beta.1", bin),
				golang("x", "(devel)", bin),
			},
		},
		{
			name:      "directory replacement as cmd/go records it now",
			goVersion: "go1.26.8",
			mod:       "path\tx\nmod\tx\t(devel)\t\ndep\texample.com/lib\tv0.1.0\n=>\t../lib\t(devel)\t\n",
			want: []inventory.Package{
				golang("example.com/lib", "(devel)", bin),
				golang("stdlib", "v1.26.8", bin),
				golang("x", "(devel)", bin),
			},
		},
		{
			name:      "devel toolchain has no stdlib",
			goVersion: "devel go1.23-1a2b3c4 Tue Jan 2 15:04:05 2024 +0000",
			mod:       "path\tx\nmod\tx\tv1.0.0\t\n",
			want:      []inventory.Package{golang("x", "v1.0.0", bin)},
		},
		{
			name:      "experiments after a space are dropped",
			goVersion: "go1.22.3 X:boringcrypto",
			mod:       "path\tx\nmod\tx\tv1.0.0\t\n",
			want:      []inventory.Package{golang("stdlib", "v1.22.3", bin), golang("x", "v1.0.0", bin)},
		},
		{
			name:      "GOPATH build: stdlib only",
			goVersion: "go1.16.15",
			mod:       "",
			want:      []inventory.Package{golang("stdlib", "v1.16.15", bin)},
		},
		{
			name:      "duplicate dependency once",
			goVersion: "go1.22.0",
			mod:       "path\tx\nmod\tx\tv1.0.0\t\ndep\tgithub.com/a/b\tv1.0.0\t\ndep\tgithub.com/a/b\tv1.0.0\t\n",
			want: []inventory.Package{
				golang("github.com/a/b", "v1.0.0", bin),
				golang("stdlib", "v1.22.0", bin),
				golang("x", "v1.0.0", bin),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{bin: exe(fakeGoBinary(tc.goVersion, tc.mod))}
			got, err := New(nil).Catalog(t.Context(), fsys)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

// goVersionM runs the real "go version -m" on bin and returns the packages
// it lists, as this cataloger must report them.
func goVersionM(t *testing.T, bin, path string) []inventory.Package {
	t.Helper()
	goTool := testenv.Tool(t, "go")
	out, err := exec.CommandContext(t.Context(), goTool, "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	var want []inventory.Package
	sc := bufio.NewScanner(bytes.NewReader(out))
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			first = false
			_, gv, _ := strings.Cut(line, ": ")
			if v, ok := StdlibVersion(gv); ok {
				want = append(want, golang(inventory.GoStdlib, v, path))
			}
			continue
		}
		f := strings.Split(strings.TrimPrefix(line, "\t"), "\t")
		for len(f) < 3 {
			f = append(f, "")
		}
		switch f[0] {
		case "mod", "dep":
			want = append(want, golang(f[1], f[2], path))
		case "=>":
			last := &want[len(want)-1]
			if f[2] != "" && f[2] != Devel {
				last.Name, last.Version = f[1], f[2]
			} else {
				last.Version = Devel
			}
		}
	}
	inventory.SortPackages(want)
	return want
}

// TestSelf reads the test binary, a real Go binary with dependencies, and
// compares with what the go tool says about it.
func TestSelf(t *testing.T) {
	t.Parallel()
	self, data := selfBinary(t)
	const p = "app/gobin.test"
	got, err := New(nil).Catalog(t.Context(), fstest.MapFS{p: exe(data)})
	if err != nil {
		t.Fatal(err)
	}
	// A test binary records its main module but no dependencies (cmd/go
	// writes none for "go test" builds); TestBuild checks dependencies.
	want := goVersionM(t, self, p)
	if len(want) < 2 {
		t.Fatalf("go version -m lists only %v", want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-go version -m +gobin):\n%s", diff)
	}
}

// TestBuild builds a small program whose go.mod replaces one module by a
// directory and another by a different module version (taken from the
// module cache, so no network is needed), and reads it from a directory.
func TestBuild(t *testing.T) {
	t.Parallel()
	goTool := testenv.Tool(t, "go")
	cmpDir := moduleDir(t, goTool, "github.com/google/go-cmp")
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lib/go.mod", "module example.com/lib\n\ngo 1.21\n")
	write("lib/lib.go", "package lib\n\nfunc Hello() string { return \"hello\" }\n")
	write("app/go.mod", "module example.com/app\n\ngo 1.21\n\nrequire (\n\texample.com/lib v0.1.0\n\tgithub.com/google/go-cmp v0.5.0\n)\n\n"+
		"replace example.com/lib => ../lib\n\nreplace github.com/google/go-cmp v0.5.0 => github.com/google/go-cmp v0.7.0\n")
	write("app/main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n\t\"github.com/google/go-cmp/cmp\"\n)\n\n"+
		"func main() { fmt.Println(lib.Hello(), cmp.Equal(1, 1)) }\n")
	bin := filepath.Join(dir, "root", "usr", "bin", "app")
	cmd := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, ".")
	cmd.Dir = filepath.Join(dir, "app")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off",
		"GOTOOLCHAIN=local", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		if cmpDir == "" {
			t.Skipf("go-cmp v0.7.0 not in the module cache: %v\n%s", err, out)
		}
		t.Fatalf("go build: %v\n%s", err, out)
	}
	got, err := New(nil).Catalog(t.Context(), os.DirFS(filepath.Join(dir, "root")))
	if err != nil {
		t.Fatal(err)
	}
	stdlib, _ := StdlibVersion(runtime.Version())
	want := []inventory.Package{
		golang("example.com/app", "(devel)", "usr/bin/app"),
		golang("example.com/lib", "(devel)", "usr/bin/app"),
		golang("github.com/google/go-cmp", "v0.7.0", "usr/bin/app"),
		golang("stdlib", stdlib, "usr/bin/app"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(goVersionM(t, bin, "usr/bin/app"), got); diff != "" {
		t.Errorf("packages (-go version -m +gobin):\n%s", diff)
	}
}

// moduleDir is the module cache directory of mod at the version this
// repository uses, or "" when it is not downloaded.
func moduleDir(t *testing.T, goTool, mod string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), goTool, "list", "-m", "-f", "{{.Dir}}", mod)
	cmd.Dir = testenv.RepoRoot(t)
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// TestViews reads the same binary through every kind of file view: an
// os.DirFS, a MapFS and an fs.FS whose files have no ReadAt (read into
// memory instead).
func TestViews(t *testing.T) {
	t.Parallel()
	bin := fakeGoBinary("go1.22.3", "path\tx\nmod\tx\tv1.0.0\t\n")
	want := []inventory.Package{golang("stdlib", "v1.22.3", "bin/x"), golang("x", "v1.0.0", "bin/x")}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "x"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	mapFS := fstest.MapFS{"bin/x": exe(bin)}
	for name, fsys := range map[string]fs.FS{"dir": os.DirFS(dir), "map": mapFS, "no ReadAt": noReaderAt{mapFS}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := New(nil).Catalog(t.Context(), fsys)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"bin/x": exe(fakeGoBinary("go1.22.3", "path\tx\nmod\tx\tv1.0.0\t\n"))}
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := New(nil).Catalog(ctx, fsys); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	errBroken := errors.New("broken")
	for _, p := range []string{".", "bin"} {
		t.Run("readdir "+p, func(t *testing.T) {
			t.Parallel()
			_, err := New(nil).Catalog(t.Context(), imagetest.FailFS{FS: fsys, Path: p, Err: errBroken})
			if !errors.Is(err, errBroken) {
				t.Errorf("err = %v, want %v", err, errBroken)
			}
		})
	}
}

// newRecorded is a Cataloger with cfg whose log is kept.
func newRecorded(t testing.TB, cfg Config) (*Cataloger, *testenv.LogRecorder) {
	t.Helper()
	rec := &testenv.LogRecorder{}
	c, err := NewWithConfig(cfg, slog.New(rec))
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}
