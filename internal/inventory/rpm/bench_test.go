package rpm

import (
	"context"
	"testing"
)

// The benchmarks read the biggest real database of each format available:
// CentOS 7 with many packages (Berkeley DB, 33 MB), Fedora 35 (sqlite, 6.5 MB)
// and SLE 15 BCI (ndb, 1.4 MB), all from go-rpmdb's module testdata. Each
// iteration is one full Catalog: copy out, check, decode, convert. The
// "nofiles" runs turn Files off (MaxFiles 0): the difference is the cost of
// the file lists.
func benchDB(b *testing.B, src, p string) {
	b.Run("files", func(b *testing.B) { benchDBWith(b, src, p, true) })
	b.Run("nofiles", func(b *testing.B) { benchDBWith(b, src, p, false) })
}

func benchDBWith(b *testing.B, src, p string, files bool) {
	fsys := imageFS(b, goRpmdbTestdata(b)+"/"+src, p)
	cfg := DefaultConfig(b.TempDir())
	if !files {
		cfg.MaxFiles = 0
	}
	c, _ := NewWithConfig(cfg, nil)
	ctx := context.Background()
	b.SetBytes(int64(len(fsys[p].Data)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		pkgs, err := c.Catalog(ctx, fsys)
		if err != nil {
			b.Fatal(err)
		}
		n = len(pkgs)
	}
	b.ReportMetric(float64(n), "pkgs")
}

func BenchmarkRpmBdb(b *testing.B) {
	benchDB(b, "centos7-many/Packages", "var/lib/rpm/Packages")
}

func BenchmarkRpmSqlite(b *testing.B) {
	benchDB(b, "fedora35-plus-mongo/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite")
}

func BenchmarkRpmNdb(b *testing.B) {
	benchDB(b, "sle15-bci/Packages.db", "var/lib/rpm/Packages.db")
}
