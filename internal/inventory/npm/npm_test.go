package npm

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/image/imagetest"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// tree is an image's files: lock files in several projects, installed
// packages at several depths, files the globs must not keep, and one broken
// lock file that must cost only itself.
func tree(t testing.TB) imagetest.Files {
	return imagetest.Files{
		"app/package.json":                                                      `{"name":"app","version":"1.0.0"}`,
		"app/package-lock.json":                                                 string(readFixture(t, "lock-v3.json")),
		"app/node_modules/.package-lock.json":                                   `{"lockfileVersion":3,"packages":{"node_modules/lodash":{"version":"4.17.15"}}}`,
		"app/node_modules/lodash/package.json":                                  `{"name":"lodash","version":"4.17.15","license":"MIT"}`,
		"app/node_modules/lodash/lib/package.json":                              `{"name":"not-kept","version":"1.0.0"}`,
		"app/node_modules/@babel/code-frame/package.json":                       `{"name":"@babel/code-frame","version":"7.12.13","license":"MIT"}`,
		"app/node_modules/chalk/node_modules/ansi-styles/package.json":          `{"name":"ansi-styles","version":"3.2.1","licenses":[{"type":"MIT"}]}`,
		"app/node_modules/.bin/package.json":                                    `{"name":"not-a-package","version":"1.0.0"}`,
		"app/node_modules/pub/package-lock.json":                                `{"lockfileVersion":1,"dependencies":{"tiny":{"version":"0.0.1"}}}`,
		"app/node_modules/pub/package.json":                                     `{"name":"pub","version":"2.0.0"}`,
		"pn/node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/package.json": `{"name":"lodash","version":"4.17.21"}`,
		"pn/pnpm-lock.yaml":                                                     string(readFixture(t, "pnpm-v9.yaml")),
		"usr/lib/node_modules/npm/package.json":                                 `{"name":"npm","version":"10.8.2","license":"Artistic-2.0"}`,
		"usr/lib/node_modules/npm/node_modules/semver/package.json":             `{"name":"semver","version":"7.6.3","license":"ISC"}`,
		"web/yarn.lock":                   string(readFixture(t, "yarn-berry.lock")),
		"web1/yarn.lock":                  "lodash@^4:\n  version \"4.17.21\"\n",
		"bad/package-lock.json":           `{"packages":`,
		"bad/node_modules/x/package.json": "\x00\x01",
		"other/package.json.bak":          `{}`,
	}
}

// treeWant is what tree holds, by file: "name@version".
var treeWant = map[string][]string{
	"app/package-lock.json":                                                 fixtureApp,
	"app/node_modules/.package-lock.json":                                   {"lodash@4.17.15"},
	"app/node_modules/lodash/package.json":                                  {"lodash@4.17.15"},
	"app/node_modules/@babel/code-frame/package.json":                       {"@babel/code-frame@7.12.13"},
	"app/node_modules/chalk/node_modules/ansi-styles/package.json":          {"ansi-styles@3.2.1"},
	"app/node_modules/pub/package-lock.json":                                {"tiny@0.0.1"},
	"app/node_modules/pub/package.json":                                     {"pub@2.0.0"},
	"pn/node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/package.json": {"lodash@4.17.21"},
	"pn/pnpm-lock.yaml":                                                     {"@babel/core@7.22.5", "lodash@4.17.15", "string-width@4.2.3", "supports-color@8.1.1"},
	"usr/lib/node_modules/npm/package.json":                                 {"npm@10.8.2"},
	"usr/lib/node_modules/npm/node_modules/semver/package.json":             {"semver@7.6.3"},
	"web/yarn.lock":  {"@babel/code-frame@7.12.13", "lodash@4.17.21", "resolve@1.22.1", "string-width@4.2.3", "typescript@5.0.4"},
	"web1/yarn.lock": {"lodash@4.17.21"},
}

// byFile groups packages by Path.
func byFile(pkgs []inventory.Package) map[string][]string {
	m := map[string][]string{}
	for _, p := range pkgs {
		m[p.Path] = append(m[p.Path], p.Name+"@"+p.Version)
	}
	for _, v := range m {
		slices.Sort(v)
	}
	return m
}

func TestCatalogTree(t *testing.T) {
	t.Parallel()
	files := tree(t)
	views := []struct {
		name string
		fsys func(t *testing.T) fs.FS
	}{
		{"map", func(*testing.T) fs.FS { return imagetest.MapFS(files) }},
		{"dir", func(t *testing.T) fs.FS { return imagetest.DirFS(t, files) }},
		{"merged image view", func(t *testing.T) fs.FS { return imagetest.Merged(t, New(nil).Globs(), files) }},
	}
	for _, v := range views {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			log, buf := capture()
			pkgs, err := New(log).Catalog(t.Context(), v.fsys(t))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.IsSortedFunc(pkgs, func(a, b inventory.Package) int { return inventory.ComparePackages(&a, &b) }) {
				t.Error("not sorted")
			}
			if diff := cmp.Diff(treeWant, byFile(pkgs)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if count(buf, slog.LevelWarn, "skipped file") != 2 || count(buf, slog.LevelWarn, "bad/package-lock.json") != 1 ||
				count(buf, slog.LevelWarn, "bad/node_modules/x/package.json") != 1 {
				t.Errorf("want one warning for each broken file:\n%s", buf)
			}
			for _, p := range pkgs {
				if p.Path == "usr/lib/node_modules/npm/package.json" {
					want := inventory.Package{Name: "npm", Version: "10.8.2", Type: "npm", Path: p.Path, Licenses: []string{"Artistic-2.0"}}
					if diff := cmp.Diff(want, p); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				}
			}
		})
	}
}

// TestGlobs checks that the globs keep exactly the files Catalog reads.
func TestGlobs(t *testing.T) {
	t.Parallel()
	var kept []string
	for p := range tree(t) {
		if wanted(p) {
			kept = append(kept, p)
		}
	}
	slices.Sort(kept)
	want := slices.Sorted(maps.Keys(treeWant))
	want = append(want, "app/node_modules/.bin/package.json", "bad/node_modules/x/package.json", "bad/package-lock.json")
	slices.Sort(want)
	if diff := cmp.Diff(want, kept); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	for _, p := range kept {
		if !slices.ContainsFunc(New(nil).Globs(), func(g string) bool { return inventory.MatchGlob(g, p) }) {
			t.Errorf("%s: Globs do not match it", p)
		}
	}
}

func TestCatalogLimits(t *testing.T) {
	t.Parallel()
	files := imagetest.MapFS(tree(t))
	run := func(t *testing.T, mod func(*Config)) ([]inventory.Package, *testenv.LogRecorder) {
		t.Helper()
		cfg := DefaultConfig()
		mod(&cfg)
		log, buf := capture()
		c, err := NewWithConfig(cfg, log)
		if err != nil {
			t.Fatal(err)
		}
		pkgs, err := c.Catalog(t.Context(), files)
		if err != nil {
			t.Fatal(err)
		}
		return pkgs, buf
	}
	t.Run("lock size", func(t *testing.T) {
		t.Parallel()
		pkgs, buf := run(t, func(c *Config) { c.MaxLockSize = 4096 })
		got := byFile(pkgs)
		if got["app/package-lock.json"] != nil || got["web/yarn.lock"] == nil || count(buf, slog.LevelWarn, "more than the limit of 4096") != 1 {
			t.Errorf("big lock files not skipped alone: %v\n%s", slices.Sorted(maps.Keys(got)), buf)
		}
	})
	t.Run("manifest size", func(t *testing.T) {
		t.Parallel()
		pkgs, buf := run(t, func(c *Config) { c.MaxManifestSize = 40 })
		if got := byFile(pkgs); got["usr/lib/node_modules/npm/package.json"] != nil || got["app/node_modules/pub/package.json"] == nil {
			t.Errorf("size cap: %v\n%s", got, buf)
		}
	})
	t.Run("files", func(t *testing.T) {
		t.Parallel()
		pkgs, buf := run(t, func(c *Config) { c.MaxFiles = 3 })
		// the first three files in path order, .bin/package.json among them
		if got := byFile(pkgs); len(got) != 2 || count(buf, slog.LevelWarn, "too many files") != 1 {
			t.Errorf("MaxFiles 3: %v\n%s", got, buf)
		}
	})
	t.Run("total bytes", func(t *testing.T) {
		t.Parallel()
		pkgs, buf := run(t, func(c *Config) { c.MaxTotalBytes = 1 })
		if got := byFile(pkgs); len(got) != 1 || count(buf, slog.LevelWarn, "read limit reached") != 1 {
			t.Errorf("MaxTotalBytes 1: %v\n%s", got, buf)
		}
	})
	t.Run("warnings", func(t *testing.T) {
		t.Parallel()
		var b strings.Builder
		for range 50 {
			b.WriteString("x:\n  version \"1\"\n")
		}
		cfg := DefaultConfig()
		cfg.MaxWarnings = 5
		log, buf := capture()
		if _, err := parseAs(t, cfg, log, "yarn.lock", []byte(b.String())); err != nil {
			t.Fatal(err)
		}
		if count(buf, slog.LevelWarn, "malformed yarn.lock entry") != 5 || count(buf, slog.LevelWarn, "count=45") != 1 {
			t.Errorf("warnings not capped:\n%s", buf)
		}
	})
}

// TestYAMLSize: MaxYAMLSize skips pnpm and yarn berry lock files alone;
// yarn v1 and JSON lock files of the same size stay under MaxLockSize.
func TestYAMLSize(t *testing.T) {
	t.Parallel()
	read := func(name string) *fstest.MapFile {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return &fstest.MapFile{Data: b, Mode: 0o644}
	}
	fsys := fstest.MapFS{
		"a/pnpm-lock.yaml":    read("pnpm-v9.yaml"),
		"b/yarn.lock":         read("yarn-berry.lock"),
		"c/yarn.lock":         read("yarn-v1.lock"),
		"d/package-lock.json": read("lock-v3-edge.json"),
	}
	cfg := DefaultConfig()
	cfg.MaxYAMLSize = 800 // below every YAML file, below the others too
	log, buf := capture()
	c, err := NewWithConfig(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := c.Catalog(t.Context(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(maps.Keys(byFile(pkgs)))
	if diff := cmp.Diff([]string{"c/yarn.lock", "d/package-lock.json"}, got); diff != "" {
		t.Errorf("files read (-want +got):\n%s", diff)
	}
	if count(buf, slog.LevelWarn, "more than the limit of 800") != 2 {
		t.Errorf("want two warnings naming the limit:\n%s", buf)
	}
	if DefaultConfig().MaxYAMLSize != 16<<20 || DefaultConfig().MaxLockSize != 64<<20 {
		t.Errorf("default caps changed: %+v", DefaultConfig())
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, mod := range []func(*Config){
		func(c *Config) { c.MaxLockSize = 0 }, func(c *Config) { c.MaxManifestSize = 0 },
		func(c *Config) { c.MaxYAMLSize = 0 },
		func(c *Config) { c.MaxPackages = 0 }, func(c *Config) { c.MaxDepth = 0 },
		func(c *Config) { c.MaxYAMLNodes = 0 }, func(c *Config) { c.MaxLine = 10 },
		func(c *Config) { c.MaxFiles = 0 }, func(c *Config) { c.MaxTotalBytes = 0 },
		func(c *Config) { c.MaxWarnings = -1 },
	} {
		cfg := DefaultConfig()
		mod(&cfg)
		if _, err := NewWithConfig(cfg, nil); err == nil {
			t.Errorf("%+v validated", cfg)
		}
	}
}

func TestCatalogCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := New(nil).Catalog(ctx, imagetest.MapFS(tree(t))); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestFileSystemFails checks that only "not there" is absence: a file
// system error fails the catalog and names the path.
func TestFileSystemFails(t *testing.T) {
	t.Parallel()
	errHidden := errors.New("content not kept")
	base := imagetest.MapFS(tree(t))
	for _, p := range []string{"app/node_modules", "web/yarn.lock", "app/node_modules/lodash/package.json"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			_, err := New(nil).Catalog(t.Context(), imagetest.FailFS{FS: base, Path: p, Err: errHidden})
			if !errors.Is(err, errHidden) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v, want %v naming %s", err, errHidden, p)
			}
		})
	}
}

// TestNotADirectory: a file where a directory was (node_modules replaced by
// a file in an upper layer) is absence, in every view.
func TestNotADirectory(t *testing.T) {
	t.Parallel()
	lower := imagetest.Files{"app/node_modules/a/package.json": `{"name":"a","version":"1.0.0"}`, "app/yarn.lock": "b@1:\n  version \"1.0.0\"\n"}
	upper := imagetest.Files{"app/node_modules": "junk"}
	for _, tc := range []struct {
		name string
		fsys func(t *testing.T) fs.FS
	}{
		{"merged", func(t *testing.T) fs.FS { return imagetest.Merged(t, New(nil).Globs(), lower, upper) }},
		{"map", func(*testing.T) fs.FS {
			return fstest.MapFS{"app/node_modules": {Data: []byte("junk")}, "app/yarn.lock": {Data: []byte(lower["app/yarn.lock"])}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pkgs, err := New(nil).Catalog(t.Context(), tc.fsys(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"b@1.0.0"}, nv(pkgs)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestRealApp reads the app that scripts/testdata-langdeps.sh installed
// with npm from the registry: its lock file and node_modules agree.
func TestRealApp(t *testing.T) {
	t.Parallel()
	for _, app := range []struct {
		dir  string
		want []string
	}{
		{"app-vuln", []string{"lodash@4.17.15", "minimist@1.2.0"}},
		{"app-fixed", []string{"lodash@4.17.21", "minimist@1.2.6"}},
	} {
		t.Run(app.dir, func(t *testing.T) {
			t.Parallel()
			dir := testenv.TestData(t, "langdeps", app.dir)
			pkgs, err := New(nil).Catalog(t.Context(), osDirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]string{
				"package-lock.json":                  app.want,
				"node_modules/lodash/package.json":   app.want[:1],
				"node_modules/minimist/package.json": app.want[1:],
			}
			if diff := cmp.Diff(want, byFile(pkgs)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			for _, p := range pkgs {
				if strings.HasSuffix(p.Path, "package.json") && !slices.Equal(p.Licenses, []string{"MIT"}) {
					t.Errorf("%s: licences %q, want MIT", p.Path, p.Licenses)
				}
			}
		})
	}
}

// wanted reports whether p matches one of the globs.
func wanted(p string) bool {
	for _, g := range globs {
		if inventory.MatchGlob(g, p) {
			return true
		}
	}
	return false
}
