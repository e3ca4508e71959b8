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
		{"golang", inventory.Package{Type: "golang", Name: "golang.org/x/net", Version: "v0.7.0"}, deb11, "pkg:golang/golang.org/x/net@v0.7.0"},
		{"golang stdlib", inventory.Package{Type: "golang", Name: "stdlib", Version: "v1.22.3"}, deb11, "pkg:golang/stdlib@v1.22.3"},
		{"npm scoped", inventory.Package{Type: "npm", Name: "@babel/core", Version: "7.0.0"}, nil, "pkg:npm/%40babel/core@7.0.0"},
		{"npm", inventory.Package{Type: "npm", Name: "lodash", Version: "4.17.15"}, nil, "pkg:npm/lodash@4.17.15"},
		{"maven", inventory.Package{Type: "maven", Name: "com.fasterxml.jackson.core:jackson-databind", Version: "2.12.1"}, nil,
			"pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.12.1"},
		{"pypi", inventory.Package{Type: "pypi", Name: "Typing_Extensions", Version: "4.0.0"}, deb11, "pkg:pypi/typing-extensions@4.0.0"},
		{"composer", inventory.Package{Type: "composer", Name: "symfony/http-kernel", Version: "5.4.1"}, nil, "pkg:composer/symfony/http-kernel@5.4.1"},
		{"nuget", inventory.Package{Type: "nuget", Name: "Newtonsoft.Json", Version: "12.0.1"}, nil, "pkg:nuget/Newtonsoft.Json@12.0.1"},
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

// listCataloger returns fixed packages whose path is in the file system.
type listCataloger struct {
	name  string
	pkgs  []inventory.Package
	globs []string
}

func (c listCataloger) Name() string    { return c.name }
func (c listCataloger) Globs() []string { return c.globs }
func (c listCataloger) Catalog(_ context.Context, fsys fs.FS) ([]inventory.Package, error) {
	var out []inventory.Package
	for _, p := range c.pkgs {
		file, _, _ := strings.Cut(p.Path, "!/")
		if _, err := fs.Stat(fsys, file); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// TestCatalogOwnershipAndMerge: language packages in files an OS package
// installed are owned by it; one language package found in several files
// (and layers) is one package with every location; an owned copy and an
// unowned copy of the same version stay apart.
func TestCatalogOwnershipAndMerge(t *testing.T) {
	t.Parallel()
	egg := "usr/lib/python3/dist-packages/urllib3-1.26.5.egg-info/PKG-INFO"
	jar := "usr/share/java/jackson-databind.jar"
	base := fstest.MapFS{"var/lib/dpkg/status": file("x"), egg: file("x"), jar: file("x"), "usr/bin/tool": file("x")}
	app := fstest.MapFS{"app/package-lock.json": file("x"), "app/node_modules/lodash/package.json": file("x"), "app/lib/jackson-databind-2.12.1.jar": file("x"), "app/app.war": file("x")}
	top := fstest.MapFS{}
	for k, v := range base {
		top[k] = v
	}
	for k, v := range app {
		top[k] = v
	}
	v := fakeView{
		ids:     []string{"sha256:l0", "sha256:l1"},
		states:  []fstest.MapFS{base, top},
		touched: [][]string{nil, {"app/package-lock.json", "app/node_modules/lodash/package.json", "app/lib/jackson-databind-2.12.1.jar", "app/app.war"}},
	}
	os := listCataloger{name: "os", globs: []string{"var/lib/dpkg/status"}, pkgs: []inventory.Package{
		{Type: "deb", Name: "python3-urllib3", Version: "1.26.5-1~exp1", Path: "var/lib/dpkg/status", Files: []string{"usr/lib/python3/dist-packages", egg}},
		{Type: "deb", Name: "libjackson2-databind-java", Version: "2.12.1-1", Path: "var/lib/dpkg/status", Files: []string{jar}},
		{Type: "deb", Name: "golang-tool", Version: "1.0-1", Path: "var/lib/dpkg/status", Files: []string{"bin/tool"}},
	}}
	lang := listCataloger{name: "lang", globs: []string{"**/*"}, pkgs: []inventory.Package{
		{Type: "pypi", Name: "urllib3", Version: "1.26.5", Path: egg},
		{Type: "golang", Name: "stdlib", Version: "v1.19.8", Path: "usr/bin/tool"},
		{Type: "maven", Name: "com.fasterxml.jackson.core:jackson-databind", Version: "2.12.1", Path: jar},
		{Type: "maven", Name: "com.fasterxml.jackson.core:jackson-databind", Version: "2.12.1", Path: "app/lib/jackson-databind-2.12.1.jar"},
		{Type: "maven", Name: "com.fasterxml.jackson.core:jackson-databind", Version: "2.12.1", Path: "app/app.war!/WEB-INF/lib/jackson-databind-2.12.1.jar", Licenses: []string{"Apache-2.0"}},
		{Type: "npm", Name: "lodash", Version: "4.17.15", Path: "app/package-lock.json"},
		{Type: "npm", Name: "lodash", Version: "4.17.15", Path: "app/node_modules/lodash/package.json", Licenses: []string{"MIT"}},
	}}
	got, err := inventory.Catalog(context.Background(), v, []inventory.Cataloger{os, lang}, &inventory.Distro{ID: "debian", VersionID: "11"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Type, Name, Layer, Path, OwnedBy string
		Locations                        []inventory.Location
		Licenses                         []string
		Files                            []string
	}
	var rows []row
	for _, p := range got {
		rows = append(rows, row{p.Type, p.Name, p.Layer, p.Path, p.OwnedBy, p.Locations, p.Licenses, p.Files})
	}
	want := []row{
		{"deb", "golang-tool", "sha256:l0", "var/lib/dpkg/status", "", nil, nil, nil},
		{"deb", "libjackson2-databind-java", "sha256:l0", "var/lib/dpkg/status", "", nil, nil, nil},
		{"deb", "python3-urllib3", "sha256:l0", "var/lib/dpkg/status", "", nil, nil, nil},
		{"golang", "stdlib", "sha256:l0", "usr/bin/tool", "pkg:deb/debian/golang-tool@1.0-1?distro=debian-11", nil, nil, nil},
		{"maven", "com.fasterxml.jackson.core:jackson-databind", "sha256:l0", jar, "pkg:deb/debian/libjackson2-databind-java@2.12.1-1?distro=debian-11", nil, nil, nil},
		{"maven", "com.fasterxml.jackson.core:jackson-databind", "sha256:l1", "app/app.war!/WEB-INF/lib/jackson-databind-2.12.1.jar", "", []inventory.Location{
			{Layer: "sha256:l1", Path: "app/app.war!/WEB-INF/lib/jackson-databind-2.12.1.jar"},
			{Layer: "sha256:l1", Path: "app/lib/jackson-databind-2.12.1.jar"},
		}, []string{"Apache-2.0"}, nil},
		{"npm", "lodash", "sha256:l1", "app/node_modules/lodash/package.json", "", []inventory.Location{
			{Layer: "sha256:l1", Path: "app/node_modules/lodash/package.json"},
			{Layer: "sha256:l1", Path: "app/package-lock.json"},
		}, []string{"MIT"}, nil},
		{"pypi", "urllib3", "sha256:l0", egg, "pkg:deb/debian/python3-urllib3@1.26.5-1~exp1?distro=debian-11", nil, nil, nil},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

// TestCatalogMergeNormalizesNames: PEP 503 makes PyYAML and pyyaml one
// package; Go main modules built from working trees ("(devel)") are never
// merged.
func TestCatalogMergeNormalizesNames(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"a/METADATA": file("x"), "poetry.lock": file("x")}
	v := fakeView{ids: []string{"sha256:l0"}, states: []fstest.MapFS{fsys}, touched: [][]string{nil}}
	lang := listCataloger{name: "lang", globs: []string{"**/*"}, pkgs: []inventory.Package{
		{Type: "pypi", Name: "PyYAML", Version: "5.3", Path: "a/METADATA"},
		{Type: "pypi", Name: "pyyaml", Version: "5.3", Path: "poetry.lock"},
		{Type: "pypi", Name: "pyyaml", Version: "5.4", Path: "poetry.lock"},
		{Type: "golang", Name: "example.com/app", Version: "(devel)", Path: "a/METADATA"},
		{Type: "golang", Name: "example.com/app", Version: "(devel)", Path: "poetry.lock"},
	}}
	got, err := inventory.Catalog(context.Background(), v, []inventory.Cataloger{lang}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].Type != "golang" || got[1].Type != "golang" || got[0].Locations != nil ||
		len(got[2].Locations) != 2 || got[2].Name != "PyYAML" || got[3].Version != "5.4" {
		t.Errorf("got %+v", got)
	}
}

// contentCataloger is a ContentCataloger with no globs.
type contentCataloger struct{ runs *int }

func (contentCataloger) Name() string      { return "content" }
func (contentCataloger) Globs() []string   { return nil }
func (contentCataloger) Markers() [][]byte { return [][]byte{[]byte("m")} }
func (c contentCataloger) Catalog(context.Context, fs.FS) ([]inventory.Package, error) {
	*c.runs++
	return nil, nil
}

// TestCatalogContentCataloger: a cataloger that finds files by content runs
// after every layer that touched a kept file, and not after one that
// touched none.
func TestCatalogContentCataloger(t *testing.T) {
	t.Parallel()
	v := fakeView{
		ids:     []string{"sha256:l0", "sha256:l1", "sha256:l2"},
		states:  []fstest.MapFS{{}, {}, {}},
		touched: [][]string{nil, {"usr/bin/app"}, {}},
	}
	runs := 0
	if _, err := inventory.Catalog(context.Background(), v, []inventory.Cataloger{contentCataloger{&runs}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("ran %d times, want 2 (layer 0 and layer 1)", runs)
	}
}
