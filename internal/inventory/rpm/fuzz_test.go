package rpm

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"
)

func FuzzManifest(f *testing.F) {
	for _, name := range []string{"container-manifest-1", "container-manifest-2"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, name == "container-manifest-1")
	}
	f.Add([]byte("a\tb-c\t\t\t\t1\t\tx\t2\ta-b-c.src.rpm\n"), false)
	f.Add([]byte("a-b-c.noarch\n\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, one bool) {
		p := manifest2
		if one {
			p = manifest1
		}
		cfg := DefaultConfig(t.TempDir())
		cfg.MaxPackages = 1000
		c, err := NewWithConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		pkgs, _ := c.Catalog(context.Background(), fstest.MapFS{p: {Data: data}})
		for _, pkg := range pkgs {
			if pkg.Name == "" || pkg.Version == "" || pkg.Path != p || pkg.Type != "rpm" {
				t.Fatalf("bad package %+v", pkg)
			}
		}
	})
}

// FuzzRpmDB writes the input as a database file and reads it: it must give
// packages or an error, never panic or hang (a timeout inside guards the
// latter). Seeds are small real databases of each format when present.
func FuzzRpmDB(f *testing.F) {
	seeds := []string{
		filepath.Join(os.Getenv("VIGIL_TESTDATA"), "rpm/bdb/root/var/lib/rpm/Packages"),
		"/var/cache/vigil-testdata/rpm/bdb/root/var/lib/rpm/Packages",
		"/var/cache/vigil-testdata/rpm/sqlite/root/var/lib/rpm/rpmdb.sqlite",
	}
	if td := goRpmdbTestdataOrEmpty(); td != "" {
		seeds = append(seeds, filepath.Join(td, "libuuid/Packages"), filepath.Join(td, "sle15-bci/Packages.db"))
	}
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("SQLite format 3\x00"))
	f.Add([]byte("RpmP\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := DefaultConfig(t.TempDir())
		cfg.Timeout = 10 * time.Second
		c, err := NewWithConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = c.Catalog(context.Background(), fstest.MapFS{"var/lib/rpm/Packages": {Data: data}})
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("Catalog hung on %d bytes", len(data))
		}
	})
}
