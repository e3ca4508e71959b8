package rpm

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
	return imagetest.Merged(t, New(t.TempDir(), nil).Globs(), layers...)
}

func osFS(t testing.TB, files layerFiles) fs.FS { return imagetest.DirFS(t, files) }

func mapFS(files layerFiles) fs.FS { return imagetest.MapFS(files) }

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
			pkgs, err := New(t.TempDir(), nil).Catalog(t.Context(), tc.fsys(t))
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
// the walk did not keep) is returned, and a database that cannot be stated
// is not replaced by the manifest.
func TestOtherErrorsPropagate(t *testing.T) {
	t.Parallel()
	errHidden := errors.New("content not kept")
	base := mapFS(layerFiles{manifest2: oneManifest})
	for _, p := range []string{"var/lib/rpm/Packages", "usr/lib/sysimage/rpm/rpmdb.sqlite", manifest2} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			pkgs, err := New(t.TempDir(), nil).Catalog(t.Context(), imagetest.FailFS{FS: base, Path: p, Err: errHidden})
			if !errors.Is(err, errHidden) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v, want %v naming %s", err, errHidden, p)
			}
			if len(pkgs) != 0 {
				t.Errorf("got %d packages, want none", len(pkgs))
			}
		})
	}
}
