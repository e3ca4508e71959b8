package vulndb_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	_ "modernc.org/sqlite" // the engine bbolt was measured against

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// The store was chosen by BenchmarkStoreChoice: the same rows (the JSON
// advisories and the encoded index values that Build writes) go into bbolt
// (vulndb.Build itself) and into SQLite (tables of key/value BLOBs, WITHOUT
// ROWID, journal and sync off while building, one fsync at the end), and
// 1,000 (ecosystem, package) lookups with entry decoding run on each warm
// database. doc.go holds the numbers.

// benchSources is the data of the benchmarks, read once per test binary.
var benchSources struct {
	once sync.Once
	srcs []testSource
}

func benchData(tb testing.TB) []testSource {
	benchSources.once.Do(func() {
		if dir := sharedVulndata(tb); dir != "" {
			benchSources.srcs = loadShared(tb, dir)
			return
		}
		tb.Log("shared vulndata absent: synthetic data")
		benchSources.srcs = synthetic(50000, 1)
	})
	return benchSources.srcs
}

func BenchmarkStoreChoice(b *testing.B) {
	srcs := benchData(b)
	pairs := lookupPairs(srcs, 1000, 7)
	ctx := context.Background()
	dir := b.TempDir()

	boltPath := filepath.Join(dir, "bolt.db")
	b.Run("engine=bbolt/import", func(b *testing.B) {
		for b.Loop() {
			if err := vulndb.Build(ctx, boltPath, vulndb.BuildOptions{}, fillWith(srcs)); err != nil {
				b.Fatal(err)
			}
		}
		reportSize(b, boltPath)
	})
	b.Run("engine=bbolt/lookup1000", func(b *testing.B) {
		db, err := vulndb.Open(boltPath)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		for b.Loop() {
			for _, p := range pairs {
				if _, err := db.Lookup(p[0], p[1]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})

	sqlitePath := filepath.Join(dir, "sqlite.db")
	b.Run("engine=sqlite/import", func(b *testing.B) {
		for b.Loop() {
			_ = os.Remove(sqlitePath)
			rows, err := vulndb.Rows(ctx, fillWith(srcs))
			if err != nil {
				b.Fatal(err)
			}
			if err := sqliteBuild(ctx, sqlitePath, rows); err != nil {
				b.Fatal(err)
			}
		}
		reportSize(b, sqlitePath)
	})
	b.Run("engine=sqlite/lookup1000", func(b *testing.B) {
		s, err := openSQLite(sqlitePath)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		for b.Loop() {
			for _, p := range pairs {
				if _, err := s.lookup(ctx, p[0], p[1]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// TestSQLiteVariantAgrees checks that the benchmark's SQLite variant
// answers lookups as the real store does, so the comparison is fair.
func TestSQLiteVariantAgrees(t *testing.T) {
	t.Parallel()
	srcs := synthetic(2000, 3)
	ctx := context.Background()
	dir := t.TempDir()
	boltPath, sqlitePath := filepath.Join(dir, "bolt.db"), filepath.Join(dir, "sqlite.db")
	if err := vulndb.Build(ctx, boltPath, vulndb.BuildOptions{}, fillWith(srcs)); err != nil {
		t.Fatal(err)
	}
	rows, err := vulndb.Rows(ctx, fillWith(srcs))
	if err != nil {
		t.Fatal(err)
	}
	if err := sqliteBuild(ctx, sqlitePath, rows); err != nil {
		t.Fatal(err)
	}
	db := openT(t, boltPath)
	s, err := openSQLite(sqlitePath)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range lookupPairs(srcs, 200, 1) {
		want, err := db.Lookup(p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.lookup(ctx, p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%v: sqlite %v, bbolt %v", p, got, want)
		}
	}
}

func reportSize(b *testing.B, path string) {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/1e6, "MB")
}

// sqliteBuild writes rows into a new SQLite file, one table per bucket.
func sqliteBuild(ctx context.Context, path string, rows map[string][][2][]byte) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	stmts := []string{"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF"}
	for b := range rows {
		stmts = append(stmts, fmt.Sprintf(`CREATE TABLE "t_%s" (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID`, b))
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for b, kvs := range rows {
		st, err := tx.PrepareContext(ctx, fmt.Sprintf(`INSERT INTO "t_%s" (k, v) VALUES (?, ?)`, b))
		if err != nil {
			return err
		}
		for _, r := range kvs {
			if _, err := st.ExecContext(ctx, r[0], r[1]); err != nil {
				return err
			}
		}
		st.Close()
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

type sqliteStore struct {
	db     *sql.DB
	lookup func(ctx context.Context, ecosystem, pkg string) ([]vulndb.Entry, error)
}

func (s *sqliteStore) Close() error { return s.db.Close() }

func openSQLite(path string) (*sqliteStore, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	st, err := db.Prepare(`SELECT k, v FROM "t_index" WHERE k >= ? AND k < ? ORDER BY k`)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &sqliteStore{db: db}
	s.lookup = func(ctx context.Context, ecosystem, pkg string) ([]vulndb.Entry, error) {
		prefix := vulndb.IndexPrefix(ecosystem, pkg)
		rows, err := st.QueryContext(ctx, prefix, append(bytes.Clone(prefix), 0xff))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []vulndb.Entry
		sources := 0
		for rows.Next() {
			var k, v []byte
			if err := rows.Scan(&k, &v); err != nil {
				return nil, err
			}
			if out, err = vulndb.DecodeEntries(out, v, string(k[len(prefix):])+"/", ecosystem, pkg); err != nil {
				return nil, err
			}
			sources++
		}
		if sources > 1 {
			slices.SortStableFunc(out, func(a, b vulndb.Entry) int { return strings.Compare(a.Advisory, b.Advisory) })
		}
		return out, rows.Err()
	}
	return s, nil
}
