package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// recorder is an Inspector that records every entry and the content it
// read, and wants every file except those named "skip*" (and, with
// stopEarly, reads only the first byte of the contents).
type recorder struct {
	key       string
	stopEarly bool
	fail      string // Entry fails on this path
	mu        sync.Mutex
	calls     int // Layer calls
}

type seen struct {
	Path    string
	Type    EntryType
	Mode    fs.FileMode
	Size    int64
	Target  string
	Content string // sha256 of what was read
	Had     bool   // content was given
	N       int    // bytes read
}

type layerRecorder struct {
	r    *recorder
	seen []seen
}

func (r *recorder) Key() string { return r.key }
func (r *recorder) Layer(int, string) LayerInspector {
	r.mu.Lock()
	r.calls++
	r.mu.Unlock()
	return &layerRecorder{r: r}
}

func (l *layerRecorder) Want(e EntryInfo) bool {
	return !strings.HasPrefix(filepath.Base(e.Path), "skip")
}

func (l *layerRecorder) Entry(ctx context.Context, e EntryInfo, content io.Reader) error {
	if e.Path == l.r.fail {
		return errors.New("refused by the inspector")
	}
	s := seen{Path: e.Path, Type: e.Type, Mode: e.Mode, Size: e.Size, Target: e.Target, Had: content != nil}
	if content != nil {
		var b []byte
		var err error
		if l.r.stopEarly {
			b = make([]byte, 1)
			var n int
			n, err = content.Read(b)
			b = b[:n]
			if err == io.EOF {
				err = nil
			}
		} else {
			b, err = io.ReadAll(content)
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", e.Path, err)
		}
		s.Content, s.N = sum(b), len(b)
	}
	l.seen = append(l.seen, s)
	return nil
}

func (l *layerRecorder) Result() ([]byte, error) { return json.Marshal(l.seen) }

var ignoreN = cmpopts.IgnoreFields(seen{}, "N")

func sum(b []byte) string { return digestOf(b) }

func decodeSeen(t *testing.T, b []byte) []seen {
	t.Helper()
	var out []seen
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("inspection result: %v", err)
	}
	return out
}

func TestInspectorSeesEveryEntry(t *testing.T) {
	t.Parallel()
	big := fakeBin("\x7fELF", 3<<20, goMarker, 2<<20) // kept by content, over contentMemory
	small := fakeBin("\x7fELF", 4096, goMarker, 100)  // kept by content, in memory
	plainBin := fakeBin("\x7fELF", 2<<20, "")         // an executable without marker
	l0 := mkTar(t,
		dir("etc/"),
		file("etc/os-release", "ID=debian\n"), // kept by pattern
		file("etc/app.env", "PASSWORD=x\n"),   // not kept
		exe("usr/bin/script", "#!/bin/sh\n"+strings.Repeat("echo hi\n", 40)),
		exe("usr/bin/big", big), exe("usr/bin/small", small), exe("usr/bin/plain", plainBin),
		file("etc/skipme", "not wanted"),
		tent{name: "usr/bin/su", typ: tar.TypeReg, body: "su", mode: 0o4755},
		tent{name: "tmp/", typ: tar.TypeDir, mode: 0o1777},
		symlink("etc/link", "app.env"),
		hardlink("etc/hard", "etc/app.env"),
	)
	l1 := mkTar(t,
		file("etc/.wh.app.env", ""),
		file("usr/.wh..wh..opq", ""),
	)
	o := &opener{}
	img := &Image{Name: "insp", Source: "oci-layout", Layers: []Layer{o.layerOf(gz(t, l0), l0), o.layerOf(l1, l1)}}
	cfg := testConfig(t)
	cfg.Markers = testMarkers
	rec := &recorder{key: "rec/1"}
	cfg.Inspector = rec
	v, err := Walk(t.Context(), img, []string{"etc/os-release"}, cfg, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	want0 := []seen{
		{Path: "etc", Type: EntryDir, Mode: 0o755},
		{Path: "etc/os-release", Type: EntryFile, Mode: 0o644, Size: 10, Content: sum([]byte("ID=debian\n")), Had: true},
		{Path: "etc/app.env", Type: EntryFile, Mode: 0o644, Size: 11, Content: sum([]byte("PASSWORD=x\n")), Had: true},
		{Path: "usr/bin/script", Type: EntryFile, Mode: 0o755, Size: 330, Content: sum([]byte("#!/bin/sh\n" + strings.Repeat("echo hi\n", 40))), Had: true},
		{Path: "usr/bin/big", Type: EntryFile, Mode: 0o755, Size: int64(len(big)), Content: sum([]byte(big)), Had: true},
		{Path: "usr/bin/small", Type: EntryFile, Mode: 0o755, Size: int64(len(small)), Content: sum([]byte(small)), Had: true},
		{Path: "usr/bin/plain", Type: EntryFile, Mode: 0o755, Size: int64(len(plainBin)), Content: sum([]byte(plainBin)), Had: true},
		{Path: "etc/skipme", Type: EntryFile, Mode: 0o644, Size: 10},
		{Path: "usr/bin/su", Type: EntryFile, Mode: 0o755 | fs.ModeSetuid, Size: 2, Content: sum([]byte("su")), Had: true},
		{Path: "tmp", Type: EntryDir, Mode: 0o777 | fs.ModeSticky},
		{Path: "etc/link", Type: EntrySymlink, Mode: 0o644, Target: "app.env"},
		{Path: "etc/hard", Type: EntryHardlink, Mode: 0o644, Target: "etc/app.env"},
	}
	want1 := []seen{{Path: "etc/app.env", Type: EntryWhiteout}, {Path: "usr", Type: EntryOpaque}}
	check := func(v *View) {
		t.Helper()
		if d := cmp.Diff(want0, decodeSeen(t, v.Inspected(0)), ignoreN); d != "" {
			t.Errorf("layer 0 (-want +got):\n%s", d)
		}
		if d := cmp.Diff(want1, decodeSeen(t, v.Inspected(1)), ignoreN); d != "" {
			t.Errorf("layer 1 (-want +got):\n%s", d)
		}
	}
	check(v)
	// The walk itself is unchanged: content-kept executables are kept.
	for _, p := range []string{"usr/bin/big", "usr/bin/small"} {
		b, err := fs.ReadFile(v.FS(0), p)
		if err != nil || string(b) != map[string]string{"usr/bin/big": big, "usr/bin/small": small}[p] {
			t.Errorf("%s: kept content differs (err %v)", p, err)
		}
	}

	// A second walk with the same inspector key is served from the cache.
	opens := o.n.Load()
	v2, err := Walk(t.Context(), img, []string{"etc/os-release"}, cfg, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	if o.n.Load() != opens {
		t.Errorf("cached walk opened %d blobs", o.n.Load()-opens)
	}
	check(v2)

	// Another key misses the cache; no inspector gives nil results.
	cfg.Inspector = &recorder{key: "rec/2", stopEarly: true}
	v3, err := Walk(t.Context(), img, []string{"etc/os-release"}, cfg, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v3.Close()
	if o.n.Load() == opens {
		t.Error("a walk with another inspector key was served from the cache")
	}
	for _, s := range decodeSeen(t, v3.Inspected(0)) {
		if s.Had && s.N != 1 {
			t.Errorf("%s: an inspector that stops early read %d bytes", s.Path, len(s.Content))
		}
	}
	b, err := fs.ReadFile(v3.FS(0), "usr/bin/big")
	if err != nil || string(b) != big {
		t.Errorf("an inspector stopping early broke the kept copy (err %v)", err)
	}
	cfg.Inspector = nil
	v4, err := Walk(t.Context(), img, []string{"etc/os-release"}, cfg, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v4.Close()
	if v4.Inspected(0) != nil {
		t.Error("a walk without inspector has a result")
	}
}

func TestInspectorErrors(t *testing.T) {
	t.Parallel()
	l0 := mkTar(t, file("etc/os-release", "ID=debian\n"), file("etc/a", "aaaa"), exe("usr/bin/x", fakeBin("\x7fELF", 4096, goMarker, 10)))
	for _, tc := range []struct {
		name, fail string
		blob       []byte
		want       string
	}{
		{name: "inspector error, plain file", fail: "etc/a", blob: l0, want: "refused by the inspector"},
		{name: "inspector error, kept file", fail: "etc/os-release", blob: l0, want: "refused by the inspector"},
		{name: "inspector error, executable", fail: "usr/bin/x", blob: l0, want: "refused by the inspector"},
		{name: "truncated content", blob: l0[:1024+100], want: "truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := &opener{}
			l := o.layerOf(tc.blob, l0)
			img := &Image{Name: "insp", Source: "oci-layout", Layers: []Layer{l}}
			cfg := testConfig(t)
			cfg.Markers = testMarkers
			cfg.Inspector = &recorder{key: "k", fail: tc.fail}
			_, err := Walk(t.Context(), img, []string{"etc/os-release"}, cfg, Observer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(filepath.Join(cfg.CacheDir, "layers")); len(entries) != 0 {
				t.Errorf("a failed walk left %d cache entries", len(entries))
			}
		})
	}
}

func TestInspectorDirSource(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for p, body := range map[string]string{"etc/os-release": "ID=alpine\n", "app/config.env": "TOKEN=x\n", "app/skipme": "no"} {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(root, "app"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("config.env", filepath.Join(root, "app/link")); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.Inspector = &recorder{key: "k"}
	v, err := Walk(t.Context(), &Image{Name: root, Source: "dir", Dir: root}, []string{"etc/os-release"}, cfg, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	got := map[string]seen{}
	for _, s := range decodeSeen(t, v.Inspected(0)) {
		got[s.Path] = s
	}
	want := map[string]seen{
		"app":            {Path: "app", Type: EntryDir, Mode: 0o777},
		"app/config.env": {Path: "app/config.env", Type: EntryFile, Mode: 0o644, Size: 8, Content: sum([]byte("TOKEN=x\n")), Had: true},
		"app/skipme":     {Path: "app/skipme", Type: EntryFile, Mode: 0o644, Size: 2},
		"app/link":       {Path: "app/link", Type: EntrySymlink, Mode: 0o777, Target: "config.env"},
		"etc":            {Path: "etc", Type: EntryDir, Mode: 0o755},
		"etc/os-release": {Path: "etc/os-release", Type: EntryFile, Mode: 0o644, Size: 10, Content: sum([]byte("ID=alpine\n")), Had: true},
	}
	if d := cmp.Diff(want, got, ignoreN); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// The view is unchanged: only kept files show.
	if _, err := fs.Stat(v.FS(0), "app/config.env"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an inspected file not kept shows in the view: %v", err)
	}
}

// discard is an Inspector that reads every file's content to the end.
type discard struct{}

func (discard) Key() string                      { return "discard" }
func (discard) Layer(int, string) LayerInspector { return discardLayer{} }
func (discardLayer) Want(EntryInfo) bool         { return true }
func (discardLayer) Result() ([]byte, error)     { return []byte{}, nil }

type discardLayer struct{}

func (discardLayer) Entry(_ context.Context, _ EntryInfo, r io.Reader) error {
	if r != nil {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	return nil
}

// BenchmarkWalkInspect is BenchmarkWalk (one layer at a time) and
// BenchmarkWalkMarkers' executables with an inspector reading every byte
// of every file: the cost of handing contents over, straight from the tar
// stream or through the tee of kept and searched files.
func BenchmarkWalkInspect(b *testing.B) {
	text, _ := benchImg(benchImage())
	exec, _ := benchImg([]benchLayer{execLayer()})
	for _, tc := range []struct {
		name string
		img  *Image
	}{{"text", text}, {"executables", exec}} {
		for _, insp := range []Inspector{nil, discard{}} {
			b.Run(fmt.Sprintf("%s/inspector=%t", tc.name, insp != nil), func(b *testing.B) {
				cfg := DefaultConfig()
				cfg.CacheDir = b.TempDir()
				cfg.NoCache = true
				cfg.Parallel = 1
				cfg.Markers = testMarkers
				cfg.Inspector = insp
				var n int64
				for _, l := range tc.img.Layers {
					n += l.Size
				}
				b.SetBytes(n)
				b.ReportAllocs()
				for b.Loop() {
					v, err := Walk(b.Context(), tc.img, testKeep, cfg, Observer{})
					if err != nil {
						b.Fatal(err)
					}
					_ = v.Close()
				}
			})
		}
	}
}
