package rpm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory/filelist"
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
		c, err := NewWithConfig(cfg, nil)
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
		c, err := NewWithConfig(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			pkgs, _ := c.Catalog(context.Background(), fstest.MapFS{"var/lib/rpm/Packages": {Data: data}})
			for _, p := range pkgs {
				for _, f := range p.Files {
					if why := filelist.Problem([]byte(f)); why != "" {
						panic(fmt.Sprintf("%s: kept %q: %s", p.Name, f, why))
					}
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("Catalog hung on %d bytes", len(data))
		}
	})
}

// FuzzFiles builds file tags from the input (folders, then base names, each
// NUL-separated; index bytes) and checks what files keeps.
func FuzzFiles(f *testing.F) {
	f.Add("/usr/\x00/etc/\x00relative/", "a\x00b\x00../c\x00", []byte{0, 1, 2, 255})
	f.Add("/\x00/x//", "\x00y\x00.", []byte{0, 0, 1})
	f.Fuzz(func(t *testing.T, dirs, bases string, idx []byte) {
		tags := fileTags{DirNames: strings.Split(dirs, "\x00"), BaseNames: strings.Split(bases, "\x00")}
		for _, i := range idx {
			tags.DirIndexes = append(tags.DirIndexes, int32(int8(i)))
		}
		got, r := files(tags, filelist.New(20, 1000))
		if len(got)+r.dropped > len(tags.BaseNames) || len(got) > 20 {
			t.Fatalf("%d kept, %d dropped of %d", len(got), r.dropped, len(tags.BaseNames))
		}
		for _, p := range got {
			if why := filelist.Problem([]byte(p)); why != "" {
				t.Fatalf("kept %q: %s", p, why)
			}
		}
	})
}
