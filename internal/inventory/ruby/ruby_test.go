package ruby

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/image/imagetest"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// newLogged is a Cataloger with cfg whose log, from Info up, is kept.
func newLogged(t testing.TB, cfg Config) (*Cataloger, *testenv.LogRecorder) {
	t.Helper()
	rec := &testenv.LogRecorder{Level: slog.LevelInfo}
	c, err := NewWithConfig(cfg, slog.New(rec))
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// views are the file systems a cataloger meets: a MapFS, a directory, and
// the image walker's merged view kept with the cataloger's globs (which
// checks that the globs name every file read).
var views = []struct {
	name string
	fsys func(testing.TB, imagetest.Files) fs.FS
}{
	{"map", func(_ testing.TB, f imagetest.Files) fs.FS { return imagetest.MapFS(f) }},
	{"dir", imagetest.DirFS},
	{"merged", func(t testing.TB, f imagetest.Files) fs.FS { return imagetest.Merged(t, New(nil).Globs(), f) }},
}

func gem(name, version, file string, lic ...string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Type: inventory.TypeGem, Path: file, Licenses: lic}
}

func sorted(p []inventory.Package) []inventory.Package {
	inventory.SortPackages(p)
	return p
}

func TestCatalog(t *testing.T) {
	t.Parallel()
	const (
		specs = "usr/local/lib/ruby/gems/3.1.0/specifications/"
		lock  = "app/Gemfile.lock"
	)
	specFiles := imagetest.Files{}
	for _, f := range []string{"rake-13.0.6.gemspec", "nokogiri-1.13.10-x86_64-linux.gemspec", "default/json-2.6.1.gemspec",
		"mygem-0.1.0.gemspec", "stub-only-2.0.gemspec"} {
		specFiles[specs+f] = fixture(t, "specifications/"+f)
	}
	specFiles[specs+"README"] = "not read"
	specFiles["usr/local/lib/ruby/gems/3.1.0/gems/rake-13.0.6/rake.gemspec"] = "not read: a source gemspec"
	specsWant := []inventory.Package{
		gem("json", "2.6.1", specs+"default/json-2.6.1.gemspec", "Ruby", "BSD-2-Clause"),
		gem("my_gem", "0.1.0", specs+"mygem-0.1.0.gemspec", "Apache-2.0"),
		gem("nokogiri", "1.13.10", specs+"nokogiri-1.13.10-x86_64-linux.gemspec", "MIT"),
		gem("rake", "13.0.6", specs+"rake-13.0.6.gemspec", "MIT"),
		gem("stubbed", "2.0", specs+"stub-only-2.0.gemspec", "MIT", "Ruby"),
	}
	lockWant := []inventory.Package{
		gem("actionpack", "7.0.4.1", lock),
		gem("actionview", "7.0.4.1", lock),
		gem("erubi", "1.12.0", lock),
		gem("mini_portile2", "2.8.1", lock),
		gem("myapp", "1.0.0", lock),
		gem("nokogiri", "1.13.10", lock),
		gem("racc", "1.6.2", lock),
		gem("rack", "2.2.6.2", lock),
		gem("sqlite3", "1.6.0", lock),
	}
	both := imagetest.Files{lock: fixture(t, "app/Gemfile.lock")}
	for k, v := range specFiles {
		both[k] = v
	}
	tests := []struct {
		name  string
		files imagetest.Files
		want  []inventory.Package
	}{
		{"installed gemspecs, default gems included", specFiles, specsWant},
		{"Gemfile.lock: GEM, GIT and PATH specs, platforms folded, no plugins",
			imagetest.Files{lock: fixture(t, "app/Gemfile.lock"), "app/Gemfile": "source 'https://rubygems.org'"}, lockWant},
		{"both", both, sorted(append(append([]inventory.Package{}, specsWant...), lockWant...))},
		{"nothing", imagetest.Files{"etc/os-release": "ID=debian\n"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, v := range views {
				name, fsys := v.name, v.fsys
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					c, logs := newLogged(t, DefaultConfig())
					got, err := c.Catalog(t.Context(), fsys(t, tc.files))
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(tc.want, got); diff != "" {
						t.Errorf("packages (-want +got):\n%s", diff)
					}
					if s := logs.String(); s != "" {
						t.Errorf("unexpected warnings:\n%s", s)
					}
				})
			}
		})
	}
}

func TestCatalogErrors(t *testing.T) {
	t.Parallel()
	files := imagetest.MapFS(imagetest.Files{"app/Gemfile.lock": fixture(t, "app/Gemfile.lock")})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := New(nil).Catalog(ctx, files); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("file system fails", func(t *testing.T) {
		t.Parallel()
		errBroken := errors.New("broken disk")
		_, err := New(nil).Catalog(t.Context(), imagetest.FailFS{FS: files, Path: "app", Err: errBroken})
		if !errors.Is(err, errBroken) {
			t.Errorf("err = %v, want %v", err, errBroken)
		}
	})
	t.Run("too many files", func(t *testing.T) {
		t.Parallel()
		cfg := DefaultConfig()
		cfg.MaxFiles = 1
		c, logs := newLogged(t, cfg)
		fsys := imagetest.MapFS(imagetest.Files{
			"a/Gemfile.lock": fixture(t, "app/Gemfile.lock"),
			"b/Gemfile.lock": fixture(t, "app/Gemfile.lock"),
		})
		got, err := c.Catalog(t.Context(), fsys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 9 || got[0].Path != "a/Gemfile.lock" || !strings.Contains(logs.String(), "too many files") {
			t.Errorf("got %d packages (%v), logs %q", len(got), got, logs)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, edit := range []func(*Config){
		func(c *Config) { c.MaxFileSize = 0 },
		func(c *Config) { c.MaxEntries = 0 },
		func(c *Config) { c.MaxLine = 2 },
		func(c *Config) { c.MaxFiles = -1 },
	} {
		cfg := DefaultConfig()
		edit(&cfg)
		if _, err := NewWithConfig(cfg, nil); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Error(err)
	}
}
