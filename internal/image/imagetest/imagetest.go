// Package imagetest builds small in-memory images and file views for the
// tests of packages that read images (catalogers, scan): a layer from a map
// of files, the merged view the real walker makes of several layers, and the
// same files as a directory or a MapFS, so that one test can check every view.
package imagetest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vigil-sec/vigil/internal/image"
)

// Files is one layer's content: slash-separated path -> file content, every
// entry a regular file.
type Files map[string]string

// Layer packs files as an uncompressed tar layer, in path order.
func Layer(t testing.TB, files Files) image.Layer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		h := &tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[n])), ModTime: time.Unix(1700000000, 0)}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, files[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	blob := b.Bytes()
	s := sha256.Sum256(blob)
	d := "sha256:" + hex.EncodeToString(s[:])
	return image.Layer{Digest: d, DiffID: d, Size: int64(len(blob)),
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(blob)), nil }}
}

// Merged walks the layers with the real walker, keeping what keep matches,
// and returns the merged view after the last layer.
func Merged(t testing.TB, keep []string, layers ...Files) fs.FS {
	t.Helper()
	img := &image.Image{Name: "test", Source: "registry"}
	for _, l := range layers {
		img.Layers = append(img.Layers, Layer(t, l))
	}
	cfg := image.DefaultConfig()
	cfg.CacheDir = t.TempDir()
	v, err := image.Walk(context.Background(), img, keep, cfg, image.Observer{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v.FS(v.NumLayers() - 1)
}

// DirFS writes files under a temporary directory and returns os.DirFS of it.
func DirFS(t testing.TB, files Files) fs.FS {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return os.DirFS(dir)
}

// MapFS returns files as an fstest.MapFS.
func MapFS(files Files) fs.FS {
	m := fstest.MapFS{}
	for n, c := range files {
		m[n] = &fstest.MapFile{Data: []byte(c)}
	}
	return m
}

// FailFS wraps an fs.FS so that Stat and ReadDir of one path fail with Err,
// for tests that an error other than "not there" reaches the caller.
type FailFS struct {
	fs.FS
	Path string
	Err  error
}

// Stat fails for Path, else stats the wrapped file system.
func (f FailFS) Stat(name string) (fs.FileInfo, error) {
	if name == f.Path {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: f.Err}
	}
	return fs.Stat(f.FS, name)
}

// ReadDir fails for Path, else reads the wrapped file system.
func (f FailFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == f.Path {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: f.Err}
	}
	return fs.ReadDir(f.FS, name)
}
