package inventory_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// fakeView is a Layered over in-memory file systems, one per layer state.
type fakeView struct {
	ids     []string
	states  []fstest.MapFS
	touched [][]string
}

func (v fakeView) NumLayers() int         { return len(v.states) }
func (v fakeView) LayerID(i int) string   { return v.ids[i] }
func (v fakeView) FS(i int) fs.FS         { return v.states[i] }
func (v fakeView) Touched(i int) []string { return v.touched[i] }

// lineCataloger reads "name version" lines from db.txt; it counts its runs.
type lineCataloger struct {
	runs *int
	fail func(fsys fs.FS) bool
}

func (lineCataloger) Name() string    { return "line" }
func (lineCataloger) Globs() []string { return []string{"db.txt"} }
func (c lineCataloger) Catalog(_ context.Context, fsys fs.FS) ([]inventory.Package, error) {
	*c.runs++
	if c.fail != nil && c.fail(fsys) {
		return nil, errors.New("broken db")
	}
	b, err := fs.ReadFile(fsys, "db.txt")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []inventory.Package
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		name, ver, _ := strings.Cut(l, " ")
		out = append(out, inventory.Package{Name: name, Version: ver, Type: "deb", Path: "db.txt"})
	}
	return out, nil
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func TestCatalogAttributesLayers(t *testing.T) {
	t.Parallel()
	v := fakeView{
		ids: []string{"sha256:l0", "sha256:l1", "sha256:l2", "sha256:l3"},
		states: []fstest.MapFS{
			{"db.txt": file("a 1\nb 1")},
			{"db.txt": file("a 1\nb 1"), "other": file("x")},
			{"db.txt": file("a 1\nb 2\nc 1")},
			{"db.txt": file("a 1\nb 2\nc 1\nd 1")},
		},
		touched: [][]string{nil, {"other"}, {"db.txt"}, {"db.txt"}},
	}
	runs := 0
	got, err := inventory.Catalog(context.Background(), v, []inventory.Cataloger{lineCataloger{runs: &runs}}, &inventory.Distro{ID: "debian", VersionID: "12"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	layerOf := map[string]string{}
	for _, p := range got {
		layerOf[p.Name+"@"+p.Version] = p.Layer
		if p.PURL == "" {
			t.Errorf("%s: empty PURL", p.Name)
		}
	}
	want := map[string]string{"a@1": "sha256:l0", "b@2": "sha256:l2", "c@1": "sha256:l2", "d@1": "sha256:l3"}
	if diff := cmp.Diff(want, layerOf); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
	if runs != 3 {
		t.Errorf("cataloger ran %d times, want 3 (layer 1 did not touch db.txt)", runs)
	}
}

func TestCatalogRemovedPackageReappears(t *testing.T) {
	t.Parallel()
	v := fakeView{
		ids:     []string{"l0", "l1", "l2"},
		states:  []fstest.MapFS{{"db.txt": file("a 1")}, {}, {"db.txt": file("a 1")}},
		touched: [][]string{nil, {"db.txt"}, {"db.txt"}},
	}
	runs := 0
	got, err := inventory.Catalog(context.Background(), v, []inventory.Cataloger{lineCataloger{runs: &runs}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Layer != "l2" {
		t.Fatalf("got %+v, want a@1 from l2", got)
	}
}

func TestCatalogErrors(t *testing.T) {
	t.Parallel()
	broken := func(fsys fs.FS) bool {
		b, _ := fs.ReadFile(fsys, "db.txt")
		return string(b) == "junk"
	}
	t.Run("intermediate error only costs attribution", func(t *testing.T) {
		t.Parallel()
		v := fakeView{
			ids:     []string{"l0", "l1", "l2"},
			states:  []fstest.MapFS{{"db.txt": file("a 1")}, {"db.txt": file("junk")}, {"db.txt": file("a 1")}},
			touched: [][]string{nil, {"db.txt"}, {"db.txt"}},
		}
		runs := 0
		got, err := inventory.Catalog(context.Background(), v, []inventory.Cataloger{lineCataloger{runs: &runs, fail: broken}}, nil, nil)
		if err != nil || len(got) != 1 || got[0].Layer != "l0" {
			t.Fatalf("got %+v, %v; want a@1 from l0", got, err)
		}
	})
	t.Run("final error fails", func(t *testing.T) {
		t.Parallel()
		v := fakeView{
			ids:     []string{"l0", "l1"},
			states:  []fstest.MapFS{{"db.txt": file("a 1")}, {"db.txt": file("junk")}},
			touched: [][]string{nil, {"db.txt"}},
		}
		runs := 0
		_, err := inventory.Catalog(context.Background(), v, []inventory.Cataloger{lineCataloger{runs: &runs, fail: broken}}, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "after layer 1 (l1)") {
			t.Fatalf("err = %v, want it to name layer 1", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		runs := 0
		v := fakeView{ids: []string{"l0"}, states: []fstest.MapFS{{}}, touched: [][]string{nil}}
		if _, err := inventory.Catalog(ctx, v, []inventory.Cataloger{lineCataloger{runs: &runs}}, nil, nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestMatchGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"var/lib/dpkg/status", "var/lib/dpkg/status", true},
		{"var/lib/dpkg/status.d/*", "var/lib/dpkg/status.d/base", true},
		{"var/lib/dpkg/status.d/*", "var/lib/dpkg/status.d/a/b", false},
		{"usr/share/doc/*/copyright", "usr/share/doc/bash/copyright", true},
		{"**/package.json", "package.json", true},
		{"**/package.json", "app/node_modules/x/package.json", true},
		{"**/package.json", "app/package.json.bak", false},
		{"**/*.jar", "opt/app/lib/a.jar", true},
	}
	for _, tt := range tests {
		if got := inventory.MatchGlob(tt.pattern, tt.name); got != tt.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestPURL(t *testing.T) {
	t.Parallel()
	deb11 := &inventory.Distro{ID: "debian", VersionID: "11"}
	tests := []struct {
		name string
		p    inventory.Package
		d    *inventory.Distro
		want string
	}{
		{"deb with source", inventory.Package{Type: "deb", Name: "libssl1.1", Version: "1.1.1n-0+deb11u4", Arch: "amd64", SourceName: "openssl", SourceVersion: "1.1.1n-0+deb11u4"}, deb11,
			"pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u4?arch=amd64&distro=debian-11&upstream=openssl"},
		{"deb epoch", inventory.Package{Type: "deb", Name: "passwd", Version: "1:4.8.1-1", Arch: "amd64", SourceName: "shadow", SourceVersion: "1:4.8.1-1"}, deb11,
			"pkg:deb/debian/passwd@1:4.8.1-1?arch=amd64&distro=debian-11&upstream=shadow"},
		{"apk", inventory.Package{Type: "apk", Name: "libssl3", Version: "3.3.2-r0", Arch: "x86_64", SourceName: "openssl", SourceVersion: "3.3.2-r0"}, &inventory.Distro{ID: "alpine", VersionID: "3.20.3"},
			"pkg:apk/alpine/libssl3@3.3.2-r0?arch=x86_64&distro=alpine-3.20.3&upstream=openssl"},
		{"rpm epoch", inventory.Package{Type: "rpm", Name: "openssl-libs", Version: "1:3.3.2-1.azl3", Arch: "x86_64", SourceName: "openssl", SourceVersion: "1:3.3.2-1.azl3"}, &inventory.Distro{ID: "azurelinux", VersionID: "3.0"},
			"pkg:rpm/azurelinux/openssl-libs@3.3.2-1.azl3?arch=x86_64&distro=azurelinux-3.0&epoch=1&upstream=openssl"},
		{"no distro", inventory.Package{Type: "deb", Name: "bash", Version: "5.1-2"}, nil, "pkg:deb/debian/bash@5.1-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := inventory.PURL(tt.p, tt.d); got != tt.want {
				t.Errorf("PURL = %s\nwant   %s", got, tt.want)
			}
		})
	}
}
