package source

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vigil-sec/vigil/internal/image"
)

// testImage is a random image of n gzip layers of about size bytes each, for
// the platform os/arch/variant.
func testImage(t testing.TB, n int, size int64, plat string) v1.Image {
	t.Helper()
	img, err := random.Image(size, int64(n))
	if err != nil {
		t.Fatal(err)
	}
	p, err := v1.ParsePlatform(plat)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// testIndex is a multi-platform index of one small image per platform.
func testIndex(t testing.TB, plats ...string) (v1.ImageIndex, map[string]v1.Hash) {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	digests := map[string]v1.Hash{}
	for _, ps := range plats {
		img := testImage(t, 2, 512, ps)
		p, _ := v1.ParsePlatform(ps)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: p}})
		digests[ps] = mustDigest(t, img)
	}
	return idx, digests
}

func mustDigest(t testing.TB, img interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// wantLayers describes img's layers as a source that knows their digests would.
func wantLayers(t testing.TB, img v1.Image) []image.Layer {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var out []image.Layer
	for _, l := range ls {
		d, _ := l.Digest()
		di, _ := l.DiffID()
		sz, _ := l.Size()
		mt, _ := l.MediaType()
		out = append(out, image.Layer{Digest: d.String(), DiffID: di.String(), Size: sz, MediaType: string(mt)})
	}
	return out
}

// layerFields drops Open so layers compare with cmp.
func layerFields(ls []image.Layer) []image.Layer {
	out := make([]image.Layer, len(ls))
	for i, l := range ls {
		l.Open = nil
		out[i] = l
	}
	return out
}

func diffLayers(t *testing.T, got, want []image.Layer) {
	t.Helper()
	if d := cmp.Diff(layerFields(want), layerFields(got)); d != "" {
		t.Errorf("layers (-want +got):\n%s", d)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// checkOpen opens every layer concurrently and checks the bytes: their
// sha256 is Digest, or, when Digest is empty, the sha256 of the decompressed
// stream is DiffID.
func checkOpen(t *testing.T, img *image.Image) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]string, len(img.Layers))
	for i, l := range img.Layers {
		wg.Go(func() {
			rc, err := l.Open(context.Background())
			if err != nil {
				errs[i] = err.Error()
				return
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				errs[i] = err.Error()
				return
			}
			if int64(len(b)) != l.Size && l.Size >= 0 {
				errs[i] = "size mismatch"
				return
			}
			if l.Digest != "" {
				if got := sha(b); got != l.Digest {
					errs[i] = "digest " + got + " want " + l.Digest
				}
				return
			}
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				errs[i] = "empty digest on a layer that is not gzip: " + err.Error()
				return
			}
			u, err := io.ReadAll(zr)
			if err != nil {
				errs[i] = err.Error()
				return
			}
			if got := sha(u); got != l.DiffID {
				errs[i] = "diffID " + got + " want " + l.DiffID
			}
		})
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("layer %d: %s", i, e)
		}
	}
}

// writeLayout writes an OCI layout holding idx's manifests.
func writeLayout(t testing.TB, idx v1.ImageIndex) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := layout.Write(dir, idx); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tarEntrySpec is one file of a hand-built archive.
type tarEntrySpec struct {
	name, link string
	typ        byte
	body       []byte
	size       int64 // when body is nil and size > 0: a sparse hole of that size
}

// writeTar writes a tar file from specs and returns its path.
func writeTar(t testing.TB, specs []tarEntrySpec) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "image.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, s := range specs {
		typ := s.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		size := int64(len(s.body))
		if s.body == nil && s.size > 0 {
			size = s.size
		}
		if typ != tar.TypeReg {
			size = 0
		}
		if err := tw.WriteHeader(&tar.Header{Name: s.name, Linkname: s.link, Typeflag: typ, Size: size, Mode: 0o644}); err != nil {
			t.Fatal(err)
		}
		if s.body != nil {
			if _, err := tw.Write(s.body); err != nil {
				t.Fatal(err)
			}
		} else if size > 0 {
			// A hole: seek past it so the file stays sparse (the header
			// is already written; a fresh writer continues after it).
			pos, _ := f.Seek(0, io.SeekCurrent)
			if _, err := f.Seek(pos+size+(512-size%512)%512, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			tw = tar.NewWriter(f)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// tarDir tars the directory dir into a file, as `tar -C dir -cf out .` would.
func tarDir(t testing.TB, dir string) string {
	t.Helper()
	var specs []tarEntrySpec
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		specs = append(specs, tarEntrySpec{name: "./" + filepath.ToSlash(rel), body: b})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return writeTar(t, specs)
}

// countingFile counts the bytes read from a file.
type countingFile struct {
	*os.File
	n atomic.Int64
}

func (c *countingFile) Read(p []byte) (int, error) {
	n, err := c.File.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.File.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// resolveCounting resolves the archive at path and reports how many bytes
// Resolve read from it.
func resolveCounting(t testing.TB, path, plat string) (*image.Image, int64, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	p, err := parsePlatform(plat)
	if err != nil {
		t.Fatal(err)
	}
	cf := &countingFile{File: f}
	img, err := resolveArchiveFrom(context.Background(), cf, archiveFile{path: path, info: fi}, path, "", p)
	return img, cf.n.Load(), err
}
