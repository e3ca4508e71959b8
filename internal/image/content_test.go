package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	goMarker    = "\xff Go buildinf:"
	rustMarker  = ".dep-v0"
	testMarkers = [][]byte{[]byte(rustMarker), []byte(goMarker)}
)

// fakeBin returns size bytes starting with magic, filled with lowercase
// letters (which no marker holds), with marker written at each offset.
func fakeBin(magic string, size int, marker string, at ...int) string {
	b := make([]byte, size)
	rng := rand.New(rand.NewPCG(uint64(size), 7))
	for i := range b {
		b[i] = 'a' + byte(rng.IntN(26))
	}
	copy(b, magic)
	for _, o := range at {
		copy(b[o:], marker)
	}
	return string(b)
}

const elfMagic = "\x7fELF"

func markerLayers(t testing.TB) (l0, l1 []byte, bodies map[string]string) {
	bodies = map[string]string{
		"usr/local/bin/mid": fakeBin(elfMagic, 100<<10, goMarker, 50<<10),
		// Over contentMemory, the walker reads 4 bytes, then chunks of up
		// to 64 KiB (32 KiB from some decompressors): markers across
		// those boundaries.
		"opt/app/edge32":      fakeBin(elfMagic, contentMemory+100<<10, rustMarker, 4+32<<10-3),
		"opt/app/edge64":      fakeBin(elfMagic, contentMemory+100<<10, goMarker, 4+64<<10-7),
		"opt/app/edges":       fakeBin(elfMagic, 300<<10, goMarker, 96<<10-1, 128<<10-13, 160<<10-14),
		"opt/app/end":         fakeBin(elfMagic, 70<<10, goMarker, 70<<10-len(goMarker)),
		"opt/app/macho":       fakeBin("\xcf\xfa\xed\xfe", 4<<10, goMarker, 100),
		"opt/app/fat":         fakeBin("\xca\xfe\xba\xbe", 4<<10, goMarker, 100),
		"opt/app/pe.exe":      fakeBin("MZ", 4<<10, rustMarker, 3000),
		"usr/bin/plain":       fakeBin(elfMagic, 100<<10, ""),
		"usr/bin/bigplain":    fakeBin(elfMagic, contentMemory+1, ""),
		"usr/lib/noexec":      fakeBin(elfMagic, 8<<10, goMarker, 1000),
		"usr/bin/script":      fakeBin("#!/bin/sh\n", 8<<10, goMarker, 1000),
		"usr/bin/tiny":        fakeBin(elfMagic, 64, goMarker, 20),
		"var/lib/dpkg/status": "Package: a\n",
	}
	l0 = mkTar(t,
		file("var/lib/dpkg/status", bodies["var/lib/dpkg/status"]),
		exe("usr/local/bin/mid", bodies["usr/local/bin/mid"]),
		exe("opt/app/edge32", bodies["opt/app/edge32"]),
		exe("opt/app/edge64", bodies["opt/app/edge64"]),
		exe("opt/app/edges", bodies["opt/app/edges"]),
		exe("opt/app/end", bodies["opt/app/end"]),
		exe("opt/app/macho", bodies["opt/app/macho"]),
		exe("opt/app/fat", bodies["opt/app/fat"]),
		tent{name: "opt/app/pe.exe", typ: tar.TypeReg, body: bodies["opt/app/pe.exe"], mode: 0o700},
		exe("usr/bin/plain", bodies["usr/bin/plain"]),
		exe("usr/bin/bigplain", bodies["usr/bin/bigplain"]),
		file("usr/lib/noexec", bodies["usr/lib/noexec"]),
		exe("usr/bin/script", bodies["usr/bin/script"]),
		exe("usr/bin/tiny", bodies["usr/bin/tiny"]),
		hardlink("usr/bin/linked", "usr/local/bin/mid"),
		hardlink("usr/bin/plainlink", "usr/bin/plain"),
	)
	l1 = mkTar(t,
		file("usr/local/bin/.wh.mid", ""),
		file("opt/app/.wh.edges", ""),
	)
	return l0, l1, bodies
}

func markerImage(t testing.TB, o *opener) (*Image, map[string]string) {
	l0, l1, bodies := markerLayers(t)
	return &Image{Name: "markers", Source: "oci-layout", Layers: []Layer{o.layerOf(l0, l0), o.layerOf(gz(t, l1), l1)}}, bodies
}

// regular lists the regular files of fsys with their contents.
func regular(t *testing.T, fsys fs.FS) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			out[p] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMarkersKeepExecutables(t *testing.T) {
	t.Parallel()
	var o opener
	img, bodies := markerImage(t, &o)
	cfg := testConfig(t)
	cfg.Markers = testMarkers
	v, err := Walk(t.Context(), img, testKeep, cfg, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()

	kept0 := []string{"opt/app/edge32", "opt/app/edge64", "opt/app/edges", "opt/app/end", "opt/app/fat",
		"opt/app/macho", "opt/app/pe.exe", "usr/bin/linked", "usr/local/bin/mid", "var/lib/dpkg/status"}
	want := map[string]string{}
	for _, p := range kept0 {
		want[p] = bodies[p]
	}
	want["usr/bin/linked"] = bodies["usr/local/bin/mid"]
	if diff := cmp.Diff(want, regular(t, v.FS(0))); diff != "" {
		t.Errorf("files after layer 0 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(kept0, v.Touched(0)); diff != "" {
		t.Errorf("Touched(0) (-want +got):\n%s", diff)
	}
	fi, err := fs.Stat(v.FS(0), "opt/app/pe.exe")
	if err != nil || fi.Mode().Perm() != 0o700 || fi.Size() != int64(len(bodies["opt/app/pe.exe"])) {
		t.Errorf("stat pe.exe = %v, %v", fi, err)
	}
	// The cache holds the kept contents and nothing else.
	blobs, err := filepath.Glob(filepath.Join(cfg.CacheDir, "layers", "*", "f*"))
	if err != nil || len(blobs) != len(kept0)-1 { // usr/bin/linked shares mid's
		t.Errorf("%d contents in the cache, want %d (%v)", len(blobs), len(kept0)-1, err)
	}
	for _, p := range []string{"usr/bin/plain", "usr/bin/bigplain", "usr/lib/noexec", "usr/bin/script", "usr/bin/tiny", "usr/bin/plainlink"} {
		if _, err := fs.Stat(v.FS(0), p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stat %s: err = %v, want not exist", p, err)
		}
	}

	delete(want, "usr/local/bin/mid")
	delete(want, "opt/app/edges")
	if diff := cmp.Diff(want, regular(t, v.FS(1))); diff != "" {
		t.Errorf("files after the whiteouts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"opt/app/edges", "usr/local/bin/mid"}, v.Touched(1)); diff != "" {
		t.Errorf("Touched(1) (-want +got):\n%s", diff)
	}

	// Without markers, nothing is kept by content.
	cfg.Markers = nil
	v2, err := Walk(t.Context(), img, testKeep, cfg, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	if diff := cmp.Diff(map[string]string{"var/lib/dpkg/status": "Package: a\n"}, regular(t, v2.FS(0))); diff != "" {
		t.Errorf("files without markers (-want +got):\n%s", diff)
	}
}

// A marker-kept file replaced in an upper layer by another one, and an
// opaque directory above one.
func TestMarkersUpperLayers(t *testing.T) {
	t.Parallel()
	a := fakeBin(elfMagic, 4<<10, goMarker, 200)
	b := fakeBin(elfMagic, 5<<10, goMarker, 300)
	l0 := mkTar(t, exe("app/a", a), exe("srv/x/b", b))
	l1 := mkTar(t, exe("app/a", b), file("srv/.wh..wh..opq", ""))
	var o opener
	img := &Image{Source: "oci-layout", Layers: []Layer{o.layerOf(l0, l0), o.layerOf(zst(t, l1), l1)}}
	cfg := testConfig(t)
	cfg.Markers = testMarkers
	v, err := Walk(t.Context(), img, nil, cfg, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if diff := cmp.Diff(map[string]string{"app/a": b}, regular(t, v.FS(1))); diff != "" {
		t.Errorf("files after layer 1 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"app/a", "srv/x", "srv/x/b"}, v.Touched(1)); diff != "" {
		t.Errorf("Touched(1) (-want +got):\n%s", diff)
	}
}

func TestMarkersTooLarge(t *testing.T) {
	t.Parallel()
	big := fakeBin(elfMagic, 100<<10, goMarker, 90<<10)
	small := fakeBin(elfMagic, 10<<10, goMarker, 100)
	for _, tc := range []struct {
		name      string
		maxFile   int64
		maxKept   int64
		wantFiles []string
		wantLog   string
	}{
		{"MaxFileBytes", 64 << 10, 1 << 30, []string{"a/small", "var/lib/dpkg/status"}, "MaxFileBytes 65536"},
		{"MaxKeptBytes", 1 << 30, 50 << 10, []string{"a/small", "var/lib/dpkg/status"}, "MaxKeptBytes 51200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l0 := mkTar(t, exe("a/small", small), exe("a/big", big), file("var/lib/dpkg/status", "x"))
			var o opener
			cfg := testConfig(t)
			cfg.Markers = testMarkers
			cfg.MaxFileBytes, cfg.MaxKeptBytes = tc.maxFile, tc.maxKept
			var log logBuf
			v, err := Walk(t.Context(), &Image{Source: "test", Layers: []Layer{o.layerOf(gz(t, l0), l0)}}, testKeep, cfg, Observer{Log: log.logger()})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			if diff := cmp.Diff(tc.wantFiles, v.Touched(0)); diff != "" {
				t.Errorf("Touched(0) (-want +got):\n%s", diff)
			}
			if !strings.Contains(log.String(), "too large to keep") || !strings.Contains(log.String(), tc.wantLog) ||
				!strings.Contains(log.String(), "a/big") {
				t.Errorf("log lacks the skipped executable:\n%s", log.String())
			}
		})
	}
}

func TestMarkersTruncated(t *testing.T) {
	t.Parallel()
	full := mkTar(t, exe("a/bin", fakeBin(elfMagic, 64<<10, goMarker, 100)))
	for _, cut := range []int{512 + 2, 512 + 100, 512 + 40<<10} {
		l0 := full[:cut]
		var o opener
		cfg := testConfig(t)
		cfg.Markers = testMarkers
		_, err := Walk(t.Context(), &Image{Source: "test", Layers: []Layer{o.layerOf(l0, l0)}}, nil, cfg, Observer{})
		var le *LayerError
		if !errors.As(err, &le) || le.Path != "a/bin" {
			t.Errorf("cut at %d: err = %v, want a LayerError on a/bin", cut, err)
		}
	}
}

func TestMarkersCache(t *testing.T) {
	t.Parallel()
	var o opener
	img, bodies := markerImage(t, &o)
	cfg := testConfig(t)
	walk := func(markers [][]byte) map[string]string {
		t.Helper()
		c := cfg
		c.Markers = markers
		v, err := Walk(t.Context(), img, testKeep, c, Observer{})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		return regular(t, v.FS(0))
	}
	steps := []struct {
		name    string
		markers [][]byte
		opens   int64 // layer opens so far
		mid     bool  // usr/local/bin/mid visible
	}{
		{"first", testMarkers, 2, true},
		{"same markers", testMarkers, 2, true},
		{"same markers reordered, repeated", [][]byte{[]byte(goMarker), []byte(rustMarker), []byte(goMarker)}, 2, true},
		{"other markers", [][]byte{[]byte(goMarker)}, 4, true},
		{"no markers", nil, 6, false},
		{"no markers again", nil, 6, false},
		{"first markers again", testMarkers, 6, true},
	}
	for _, s := range steps {
		got := walk(s.markers)
		if n := o.n.Load(); n != s.opens {
			t.Errorf("%s: %d layer opens, want %d", s.name, n, s.opens)
		}
		if mid, ok := got["usr/local/bin/mid"]; ok != s.mid || ok && mid != bodies["usr/local/bin/mid"] {
			t.Errorf("%s: mid visible = %v, want %v", s.name, ok, s.mid)
		}
	}
}

func TestMarkersValidate(t *testing.T) {
	t.Parallel()
	for _, ms := range [][][]byte{{{}}, {bytes.Repeat([]byte("x"), maxMarkerLen+1)}, make([][]byte, maxMarkers+1)} {
		cfg := testConfig(t)
		cfg.Markers = ms
		if err := cfg.Validate(); err == nil {
			t.Errorf("Validate accepted %d markers (first %d bytes)", len(ms), len(ms[0]))
		}
	}
}

func TestExecMagic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		head string
		want bool
	}{
		{"\x7fELF", true}, {"\xfe\xed\xfa\xce", true}, {"\xfe\xed\xfa\xcf", true}, {"\xce\xfa\xed\xfe", true},
		{"\xcf\xfa\xed\xfe", true}, {"\xca\xfe\xba\xbe", true}, {"MZ\x90\x00", true}, {"MZ", true},
		{"#!/b", false}, {"\x7fEL", false}, {"PK\x03\x04", false}, {"", false}, {"M", false},
	} {
		if got := execMagic([]byte(tc.head)); got != tc.want {
			t.Errorf("execMagic(%q) = %v, want %v", tc.head, got, tc.want)
		}
	}
}

// TestMarkerSearchChunks feeds streams in chunks of every small size and of
// random sizes and checks the answer against bytes.Contains.
func TestMarkerSearchChunks(t *testing.T) {
	t.Parallel()
	s := newMarkerSearch(normMarkers(testMarkers))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		n := rng.IntN(200)
		b := []byte(fakeBin("", n, ""))
		if n > len(goMarker) && rng.IntN(2) == 0 {
			m := goMarker
			if rng.IntN(2) == 0 {
				m = rustMarker
			}
			copy(b[rng.IntN(n-len(m)+1):], m)
		}
		if rng.IntN(4) == 0 && n > 3 { // a partial marker only
			copy(b[rng.IntN(n-3):], goMarker[:3])
		}
		want := bytes.Contains(b, []byte(goMarker)) || bytes.Contains(b, []byte(rustMarker))
		chunk := 1 + i%20
		if i%3 == 0 {
			chunk = 1 + rng.IntN(40)
		}
		s.reset()
		got := false
		for off := 0; off < len(b); off += chunk {
			got = s.feed(b[off:min(off+chunk, len(b))])
		}
		if got != want {
			t.Fatalf("stream %q in chunks of %d: found = %v, want %v", b, chunk, got, want)
		}
	}
}
