package rpm

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
	v, err := image.Walk(t.Context(), img, New(t.TempDir()).Globs(), cfg, image.Observer{})
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

const oneManifest = "bash\t5.2.15-3.azl3\t1730000001\t1729000001\tMicrosoft Corporation\t(none)\t8417925\tx86_64\t0\tbash-5.2.15-3.azl3.src.rpm\n"

// TestNotADirectory is the regression test for a non-directory on the path
// to a database (var/lib/rpm a file, or var/lib replaced by a file in an upper
// layer): like rpm, the cataloger takes it as absent, in every view.
func TestNotADirectory(t *testing.T) {
	t.Parallel()
	dbDirFile := layerFiles{"var/lib/rpm": "junk", manifest2: oneManifest}
	manifestDirFile := layerFiles{manifestDir: "junk"}
	tests := []struct {
		name string
		fsys func(t *testing.T) fs.FS
		want []string
	}{
		{"merged/var/lib/rpm is a file", func(t *testing.T) fs.FS { return mergedFS(t, dbDirFile) }, []string{"bash"}},
		{"os/var/lib/rpm is a file", func(t *testing.T) fs.FS { return osFS(t, dbDirFile) }, []string{"bash"}},
		{"map/var/lib/rpm is a file", func(*testing.T) fs.FS { return mapFS(dbDirFile) }, []string{"bash"}},
		{"merged/manifest dir is a file", func(t *testing.T) fs.FS { return mergedFS(t, manifestDirFile) }, nil},
		{"os/manifest dir is a file", func(t *testing.T) fs.FS { return osFS(t, manifestDirFile) }, nil},
		{"merged/var/lib replaced by a file", func(t *testing.T) fs.FS {
			return mergedFS(t, layerFiles{manifest2: oneManifest}, layerFiles{"var/lib": "x"})
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pkgs, err := New(t.TempDir()).Catalog(t.Context(), tc.fsys(t))
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
// the walk did not keep) is returned, and a database that cannot be stated
// is not replaced by the manifest.
func TestOtherErrorsPropagate(t *testing.T) {
	t.Parallel()
	errHidden := errors.New("content not kept")
	base := mapFS(layerFiles{manifest2: oneManifest})
	for _, p := range []string{"var/lib/rpm/Packages", "usr/lib/sysimage/rpm/rpmdb.sqlite", manifest2} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			pkgs, err := New(t.TempDir()).Catalog(t.Context(), failFS{base, p, errHidden})
			if !errors.Is(err, errHidden) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v, want %v naming %s", err, errHidden, p)
			}
			if len(pkgs) != 0 {
				t.Errorf("got %d packages, want none", len(pkgs))
			}
		})
	}
}
