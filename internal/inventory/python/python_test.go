package python

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/image/imagetest"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

func pkg(name, version, path string, licenses ...string) inventory.Package {
	p := pypi(name, version, path)
	p.Licenses = licenses
	return p
}

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

const (
	sitePkgs = "venv/lib/python3.12/site-packages/"
	distPkgs = "usr/lib/python3/dist-packages/"
)

// fixtureWant is what testdata holds.
func fixtureWant() []inventory.Package {
	want := []inventory.Package{
		pkg("Django", "3.2.12", "app-poetry1/poetry.lock"),
		pkg("PyYAML", "6.0.1", sitePkgs+"PyYAML-6.0.1.dist-info/METADATA", "MIT"),
		pkg("Requests", "2.31.0", "app-pip/requirements.txt"),
		pkg("Sniffio", "1.3.1", "app-uv/uv.lock"),
		pkg("anyio", "4.8.0", "app-uv/uv.lock"),
		pkg("attrs", "24.2.0", sitePkgs+"attrs-24.2.0.dist-info/METADATA", "MIT"),
		pkg("certifi", "2021.10.8", "app-poetry1/poetry.lock"),
		pkg("certifi", "2024.2.2", "app-pip/requirements.txt"),
		pkg("chardet", "4.0.0", distPkgs+"chardet-4.0.0.egg-info/PKG-INFO",
			"LGPL", "GNU Library or Lesser General Public License (LGPL)"),
		pkg("charset-normalizer", "3.3.2", "app-pip/requirements.txt"),
		pkg("flask", "3.0.3", "app-poetry2/poetry.lock"),
		pkg("gunicorn", "21.2.0", "app-pip/requirements/prod.txt"),
		pkg("httpx", "0.28.1", "app-uv/uv.lock"),
		pkg("idna", "3.10", "app-uv/uv.lock"),
		pkg("idna", "3.6", "app-pip/requirements.txt"),
		pkg("idna", "3.7", "app-poetry2/poetry.lock"),
		pkg("jinja2", "3.1.2", "app-pipenv/Pipfile.lock"),
		pkg("legacy-arbitrary", "2.0.post1", "app-pipenv/Pipfile.lock"),
		pkg("markupsafe", "2.1.3", "app-pipenv/Pipfile.lock"),
		pkg("mylib", "0.3.0", "app-poetry1/poetry.lock"),
		pkg("pyjwt", "2.8.0", "app-poetry2/poetry.lock"),
		pkg("pytest", "7.4.0", "app-pipenv/Pipfile.lock"),
		pkg("requests", "2.31.0", sitePkgs+"requests-2.31.0.dist-info/METADATA",
			"Apache 2.0", "Apache Software License"),
		pkg("ruamel.yaml", "0.18.6", "app-poetry2/poetry.lock"),
		pkg("six", "1.16.0", "app-pip/requirements/prod.txt"),
		pkg("six", "1.16.0", distPkgs+"six-1.16.0.egg-info", "MIT"),
		pkg("typing_extensions", "4.10.0", "app-pip/requirements.txt"),
		pkg("typing_extensions", "4.12.2", sitePkgs+"typing_extensions-4.12.2.dist-info/METADATA",
			"Python Software Foundation License"),
		pkg("urllib3", "1.26.5", distPkgs+"urllib3-1.26.5.egg-info/PKG-INFO", "MIT"),
		pkg("urllib3", "2.2.1", "app-pip/requirements.txt"),
		pkg("zope.interface", "6.2", "app-pip/requirements.txt"),
	}
	inventory.SortPackages(want)
	return want
}

// readTestdata returns every file under testdata as image files.
func readTestdata(t testing.TB) imagetest.Files {
	t.Helper()
	files := imagetest.Files{}
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata", p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestCatalogFixtures(t *testing.T) {
	t.Parallel()
	files := readTestdata(t)
	for _, tc := range []struct {
		name string
		fsys func(t *testing.T) fs.FS
	}{
		{"dir", func(*testing.T) fs.FS { return os.DirFS("testdata") }},
		{"map", func(*testing.T) fs.FS { return imagetest.MapFS(files) }},
		// The real walker keeps only what Globs names: every file read must be kept.
		{"image", func(t *testing.T) fs.FS { return imagetest.Merged(t, New(nil).Globs(), files) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, logs := newLogged(t, DefaultConfig())
			got, err := c.Catalog(t.Context(), tc.fsys(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(fixtureWant(), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// The one line of the fixtures that is not a requirement.
			l := logs.String()
			if len(logs.Lines(slog.LevelWarn)) != 1 || !strings.Contains(l, "app-pip/requirements.txt") ||
				!strings.Contains(l, "line 26: not a requirement") {
				t.Errorf("logs:\n%s", l)
			}
		})
	}
}

func TestGlobs(t *testing.T) {
	t.Parallel()
	globs := New(nil).Globs()
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"usr/lib/python3.12/site-packages/pip-24.0.dist-info/METADATA", true},
		{"usr/lib/python3/dist-packages/six-1.16.0.egg-info", true},
		{"usr/lib/python3/dist-packages/chardet-4.0.0.egg-info/PKG-INFO", true},
		{"app/poetry.lock", true},
		{"uv.lock", true},
		{"srv/Pipfile.lock", true},
		{"srv/requirements.txt", true},
		{"srv/requirements-dev.txt", true},
		{"srv/requirements/prod.txt", true},
		{"usr/lib/python3.12/site-packages/pip-24.0.dist-info/RECORD", false},
		{"usr/lib/python3/dist-packages/chardet-4.0.0.egg-info/SOURCES.txt", false},
		{"srv/Pipfile", false},
		{"srv/pyproject.toml", false},
		{"srv/notes.txt", false},
	} {
		got := false
		for _, g := range globs {
			got = got || inventory.MatchGlob(g, tc.path)
		}
		if got != tc.want {
			t.Errorf("%s: matched %v, want %v", tc.path, got, tc.want)
		}
	}
}

// TestOneBadFileLosesNothing puts a hostile file of every format beside good
// ones: each bad file is logged with its path and skipped.
func TestOneBadFileLosesNothing(t *testing.T) {
	t.Parallel()
	deep := "a = " + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000)
	cfg := DefaultConfig()
	cfg.MaxLockBytes = 64 << 10
	cfg.MaxRequirementsBytes = 64 << 10
	bad := map[string]string{
		"a/x-1.dist-info/METADATA": "Metadata-Version: 2.1\nVersion: 1\n\n",                                // no Name
		"a/y-1.dist-info/METADATA": "Name: y\n\n",                                                          // no Version
		"a/z-1.dist-info/METADATA": "Name: ../../etc\nVersion: 1\n",                                        // bad name
		"a/n-1.dist-info/METADATA": "Name: n\x00\nVersion: 1\n",                                            // NUL
		"a/v-1.dist-info/METADATA": "Name: v\nVersion: 1 2\n",                                              // blank in version
		"a/e-1.egg-info":           "\x7fELF\x02\x01\x01\x00\x00\x00\x00",                                  // binary
		"a/poetry.lock":            "[[package]]\nname = \"x\"\nversion = \n",                              // bad TOML
		"b/poetry.lock":            deep,                                                                   // deep nesting
		"c/poetry.lock":            strings.Repeat("# big\n", 20_000),                                      // too large
		"a/uv.lock":                "package = 3\n",                                                        // wrong type
		"b/uv.lock":                "x = " + strings.Repeat("{a = ", 100) + "1" + strings.Repeat("}", 100), // deep
		"a/Pipfile.lock":           `{"default": []}`,                                                      // wrong type
		"b/Pipfile.lock":           `{"default": {"a": {"version": "==1"}` + "\x00",                        // truncated
		"c/Pipfile.lock":           "{\"default\": " + strings.Repeat("[", 10_000),                         // deep
		"a/requirements.txt":       strings.Repeat("x==1\n", 20_000),                                       // too large
		"a/requirements/huge.txt":  strings.Repeat("x", 100<<10),                                           // too large, one line
		"a/requirements-nul.txt":   "\x00\x00==1\n",                                                        // a bad line only
	}
	files := imagetest.Files{
		"good/ok-1.0.dist-info/METADATA": "Name: ok\nVersion: 1.0\n\n",
		"good/poetry.lock":               "[[package]]\nname = \"p\"\nversion = \"1\"\n",
		"good/uv.lock":                   "version = 1\n[[package]]\nname = \"u\"\nversion = \"2\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
		"good/Pipfile.lock":              `{"default": {"f": {"version": "==3"}}}`,
		"good/requirements.txt":          "r==4\n",
	}
	for p, c := range bad {
		files[p] = c
	}
	c, logs := newLogged(t, cfg)
	got, err := c.Catalog(t.Context(), imagetest.MapFS(files))
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{
		pkg("f", "3", "good/Pipfile.lock"),
		pkg("ok", "1.0", "good/ok-1.0.dist-info/METADATA"),
		pkg("p", "1", "good/poetry.lock"),
		pkg("r", "4", "good/requirements.txt"),
		pkg("u", "2", "good/uv.lock"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	l := logs.String()
	for p := range bad {
		if !strings.Contains(l, "path="+p+" ") {
			t.Errorf("no warning names %s", p)
		}
	}
	for _, reason := range []string{
		"no Name field", "no Version field", "invalid name", "invalid version", "TOML", "nested deeper than 64",
		"larger than 65536 bytes", "JSON", "not a requirement",
	} {
		if !strings.Contains(l, reason) {
			t.Errorf("no warning says %q", reason)
		}
	}
	if t.Failed() {
		t.Logf("logs:\n%s", l)
	}
}

func TestEggInfoDirectoryIsNotAFile(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"usr/lib/python3/dist-packages/empty.egg-info/SOURCES.txt": {Data: []byte("x\n")},
		"usr/lib/python3/dist-packages/link.egg-info":              {Data: []byte("empty.egg-info"), Mode: fs.ModeSymlink},
		"usr/lib/python3/dist-packages/a-1.egg-info/PKG-INFO":      {Data: []byte("Name: a\nVersion: 1\n")},
	}
	c, logs := newLogged(t, DefaultConfig())
	got, err := c.Catalog(t.Context(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{pkg("a", "1", "usr/lib/python3/dist-packages/a-1.egg-info/PKG-INFO")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if logs.String() != "" {
		t.Errorf("logged:\n%s", logs)
	}
}

func TestLimitsPerCatalog(t *testing.T) {
	t.Parallel()
	files := imagetest.Files{}
	for _, n := range []string{"a", "b", "c", "d"} {
		files["sp/"+n+"-1.dist-info/METADATA"] = "Name: " + n + "\nVersion: 1\n\n" + strings.Repeat("body ", 1000)
	}
	for _, tc := range []struct {
		name      string
		cfg       func(*Config)
		want, log string
	}{
		{"files", func(c *Config) { c.MaxFiles = 2 }, "ab", "too many files"},
		{"bytes", func(c *Config) { c.MaxTotalBytes = 1 }, "a", "read limit reached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig()
			tc.cfg(&cfg)
			c, logs := newLogged(t, cfg)
			pkgs, err := c.Catalog(t.Context(), imagetest.MapFS(files))
			if err != nil {
				t.Fatal(err)
			}
			var got string
			for _, p := range pkgs {
				got += p.Name
			}
			if got != tc.want || !strings.Contains(logs.String(), tc.log) {
				t.Errorf("got %q, want %q; logs:\n%s", got, tc.want, logs)
			}
		})
	}
}

func TestFSErrorsPropagate(t *testing.T) {
	t.Parallel()
	errHidden := errors.New("content not kept")
	base := imagetest.MapFS(imagetest.Files{"app/requirements.txt": "a==1\n", "sp/a-1.dist-info/METADATA": "Name: a\nVersion: 1\n"})
	for _, p := range []string{"app", "sp/a-1.dist-info"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			_, err := New(nil).Catalog(t.Context(), imagetest.FailFS{FS: base, Path: p, Err: errHidden})
			if !errors.Is(err, errHidden) {
				t.Errorf("err = %v, want %v", err, errHidden)
			}
		})
	}
	t.Run("open", func(t *testing.T) {
		t.Parallel()
		_, err := New(nil).Catalog(t.Context(), openFailFS{base, "app/requirements.txt", errHidden})
		if !errors.Is(err, errHidden) || !strings.Contains(err.Error(), "app/requirements.txt") {
			t.Errorf("err = %v, want %v naming the file", err, errHidden)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := New(nil).Catalog(ctx, base); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

type openFailFS struct {
	fs.FS
	path string
	err  error
}

func (f openFailFS) Open(name string) (fs.File, error) {
	if name == f.path {
		return nil, &fs.PathError{Op: "open", Path: name, Err: f.err}
	}
	return f.FS.Open(name)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*Config){
		"MaxFiles":     func(c *Config) { c.MaxFiles = 0 },
		"MaxLine":      func(c *Config) { c.MaxLine = 10 },
		"MaxDepth":     func(c *Config) { c.MaxDepth = -1 },
		"MaxLockBytes": func(c *Config) { c.MaxLockBytes = 0 },
	} {
		cfg := DefaultConfig()
		edit(&cfg)
		if _, err := NewWithConfig(cfg, nil); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
