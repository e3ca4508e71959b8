package apk

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vigil-sec/vigil/internal/image"
)

// layerFiles is one layer: path -> content, every entry a regular file.
type layerFiles map[string]string

// tarLayer packs files as an uncompressed tar layer.
func tarLayer(t testing.TB, files layerFiles) image.Layer {
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

// mergedFS walks the layers with the cataloger's globs and returns the
// image's merged view after the last layer.
func mergedFS(t testing.TB, layers ...layerFiles) fs.FS {
	t.Helper()
	img := &image.Image{Name: "test", Source: "registry"}
	for _, l := range layers {
		img.Layers = append(img.Layers, tarLayer(t, l))
	}
	cfg := image.DefaultConfig()
	cfg.CacheDir = t.TempDir()
	v, err := image.Walk(t.Context(), img, New(nil).Globs(), cfg, image.Observer{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v.FS(v.NumLayers() - 1)
}

// osFS writes files under a temporary directory and returns os.DirFS of it.
func osFS(t testing.TB, files layerFiles) fs.FS {
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

func mapFS(files layerFiles) fs.FS {
	m := fstest.MapFS{}
	for n, c := range files {
		m[n] = &fstest.MapFile{Data: []byte(c)}
	}
	return m
}

const onePackage = "P:a\nV:1-r0\nA:x86_64\n\n"

// TestNotADirectory is the regression test for a non-directory on the path
// to the database (lib/apk/db a file, or lib replaced by a file in an upper
// layer): like apk, the cataloger takes it as absent, in every view.
func TestNotADirectory(t *testing.T) {
	t.Parallel()
	v3File := layerFiles{"usr/lib/apk/db": "junk", installedV2: onePackage}
	v2File := layerFiles{"lib/apk/db": "junk"}
	tests := []struct {
		name string
		fsys func(t *testing.T) fs.FS
		want []string
	}{
		{"merged/usr/lib/apk/db is a file", func(t *testing.T) fs.FS { return mergedFS(t, v3File) }, []string{"a"}},
		{"os/usr/lib/apk/db is a file", func(t *testing.T) fs.FS { return osFS(t, v3File) }, []string{"a"}},
		{"map/usr/lib/apk/db is a file", func(*testing.T) fs.FS { return mapFS(v3File) }, []string{"a"}},
		{"merged/lib/apk/db is a file", func(t *testing.T) fs.FS { return mergedFS(t, v2File) }, nil},
		{"os/lib/apk/db is a file", func(t *testing.T) fs.FS { return osFS(t, v2File) }, nil},
		{"merged/lib replaced by a file", func(t *testing.T) fs.FS {
			return mergedFS(t, layerFiles{installedV2: onePackage}, layerFiles{"lib": "x"})
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pkgs, err := New(nil).Catalog(t.Context(), tc.fsys(t))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// failFS fails Stat and ReadDir of one path with err.
type failFS struct {
	fs.FS
	path string
	err  error
}

func (f failFS) Stat(name string) (fs.FileInfo, error) {
	if name == f.path {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: f.err}
	}
	return fs.Stat(f.FS, name)
}

func (f failFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == f.path {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: f.err}
	}
	return fs.ReadDir(f.FS, name)
}

// TestOtherErrorsPropagate checks that only "does not exist" and "not a
// directory" count as no database: any other error (such as a link to content
// the walk did not keep) fails the catalog.
func TestOtherErrorsPropagate(t *testing.T) {
	t.Parallel()
	errHidden := errors.New("content not kept")
	base := mapFS(layerFiles{installedV2: onePackage})
	for _, p := range []string{installedV3, installedV2} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			_, err := New(nil).Catalog(t.Context(), failFS{base, p, errHidden})
			if !errors.Is(err, errHidden) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v, want %v naming %s", err, errHidden, p)
			}
		})
	}
}
