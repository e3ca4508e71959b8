package image

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

// TestNotKeptLinks: a kept path that leads, through a symlink or a hardlink,
// to content the walk did not keep must fail loudly with ErrNotKept, never
// look absent (fs.ErrNotExist), or a cataloger reports nothing and the scan
// passes (review: silent evasion via links).
func TestNotKeptLinks(t *testing.T) {
	t.Parallel()
	const status = "Package: hidden\n"
	osr := file("etc/os-release", "ID=debian\n")
	tests := []struct {
		name   string
		layers [][]tent
		path   string // read with every operation in ops
		ops    []string
		want   string // in the error
	}{
		{
			name:   "file symlink to an unkept file",
			layers: [][]tent{{osr, file("opt/db/status", status), symlink("var/lib/dpkg/status", "/opt/db/status")}},
			path:   "var/lib/dpkg/status", ops: []string{"open", "stat", "readfile"},
			want: `var/lib/dpkg/status is a symlink to "/opt/db/status"`,
		},
		{
			name:   "directory symlink to an unkept directory",
			layers: [][]tent{{osr, file("opt/db/status", status), symlink("var/lib/dpkg", "../../opt/db")}},
			path:   "var/lib/dpkg/status", ops: []string{"open", "stat", "readfile"},
			want: `var/lib/dpkg is a symlink to "../../opt/db"`,
		},
		{
			name:   "directory symlink, readdir below it",
			layers: [][]tent{{osr, file("opt/db/status.d/x", status), symlink("var/lib/dpkg", "../../opt/db")}},
			path:   "var/lib/dpkg/status.d", ops: []string{"readdir", "stat"},
			want: `var/lib/dpkg is a symlink`,
		},
		{
			name: "directory symlink of a lower layer, written in an upper one",
			layers: [][]tent{
				{osr, symlink("var/lib/dpkg", "/usr/lib/dpkg")},
				{file("usr/lib/dpkg/status", status)},
			},
			path: "var/lib/dpkg/status", ops: []string{"open", "stat", "readfile"},
			want: `var/lib/dpkg is a symlink to "/usr/lib/dpkg"`,
		},
		{
			name:   "hardlink to an unkept file of the same layer",
			layers: [][]tent{{osr, file("a/x", status), hardlink("var/lib/dpkg/status", "a/x")}},
			path:   "var/lib/dpkg/status", ops: []string{"open", "readfile"},
			want: `var/lib/dpkg/status is a hardlink to "a/x"`,
		},
		{
			name: "hardlink to a file of a lower layer",
			layers: [][]tent{
				{osr, file("var/lib/dpkg/status", "Package: a\n"), file("var/lib/dpkg/status-old", status)},
				{hardlink("var/lib/dpkg/status", "var/lib/dpkg/status-old")},
			},
			path: "var/lib/dpkg/status", ops: []string{"open", "readfile"},
			want: `hardlink to "var/lib/dpkg/status-old"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var o opener
			img := &Image{Name: tc.name, Source: "oci-layout"}
			for _, ents := range tc.layers {
				b := mkTar(t, ents...)
				img.Layers = append(img.Layers, o.layerOf(gz(t, b), b))
			}
			cfg := testConfig(t)
			for pass := range 2 { // walked, then from the cache
				v, err := Walk(t.Context(), img, testKeep, cfg, Observer{})
				if err != nil {
					t.Fatal(err)
				}
				fsys := v.FS(len(img.Layers) - 1)
				for _, op := range tc.ops {
					var err error
					switch op {
					case "open":
						var f fs.File
						if f, err = fsys.Open(tc.path); err == nil {
							_ = f.Close()
						}
					case "stat":
						_, err = fs.Stat(fsys, tc.path)
					case "readfile":
						_, err = fs.ReadFile(fsys, tc.path)
					case "readdir":
						_, err = fs.ReadDir(fsys, tc.path)
					}
					if !errors.Is(err, ErrNotKept) || errors.Is(err, fs.ErrNotExist) || !strings.Contains(errString(err), tc.want) {
						t.Errorf("pass %d: %s %s: err = %v, want ErrNotKept (not fs.ErrNotExist) containing %q", pass, op, tc.path, err, tc.want)
					}
				}
				// The kept file itself, and absent paths the walk covers,
				// stay what they are.
				if got := readOr(fsys, "etc/os-release"); got != "ID=debian\n" {
					t.Errorf("os-release = %q", got)
				}
				if _, err := fs.Stat(fsys, "usr/lib/os-release"); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("stat of an absent kept path: %v, want fs.ErrNotExist", err)
				}
				if err := v.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if o.n.Load() != int64(len(img.Layers)) {
				t.Errorf("opened %d times, want %d (second walk from the cache)", o.n.Load(), len(img.Layers))
			}
		})
	}
}

// TestLinksWithinKeptPaths: symlinks between paths the walk covers keep
// resolving (usrmerge, rpmdb moved to /usr, doc directories linked to
// another package's), and a missing target there is fs.ErrNotExist.
func TestLinksWithinKeptPaths(t *testing.T) {
	t.Parallel()
	b := mkTar(t,
		symlink("lib", "usr/lib"),
		symlink("etc/os-release", "../usr/lib/os-release"), file("usr/lib/os-release", "ID=debian\n"),
		symlink("var/lib/rpm", "../../usr/lib/sysimage/rpm"),
		symlink("usr/share/doc/b", "a"), file("usr/share/doc/a/copyright", "A"),
	)
	var o opener
	img := &Image{Name: "t", Source: "oci-layout", Layers: []Layer{o.layerOf(b, b)}}
	v, err := Walk(t.Context(), img, append([]string{"lib/apk/db/installed", "usr/lib/apk/db/installed"}, testKeep...), testConfig(t), Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	fsys := v.FS(0)
	if got := readOr(fsys, "etc/os-release"); got != "ID=debian\n" {
		t.Errorf("etc/os-release = %q", got)
	}
	if got := readOr(fsys, "usr/share/doc/b/copyright"); got != "A" {
		t.Errorf("usr/share/doc/b/copyright = %q", got)
	}
	for _, p := range []string{"lib/apk/db/installed", "var/lib/rpm/Packages", "var/lib/dpkg/status"} {
		if _, err := fs.Stat(fsys, p); !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrNotKept) {
			t.Errorf("stat %s: %v, want fs.ErrNotExist", p, err)
		}
	}
}
