package apk

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/image/imagetest"
)

// layerFiles is one layer: path -> content.
type layerFiles = imagetest.Files

// mergedFS is the walker's merged view of the layers, kept with this cataloger's globs.
func mergedFS(t testing.TB, layers ...layerFiles) fs.FS {
	t.Helper()
	return imagetest.Merged(t, New(nil).Globs(), layers...)
}

func osFS(t testing.TB, files layerFiles) fs.FS { return imagetest.DirFS(t, files) }

func mapFS(files layerFiles) fs.FS { return imagetest.MapFS(files) }

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
			_, err := New(nil).Catalog(t.Context(), imagetest.FailFS{FS: base, Path: p, Err: errHidden})
			if !errors.Is(err, errHidden) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v, want %v naming %s", err, errHidden, p)
			}
		})
	}
}
