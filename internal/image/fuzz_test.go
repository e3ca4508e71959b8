package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzWalkLayer walks arbitrary bytes as one layer: it must never panic,
// and must write nothing but its own names under the cache directory.
func FuzzWalkLayer(f *testing.F) {
	seed := []tent{
		file("etc/os-release", "ID=x\n"), symlink("usr/lib/os-release", "../../etc/os-release"),
		file("var/lib/dpkg/.wh.status", ""), file("usr/share/doc/.wh..wh..opq", ""),
		hardlink("usr/share/doc/a/copyright", "etc/os-release"), file("../x", "y"),
		exe("usr/bin/app", fakeBin(elfMagic, 300, goMarker, 200)), hardlink("bin/app", "usr/bin/app"),
		exe("usr/bin/sh", fakeBin(elfMagic, 300, "")), file("usr/bin/.wh.old", ""),
	}
	for i := range seed {
		b := mkTar(f, seed[:i+1]...)
		f.Add(b)
		f.Add(gz(f, b))
		f.Add(zst(f, b))
	}
	f.Add(rawTar(f, &tar.Header{Name: "dev/null", Typeflag: tar.TypeChar}))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := DefaultConfig()
		cfg.CacheDir = t.TempDir()
		cfg.MaxLayerBytes = 64 << 20
		cfg.MaxEntries = 10_000
		cfg.Markers = testMarkers
		cfg.Inspector = &recorder{key: "fuzz"}
		l := Layer{Digest: digestOf(data), Size: int64(len(data)), Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, err := Walk(ctx, &Image{Source: "fuzz", Layers: []Layer{l}}, testKeep, cfg, Observer{})
		if ctx.Err() != nil {
			t.Fatalf("walk took over 5s: %v", err)
		}
		if err == nil {
			var seen []seen
			if jerr := json.Unmarshal(v.Inspected(0), &seen); jerr != nil {
				t.Fatalf("inspection result: %v", jerr)
			}
			fsys := v.FS(0)
			_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					_, _ = fs.ReadFile(fsys, p)
				}
				return nil
			})
			_, _ = fs.Glob(fsys, "usr/share/doc/*/copyright")
			_, _ = fs.ReadFile(fsys, "etc/os-release")
			if err := v.Close(); err != nil {
				t.Fatal(err)
			}
		}
		_ = filepath.WalkDir(cfg.CacheDir, func(p string, d fs.DirEntry, err error) error {
			rel, _ := filepath.Rel(cfg.CacheDir, p)
			parts := strings.Split(rel, string(os.PathSeparator))
			ok := rel == "." || parts[0] == "tmp" || (parts[0] == "layers" && (len(parts) < 3 || parts[2] == "index.json" || validBlob(parts[2])))
			if !ok || len(parts) > 3 {
				t.Errorf("unexpected file in the cache: %s", rel)
			}
			return nil
		})
	})
}
