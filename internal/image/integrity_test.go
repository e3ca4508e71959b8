package image

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMaxKeptBytes: many kept files, each under MaxFileBytes, must not fill
// the disk; the refused layer leaves no temporary file (review: disk bomb).
func TestMaxKeptBytes(t *testing.T) {
	t.Parallel()
	var ents []tent
	for i := range 8 {
		ents = append(ents, file(fmt.Sprintf("var/lib/dpkg/status.d/f%d", i), strings.Repeat("x", 1024)))
	}
	cfg := testConfig(t)
	cfg.MaxKeptBytes = 4096
	img := &Image{Name: "bomb", Source: "oci-layout", Layers: []Layer{tarLayer(t, ents...)}}
	_, err := Walk(t.Context(), img, testKeep, cfg, Observer{})
	var le *LayerError
	if !errors.As(err, &le) || le.Reason != "kept files too large in total" || le.Path != "var/lib/dpkg/status.d/f4" {
		t.Fatalf("err = %v, want a *LayerError for f4, kept files too large in total", err)
	}
	for _, d := range []string{"tmp", "layers"} {
		if left, _ := os.ReadDir(filepath.Join(cfg.CacheDir, d)); len(left) != 0 {
			t.Errorf("%s not empty after refusal: %v", d, left)
		}
	}
	cfg.MaxKeptBytes = 8192
	v, err := Walk(t.Context(), img, testKeep, cfg, Observer{})
	if err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	_ = v.Close()
	bad := cfg
	bad.MaxKeptBytes = 0
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "MaxKeptBytes") {
		t.Errorf("Validate with MaxKeptBytes 0: %v", err)
	}
}

// TestDiffIDVerified: with Digest set, the uncompressed stream must still
// match the config's DiffID, when walked, when cached and when the same blob
// appears twice in one image (review: unverified diff ID).
func TestDiffIDVerified(t *testing.T) {
	t.Parallel()
	tb := mkTar(t, file("etc/os-release", "ID=debian\n"))
	blob := gz(t, tb)
	wrong := "sha256:" + strings.Repeat("0", 64)
	good := func(o *opener) Layer { return o.layerOf(blob, tb) }
	lying := func(o *opener) Layer { l := o.layerOf(blob, tb); l.DiffID = wrong; return l }
	noDiff := func(o *opener) Layer { l := o.layerOf(blob, tb); l.DiffID = ""; return l }
	tests := []struct {
		name     string
		prime    func(*opener) Layer // walked first into the same cache, if set
		layers   []func(*opener) Layer
		wantErr  bool
		wantOpen int64
	}{
		{name: "walked, wrong diff ID", layers: []func(*opener) Layer{lying}, wantErr: true, wantOpen: 1},
		{name: "walked, no diff ID", layers: []func(*opener) Layer{noDiff}, wantOpen: 1},
		{name: "cached, wrong diff ID", prime: good, layers: []func(*opener) Layer{lying}, wantErr: true},
		{name: "cached, right diff ID", prime: noDiff, layers: []func(*opener) Layer{good}},
		{name: "same blob twice, second lies", layers: []func(*opener) Layer{good, lying}, wantErr: true, wantOpen: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t)
			if tc.prime != nil {
				var o opener
				v, err := Walk(t.Context(), &Image{Name: "prime", Source: "oci-layout", Layers: []Layer{tc.prime(&o)}}, testKeep, cfg, Observer{})
				if err != nil {
					t.Fatal(err)
				}
				_ = v.Close()
			}
			var o opener
			img := &Image{Name: tc.name, Source: "oci-layout"}
			for _, l := range tc.layers {
				img.Layers = append(img.Layers, l(&o))
			}
			v, err := Walk(t.Context(), img, testKeep, cfg, Observer{})
			var le *LayerError
			switch {
			case tc.wantErr && (!errors.As(err, &le) || le.Reason != "diff ID mismatch" || !strings.Contains(err.Error(), wrong)):
				t.Errorf("err = %v, want a *LayerError diff ID mismatch naming %s", err, wrong)
			case !tc.wantErr && err != nil:
				t.Errorf("err = %v", err)
			case err == nil:
				_ = v.Close()
			}
			if o.n.Load() != tc.wantOpen {
				t.Errorf("opened %d times, want %d", o.n.Load(), tc.wantOpen)
			}
		})
	}
}

// TestCacheKeyDigestKind: the same digest verified over the blob and over
// the uncompressed tar names two cache entries (review: a key with two
// meanings); an index of one kind is not loaded as the other.
func TestCacheKeyDigestKind(t *testing.T) {
	t.Parallel()
	d := "sha256:" + strings.Repeat("a", 64)
	if cacheKey(d, true, cacheSpec{keep: testKeep}) == cacheKey(d, false, cacheSpec{keep: testKeep}) {
		t.Fatal("blob and diff digests share a cache key")
	}
	tb := mkTar(t, file("etc/os-release", "ID=debian\n"))
	cfg := testConfig(t)
	var o opener
	raw := o.layerOf(tb, tb) // uncompressed: Digest == DiffID
	diff := raw
	diff.Digest = ""
	for _, l := range []Layer{raw, diff, raw, diff} {
		v, err := Walk(t.Context(), &Image{Name: "k", Source: "oci-layout", Layers: []Layer{l}}, testKeep, cfg, Observer{})
		if err != nil {
			t.Fatal(err)
		}
		if got := readOr(v.FS(0), "etc/os-release"); got != "ID=debian\n" {
			t.Errorf("os-release = %q", got)
		}
		_ = v.Close()
	}
	if o.n.Load() != 2 {
		t.Errorf("opened %d times, want 2 (one per digest kind, then cached)", o.n.Load())
	}
	keep := slices.Sorted(slices.Values(testKeep)) // as Walk keys it
	dir := filepath.Join(cfg.CacheDir, "layers", cacheKey(raw.Digest, true, cacheSpec{keep: keep}))
	if _, err := loadCached(dir, raw.Digest, true, cacheSpec{keep: keep}); err != nil {
		t.Fatalf("blob entry: %v", err)
	}
	if _, err := loadCached(dir, raw.Digest, false, cacheSpec{keep: keep}); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("blob entry loaded as a diff entry: %v", err)
	}
}

// TestWhiteoutAbsoluteDotDot: an absolute whiteout path with ".." that stays
// inside the root is applied, and the log says so (review: the log said
// "ignored").
func TestWhiteoutAbsoluteDotDot(t *testing.T) {
	t.Parallel()
	l0 := tarLayer(t, file("var/lib/dpkg/status", "Package: a\n"))
	l1 := tarLayer(t, file("/var/lib/dpkg/../dpkg/.wh.status", ""))
	var logs logBuf
	v, err := Walk(t.Context(), &Image{Name: "wh", Source: "oci-layout", Layers: []Layer{l0, l1}}, testKeep, testConfig(t), Observer{Log: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := fs.Stat(v.FS(1), "var/lib/dpkg/status"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("whited-out status: %v, want fs.ErrNotExist", err)
	}
	if log := logs.String(); strings.Contains(log, "ignored") || !strings.Contains(log, "absolute whiteout path made relative") {
		t.Errorf("log = %s", log)
	}
}
