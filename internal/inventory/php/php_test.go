package php

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

func composer(name, version, file string, lic ...string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Type: inventory.TypeComposer, Path: file, Licenses: lic}
}

func TestCatalog(t *testing.T) {
	t.Parallel()
	const (
		lock = "var/www/composer.lock"
		v1   = "srv/old/vendor/composer/installed.json"
		v2   = "var/www/vendor/composer/installed.json"
	)
	lockWant := []inventory.Package{
		composer("guzzlehttp/guzzle", "7.4.0", lock, "MIT"),
		composer("laminas/laminas-diactoros", "2.8.0", lock, "BSD-3-Clause"),
		composer("mockery/mockery", "1.5.0-RC1", lock, "BSD-3-Clause", "(MIT or GPL-2.0)"),
		composer("old/package", "1.2", lock, "LGPL-2.1-or-later"),
		composer("paragonie/random_compat", "9.99.100", lock, "MIT"),
		composer("phpunit/phpunit", "9.5.10", lock, "BSD-3-Clause"),
		composer("symfony/console", "5.4.1", lock, "MIT"),
	}
	v2Want := []inventory.Package{
		composer("phpunit/phpunit", "8.5.2", v2, "BSD-3-Clause"),
		composer("symfony/http-foundation", "4.4.7", v2, "MIT"),
		composer("twig/twig", "2.12.5", v2, "BSD-3-Clause"),
	}
	tests := []struct {
		name  string
		files imagetest.Files
		want  []inventory.Package
	}{
		{"composer.lock: packages and packages-dev, v dropped, dev branches skipped",
			imagetest.Files{lock: fixture(t, "app/composer.lock"), "var/www/composer.json": "{"}, lockWant},
		{"installed.json of Composer 1",
			imagetest.Files{v1: fixture(t, "composer1/installed.json")},
			[]inventory.Package{composer("monolog/monolog", "1.25.1", v1, "MIT"), composer("psr/log", "1.1.0", v1, "MIT")}},
		{"installed.json of Composer 2, dev packages included",
			imagetest.Files{v2: fixture(t, "composer2/installed.json")}, v2Want},
		{"lock and installed tree, each file its own packages",
			imagetest.Files{lock: fixture(t, "app/composer.lock"), v2: fixture(t, "composer2/installed.json")},
			sorted(append(append([]inventory.Package{}, lockWant...), v2Want...))},
		{"installed.json outside vendor/composer is not read",
			imagetest.Files{"var/www/installed.json": fixture(t, "composer2/installed.json")}, nil},
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
	files := imagetest.MapFS(imagetest.Files{"app/composer.lock": fixture(t, "app/composer.lock")})
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
			"a/composer.lock": fixture(t, "app/composer.lock"),
			"b/composer.lock": fixture(t, "app/composer.lock"),
		})
		got, err := c.Catalog(t.Context(), fsys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 7 || got[0].Path != "a/composer.lock" || !strings.Contains(logs.String(), "too many files") {
			t.Errorf("got %d packages (%v), logs %q", len(got), got, logs)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, edit := range []func(*Config){
		func(c *Config) { c.MaxFileSize = 0 },
		func(c *Config) { c.MaxEntries = 0 },
		func(c *Config) { c.MaxDepth = 2 },
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

func sorted(p []inventory.Package) []inventory.Package {
	inventory.SortPackages(p)
	return p
}
