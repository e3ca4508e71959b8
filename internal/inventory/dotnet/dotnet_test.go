package dotnet

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

func nuget(name, version, file string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Type: inventory.TypeNuGet, Path: file}
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

func TestCatalog(t *testing.T) {
	t.Parallel()
	const (
		webDeps   = "app/WebApp.deps.json"
		workDeps  = "opt/worker/Worker.deps.json"
		lockV1    = "src/WebApp/packages.lock.json"
		lockV2    = "packages.lock.json"
		otherJSON = "app/WebApp.runtimeconfig.json"
	)
	tests := []struct {
		name  string
		files imagetest.Files
		want  []inventory.Package
	}{
		{"framework-dependent deps.json: packages, no project or reference",
			imagetest.Files{webDeps: fixture(t, "webapp/WebApp.deps.json"), otherJSON: "{"},
			[]inventory.Package{
				nuget("Newtonsoft.Json", "13.0.1", webDeps),
				nuget("Serilog", "2.10.0", webDeps),
				nuget("Serilog.AspNetCore", "6.0.1", webDeps),
				nuget("System.Text.Encodings.Web", "4.7.1", webDeps),
			}},
		{"self-contained deps.json: the runtime pack under its package ID",
			imagetest.Files{workDeps: fixture(t, "selfcontained/Worker.deps.json")},
			[]inventory.Package{
				nuget("Microsoft.Extensions.Hosting", "8.0.0", workDeps),
				nuget("Microsoft.NETCore.App.Runtime.linux-x64", "8.0.1", workDeps),
			}},
		{"lock v1: deduplicated across frameworks, no project",
			imagetest.Files{lockV1: fixture(t, "src/packages.lock.json")},
			[]inventory.Package{
				nuget("Newtonsoft.Json", "13.0.1", lockV1),
				nuget("Newtonsoft.Json", "13.0.3", lockV1),
				nuget("System.Text.Encodings.Web", "4.7.1", lockV1),
				nuget("runtime.linux-x64.Microsoft.NETCore.ILAsm", "6.0.0", lockV1),
			}},
		{"lock v2 with central transitive pins",
			imagetest.Files{lockV2: fixture(t, "central/packages.lock.json")},
			[]inventory.Package{
				nuget("Azure.Core", "1.35.0", lockV2),
				nuget("Azure.Identity", "1.10.2", lockV2),
				nuget("Microsoft.Identity.Client", "4.61.3", lockV2),
			}},
		{"every file at once, each package once per file",
			imagetest.Files{webDeps: fixture(t, "webapp/WebApp.deps.json"), lockV1: fixture(t, "src/packages.lock.json")},
			[]inventory.Package{
				nuget("Newtonsoft.Json", "13.0.1", webDeps),
				nuget("Newtonsoft.Json", "13.0.1", lockV1),
				nuget("Newtonsoft.Json", "13.0.3", lockV1),
				nuget("Serilog", "2.10.0", webDeps),
				nuget("Serilog.AspNetCore", "6.0.1", webDeps),
				nuget("System.Text.Encodings.Web", "4.7.1", webDeps),
				nuget("System.Text.Encodings.Web", "4.7.1", lockV1),
				nuget("runtime.linux-x64.Microsoft.NETCore.ILAsm", "6.0.0", lockV1),
			}},
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
	files := imagetest.MapFS(imagetest.Files{"app/A.deps.json": fixture(t, "webapp/WebApp.deps.json")})
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
			"a/A.deps.json": fixture(t, "webapp/WebApp.deps.json"),
			"b/B.deps.json": fixture(t, "webapp/WebApp.deps.json"),
		})
		got, err := c.Catalog(t.Context(), fsys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 || got[0].Path != "a/A.deps.json" || !strings.Contains(logs.String(), "too many files") {
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
