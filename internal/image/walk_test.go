package image

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testKeep = []string{
	"etc/os-release", "usr/lib/os-release", "var/lib/dpkg/status", "var/lib/dpkg/status.d/*",
	"usr/share/doc/*/copyright", "var/lib/rpm/Packages", "usr/lib/sysimage/rpm/Packages",
}

// threeLayers is an image of three layers, gzip, zstd and plain, exercising
// overwrites, whiteouts, an opaque directory, symlinks and a hardlink.
func threeLayers(t testing.TB, o *opener) *Image {
	t0 := mkTar(t,
		dir("etc/"), symlink("etc/os-release", "../usr/lib/os-release"),
		file("usr/lib/os-release", "ID=debian\n"),
		file("var/lib/dpkg/status", "Package: a\n"),
		file("usr/share/doc/a/copyright", "A"), file("usr/share/doc/b/copyright", "B"),
		file("usr/share/doc/b/changelog.gz", "not kept"),
		symlink("usr/share/doc/c", "b"),
		dir("usr/lib/sysimage/rpm/"), file("usr/lib/sysimage/rpm/Packages", "rpmdb"),
		symlink("var/lib/rpm", "../../usr/lib/sysimage/rpm"),
		file("bin/sh", "ELF"),
	)
	t1 := mkTar(t,
		file("usr/share/doc/.wh.a", ""),
		file("var/lib/dpkg/status", "Package: a\n\nPackage: x\n"),
		file("var/lib/dpkg/status.d/x", "Package: x\n"),
		file("usr/bin/x", "ELF"),
	)
	t2 := mkTar(t,
		file("usr/share/doc/.wh..wh..opq", ""),
		file("usr/share/doc/d/copyright", "D"),
		hardlink("usr/share/doc/e/copyright", "usr/share/doc/d/copyright"),
		symlink("etc/os-release", "/usr/lib/os-release"),
	)
	return &Image{Name: "test", Source: "oci-layout", Layers: []Layer{
		o.layerOf(gz(t, t0), t0), o.layerOf(zst(t, t1), t1), o.layerOf(t2, t2),
	}}
}

func TestWalkMerge(t *testing.T) {
	t.Parallel()
	var o opener
	img := threeLayers(t, &o)
	v, err := Walk(t.Context(), img, testKeep, testConfig(t), Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if v.NumLayers() != 3 || v.LayerID(1) != img.Layers[1].DiffID {
		t.Fatalf("NumLayers %d, LayerID(1) %q", v.NumLayers(), v.LayerID(1))
	}
	type state struct {
		Glob  []string
		Files map[string]string
	}
	read := func(fsys fs.FS) state {
		var s state
		for _, g := range []string{"usr/share/doc/*/copyright", "var/lib/dpkg/status.d/*"} {
			m, err := fs.Glob(fsys, g)
			if err != nil {
				t.Fatal(err)
			}
			s.Glob = append(s.Glob, m...)
		}
		s.Files = map[string]string{}
		for _, f := range []string{"etc/os-release", "var/lib/dpkg/status", "var/lib/rpm/Packages", "usr/share/doc/c/copyright", "bin/sh"} {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				s.Files[f] = "ERR"
				continue
			}
			s.Files[f] = string(b)
		}
		return s
	}
	want := []state{
		{
			Glob: []string{"usr/share/doc/a/copyright", "usr/share/doc/b/copyright", "usr/share/doc/c/copyright"},
			Files: map[string]string{"etc/os-release": "ID=debian\n", "var/lib/dpkg/status": "Package: a\n",
				"var/lib/rpm/Packages": "rpmdb", "usr/share/doc/c/copyright": "B", "bin/sh": "ERR"},
		},
		{
			Glob: []string{"usr/share/doc/b/copyright", "usr/share/doc/c/copyright", "var/lib/dpkg/status.d/x"},
			Files: map[string]string{"etc/os-release": "ID=debian\n", "var/lib/dpkg/status": "Package: a\n\nPackage: x\n",
				"var/lib/rpm/Packages": "rpmdb", "usr/share/doc/c/copyright": "B", "bin/sh": "ERR"},
		},
		{
			Glob: []string{"usr/share/doc/d/copyright", "usr/share/doc/e/copyright", "var/lib/dpkg/status.d/x"},
			Files: map[string]string{"etc/os-release": "ID=debian\n", "var/lib/dpkg/status": "Package: a\n\nPackage: x\n",
				"var/lib/rpm/Packages": "rpmdb", "usr/share/doc/c/copyright": "ERR", "bin/sh": "ERR"},
		},
	}
	for i := range 3 {
		if diff := cmp.Diff(want[i], read(v.FS(i))); diff != "" {
			t.Errorf("FS(%d) (-want +got):\n%s", i, diff)
		}
	}
	wantTouched := [][]string{
		nil, // layer 0: checked for content below
		{"usr/share/doc/a", "usr/share/doc/a/copyright", "var/lib/dpkg/status", "var/lib/dpkg/status.d/x"},
		{"etc/os-release", "usr/share/doc/b", "usr/share/doc/b/copyright", "usr/share/doc/c", "usr/share/doc/c/copyright",
			"usr/share/doc/d/copyright", "usr/share/doc/e/copyright"},
	}
	for i := 1; i < 3; i++ {
		if diff := cmp.Diff(wantTouched[i], v.Touched(i)); diff != "" {
			t.Errorf("Touched(%d) (-want +got):\n%s", i, diff)
		}
	}
	if got := v.Touched(0); len(got) == 0 {
		t.Errorf("Touched(0) empty")
	}
	link, err := fs.ReadLink(v.FS(2), "etc/os-release")
	if err != nil || link != "/usr/lib/os-release" {
		t.Errorf("ReadLink = %q, %v", link, err)
	}
	if err := fstest.TestFS(v.FS(2), "usr/share/doc/d/copyright", "var/lib/dpkg/status", "usr/lib/os-release"); err != nil {
		t.Error(err)
	}
}

func TestWalkCache(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	var o opener
	img := threeLayers(t, &o)
	walk := func(cfg Config) (*events, string) {
		t.Helper()
		var evs events
		var logs logBuf
		v, err := Walk(t.Context(), img, testKeep, cfg, Observer{Progress: evs.add, Log: logs.logger()})
		if err != nil {
			t.Fatal(err)
		}
		b, err := fs.ReadFile(v.FS(2), "var/lib/dpkg/status")
		if err != nil || string(b) != "Package: a\n\nPackage: x\n" {
			t.Fatalf("status = %q, %v", b, err)
		}
		if err := v.Close(); err != nil {
			t.Fatal(err)
		}
		return &evs, logs.String()
	}
	walk(cfg)
	if n := o.n.Load(); n != 3 {
		t.Fatalf("first walk opened %d layers, want 3", n)
	}
	evs, _ := walk(cfg)
	if n := o.n.Load(); n != 3 {
		t.Errorf("cached walk opened %d layers, want none", n-3)
	}
	if evs.cached() != 3 {
		t.Errorf("cached events %d, want 3", evs.cached())
	}
	// A different keep list is a different cache entry.
	if v, err := Walk(t.Context(), img, testKeep[:2], cfg, Observer{}); err != nil {
		t.Fatal(err)
	} else {
		v.Close()
	}
	if n := o.n.Load(); n != 6 {
		t.Errorf("other keep list opened %d, want 3 more", n-3)
	}
	nc := cfg
	nc.NoCache = true
	walk(nc)
	if n := o.n.Load(); n != 9 {
		t.Errorf("NoCache walk opened %d, want 3 more", n-6)
	}
	// Corrupt the cache: truncate a kept file of one entry, garble another's index.
	dirs, _ := filepath.Glob(filepath.Join(cfg.CacheDir, "layers", "*", "f0"))
	if len(dirs) < 2 {
		t.Fatalf("cache entries %v", dirs)
	}
	for _, f := range dirs {
		if err := os.Truncate(f, 0); err != nil {
			t.Fatal(err)
		}
	}
	ix, _ := filepath.Glob(filepath.Join(cfg.CacheDir, "layers", "*", "index.json"))
	if err := os.WriteFile(ix[0], []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := o.n.Load()
	_, logs := walk(cfg)
	if o.n.Load() == before {
		t.Errorf("corrupt cache entries served without walking")
	}
	if !contains(logs, "cache entry unusable") {
		t.Errorf("corruption not logged: %s", logs)
	}
	before = o.n.Load()
	walk(cfg)
	if o.n.Load() != before {
		t.Errorf("rewritten cache entries not used")
	}
	if left, _ := os.ReadDir(filepath.Join(cfg.CacheDir, "tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// blockingReader blocks until closed.
type blockingReader struct{ done chan struct{} }

func (b *blockingReader) Read([]byte) (int, error) { <-b.done; return 0, io.ErrClosedPipe }
func (b *blockingReader) Close() error {
	select {
	case <-b.done:
	default:
		close(b.done)
	}
	return nil
}

func TestWalkCancel(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	var o opener
	img := threeLayers(t, &o)
	for i := range img.Layers {
		img.Layers[i].Open = func(context.Context) (io.ReadCloser, error) {
			return &blockingReader{done: make(chan struct{})}, nil
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := Walk(ctx, img, testKeep, cfg, Observer{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancel took %v", d)
	}
	if left, _ := os.ReadDir(filepath.Join(cfg.CacheDir, "tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	if err := c.Validate(); err == nil {
		t.Error("no CacheDir accepted")
	}
	c.CacheDir = "x"
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	c.MaxRatio = 0
	if err := c.Validate(); err == nil {
		t.Error("zero MaxRatio accepted")
	}
}

func TestDirSource(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("host"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	mk := func(p, body string) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ln := func(p, target string) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
	}
	mk("usr/lib/os-release", "ID=alpine\n")
	mk("etc/passwd", "root:inside\n")
	ln("etc/os-release", "../usr/lib/os-release")
	ln("etc/abs", "/etc/passwd")
	ln("etc/up", "../../../../../../etc/passwd")
	ln("etc/host", filepath.Join(outside, "secret"))
	ln("etc/rel-out", "../.."+outside+"/secret")
	ln("loop1", "loop2")
	ln("loop2", "loop1")
	ln("var/lib/rpm", "../../usr/lib")

	// The view of a directory shows the kept paths only (TestDirView).
	keep := []string{"etc/*", "loop1", "loop2", "usr/lib/os-release", "var/lib/rpm/*"}
	v, err := Walk(t.Context(), &Image{Source: "dir", Dir: root}, keep, testConfig(t), Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	fsys := v.FS(0)
	if v.Touched(0) != nil || v.NumLayers() != 1 || v.LayerID(0) != "" {
		t.Errorf("dir view: touched %v layers %d id %q", v.Touched(0), v.NumLayers(), v.LayerID(0))
	}
	for _, tc := range []struct{ name, want string }{
		{"etc/os-release", "ID=alpine\n"},
		{"etc/abs", "root:inside\n"},
		{"etc/up", "root:inside\n"},
		{"etc/host", "ERR"},
		{"etc/rel-out", "ERR"},
		{"loop1", "ERR"},
		{"var/lib/rpm/os-release", "ID=alpine\n"},
		{"../etc/passwd", "ERR"},
	} {
		b, err := fs.ReadFile(fsys, tc.name)
		got := string(b)
		if err != nil {
			got = "ERR"
		}
		if got != tc.want {
			t.Errorf("ReadFile(%s) = %q (%v), want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := fs.Stat(fsys, "loop1"); err == nil || !contains(err.Error(), "too many levels") {
		t.Errorf("loop: %v", err)
	}
	sub, err := fs.Sub(fsys, "usr")
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(sub, "lib/os-release"); err != nil {
		t.Error(err)
	}
}
