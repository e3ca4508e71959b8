package dpkg

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

const twoPackages = "Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed\nVersion: 2\n\n"

// TestNotADirectory is the regression test for a non-directory on the path
// to the database: a regular file at status.d, or var/lib replaced by a file
// in an upper layer, used to fail the whole scan with "not a directory". Like
// dpkg, the cataloger takes it as absent, in every view.
func TestNotADirectory(t *testing.T) {
	t.Parallel()
	statusDFile := layerFiles{statusFile: twoPackages, statusDir: "junk"}
	dpkgFile := layerFiles{"var/lib/dpkg": "junk"}
	tests := []struct {
		name string
		fsys func(t *testing.T) fs.FS
		want []string
	}{
		{"merged/status.d is a file", func(t *testing.T) fs.FS { return mergedFS(t, statusDFile) }, []string{"a", "b"}},
		{"os/status.d is a file", func(t *testing.T) fs.FS { return osFS(t, statusDFile) }, []string{"a", "b"}},
		{"map/status.d is a file", func(*testing.T) fs.FS { return mapFS(statusDFile) }, []string{"a", "b"}},
		{"merged/var/lib/dpkg is a file", func(t *testing.T) fs.FS { return mergedFS(t, dpkgFile) }, nil},
		{"os/var/lib/dpkg is a file", func(t *testing.T) fs.FS { return osFS(t, dpkgFile) }, nil},
		{"merged/var/lib replaced by a file", func(t *testing.T) fs.FS {
			return mergedFS(t, layerFiles{statusFile: twoPackages, statusDir + "/c": "Package: c\nVersion: 3\n"}, layerFiles{"var/lib": "x"})
		}, nil},
		{"merged/status.d replaced by a file", func(t *testing.T) fs.FS {
			return mergedFS(t, layerFiles{statusFile: twoPackages, statusDir + "/c": "Package: c\nVersion: 3\n"}, layerFiles{statusDir: "x"})
		}, []string{"a", "b"}},
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
	base := mapFS(layerFiles{statusFile: twoPackages, statusDir + "/c": "Package: c\nVersion: 3\n"})
	for _, p := range []string{statusFile, statusDir, statusDir + "/c"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			_, err := New(nil).Catalog(t.Context(), imagetest.FailFS{FS: base, Path: p, Err: errHidden})
			if !errors.Is(err, errHidden) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v, want %v naming %s", err, errHidden, p)
			}
		})
	}
}
