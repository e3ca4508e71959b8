package rpm

import (
	"context"
	"database/sql"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// catalogBytes runs the cataloger on one database file holding b at p, with
// a time limit, and fails the test if it hangs. A panic fails it by itself.
func catalogBytes(t testing.TB, b []byte, p string) error {
	t.Helper()
	cfg := DefaultConfig(t.TempDir())
	cfg.Timeout = 20 * time.Second
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Catalog(context.Background(), fstest.MapFS{p: {Data: b, Mode: 0o644}})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil && !strings.Contains(err.Error(), p) {
			t.Errorf("error does not name %s: %v", p, err)
		}
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("Catalog hung on %d bytes at %s", len(b), p)
		return nil
	}
}

func readTestdata(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goRpmdbTestdata(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHostileDatabases cuts and corrupts real databases of each format: every
// cut is an error naming the file, every corruption an error or a result,
// never a panic or a hang.
func TestHostileDatabases(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, p string
		flips        int
	}{
		{"bdb", "libuuid/Packages", "var/lib/rpm/Packages", 150},
		{"bdb-bigendian", "ubi8-s390x/Packages", "var/lib/rpm/Packages", 2},
		{"ndb", "sle15-bci/Packages.db", "var/lib/rpm/Packages.db", 60},
		{"sqlite", "cbl-mariner-2.0/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite", 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			orig := readTestdata(t, tc.src)
			for _, n := range []int{0, 1, 15, 16, 100, 511, 512, 4096, 8191, len(orig) / 2, len(orig) - 4096} {
				if err := catalogBytes(t, orig[:n], tc.p); err == nil {
					t.Errorf("cut to %d of %d bytes: no error", n, len(orig))
				}
			}
			rng := rand.New(rand.NewPCG(1, uint64(len(orig))))
			errs := 0
			for i := range tc.flips {
				b := append([]byte(nil), orig...)
				for range 1 + rng.IntN(16) {
					// Half the flips hit the first pages, where the structure is.
					lim := len(b)
					if i%2 == 0 {
						lim = min(lim, 64<<10)
					}
					b[rng.IntN(lim)] ^= byte(1 + rng.IntN(255))
				}
				if catalogBytes(t, b, tc.p) != nil {
					errs++
				}
			}
			t.Logf("%d of %d corruptions rejected (the rest hit bytes only a checksum would catch); %d goroutines", errs, tc.flips, runtime.NumGoroutine())
		})
	}
}

// bdbPages returns the page size of a Berkeley DB file and the numbers of its
// overflow pages.
func bdbPages(b []byte) (int, []int) {
	ps := int(binary.LittleEndian.Uint32(b[20:]))
	var ov []int
	for pg := 1; (pg+1)*ps <= len(b); pg++ {
		if b[pg*ps+25] == 7 {
			ov = append(ov, pg)
		}
	}
	return ps, ov
}

func TestHostileTargeted(t *testing.T) {
	t.Parallel()
	bdbOrig := readTestdata(t, "libuuid/Packages")
	ndbOrig := readTestdata(t, "sle15-bci/Packages.db")
	ps, ov := bdbPages(bdbOrig)
	if len(ov) == 0 {
		t.Fatal("no overflow pages in libuuid/Packages")
	}
	edit := func(orig []byte, f func(b []byte)) []byte {
		b := append([]byte(nil), orig...)
		f(b)
		return b
	}
	le := binary.LittleEndian
	for _, tc := range []struct {
		name, p, wantErr string
		data             []byte
	}{
		{"bdb overflow page pointing at itself", "var/lib/rpm/Packages", "reached twice",
			edit(bdbOrig, func(b []byte) { le.PutUint32(b[ov[0]*ps+16:], uint32(ov[0])) })},
		{"bdb chain reaching a non-overflow page", "var/lib/rpm/Packages", "not overflow",
			edit(bdbOrig, func(b []byte) {
				for _, pg := range ov {
					b[pg*ps+25] = 0
				}
			})},
		{"bdb last page beyond the file", "var/lib/rpm/Packages", "beyond end of file",
			edit(bdbOrig, func(b []byte) { le.PutUint32(b[32:], 1<<30) })},
		{"bdb page size invalid", "var/lib/rpm/Packages", "page size",
			edit(bdbOrig, func(b []byte) { le.PutUint32(b[20:], 4097) })},
		{"ndb bad slot magic", "var/lib/rpm/Packages.db", "bad magic",
			edit(ndbOrig, func(b []byte) { copy(b[2*16:], "XXXX") })},
		{"ndb slot page count huge", "var/lib/rpm/Packages.db", "slot page count",
			edit(ndbOrig, func(b []byte) { le.PutUint32(b[12:], 1<<20) })},
		{"ndb blob length huge", "var/lib/rpm/Packages.db", "beyond end of file",
			edit(ndbOrig, func(b []byte) {
				for i := 2; i < 256; i++ {
					s := b[i*16:]
					if le.Uint32(s[4:]) != 0 {
						off := int(le.Uint32(s[8:])) * 16
						le.PutUint32(b[off+12:], 0xfffffff0)
						return
					}
				}
			})},
		{"ndb header index length huge", "var/lib/rpm/Packages.db", "header needs",
			edit(ndbOrig, func(b []byte) {
				off := int(le.Uint32(b[2*16+8:])) * 16
				binary.BigEndian.PutUint32(b[off+16:], 0x7fffffff)
			})},
		{"not a database", "var/lib/rpm/Packages", "not an rpm database", []byte("hello, this is not a database at all")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := catalogBytes(t, tc.data, tc.p)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestHostileSQLite builds sqlite files that are sound to SQLite but would
// make go-rpmdb's query loop forever, allocate without bound or stop mid-stream.
func TestHostileSQLite(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, wantErr string
		ddl           []string
	}{
		{"endless view", "no plain Packages table", []string{
			"CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT zeroblob(1000) AS blob FROM c"}},
		{"generated blob", "no stored blob column", []string{
			"CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB GENERATED ALWAYS AS (zeroblob(100000000)) VIRTUAL)",
			"INSERT INTO Packages (hnum) VALUES (1)"}},
		{"no table", "no plain Packages table", []string{"CREATE TABLE Other (x)"}},
		{"null blob", "hold no blob", []string{
			"CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)", "INSERT INTO Packages VALUES (1, NULL)"}},
		{"short blob", "too short", []string{
			"CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)", "INSERT INTO Packages VALUES (1, x'0000')"}},
		{"lying header", "header needs", []string{
			"CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB)", "INSERT INTO Packages VALUES (1, x'7fffffff0000000000000000')"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "rpmdb.sqlite")
			db, err := sql.Open("sqlite", file)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range tc.ddl {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			err = catalogBytes(t, b, "var/lib/rpm/rpmdb.sqlite")
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	b := readTestdata(t, "sle15-bci/Packages.db")
	fsys := fstest.MapFS{"var/lib/rpm/Packages.db": {Data: b}}
	for _, tc := range []struct {
		name    string
		edit    func(*Config)
		ctx     func() context.Context
		wantErr string
	}{
		{"size cap", func(c *Config) { c.MaxDBSize = 1 << 20 }, context.Background, "limit"},
		{"package cap", func(c *Config) { c.MaxPackages = 10 }, context.Background, "more than 10 packages"},
		{"cancelled", func(*Config) {}, func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, "context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig(t.TempDir())
			tc.edit(&cfg)
			c, err := NewWithConfig(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Catalog(tc.ctx(), fsys)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
	if _, err := NewWithConfig(Config{}, nil); err == nil {
		t.Error("empty Config validated")
	}
}
