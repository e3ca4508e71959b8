package vulndb_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func openT(t testing.TB, path string) *vulndb.DB {
	t.Helper()
	db, err := vulndb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func buildT(t testing.TB, path string, opts vulndb.BuildOptions, srcs []testSource) {
	t.Helper()
	if err := vulndb.Build(context.Background(), path, opts, fillWith(srcs)); err != nil {
		t.Fatal(err)
	}
}

func aff(eco, pkg, fixed string) vulndb.Affected {
	return vulndb.Affected{Ecosystem: eco, Package: pkg, Status: vulndb.StatusAffected,
		Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: fixed}}}}}
}

// small is a hand-made data set: two sources that list the same package,
// an advisory with two Affected for one package, and a KEV source.
func small() []testSource {
	deb := testSource{info: vulndb.SourceInfo{Name: "debian-dsa", Format: "debian-dsa-list", Records: 3}}
	deb.advisories = []*vulndb.Advisory{
		{ID: "DSA-2", Source: "debian", Aliases: []string{"CVE-2023-2"}, Affected: []vulndb.Affected{
			aff("Debian:11", "openssl", "1.1.1n-0+deb11u4"),
			{Ecosystem: "Debian:11", Package: "openssl", Status: vulndb.StatusWontFix,
				Versions: []string{"1.1.1a"}, Severity: []vulndb.Severity{{Type: "DISTRO", Score: "low"}}},
			aff("Debian:12", "openssl", "3.0.8-1"),
		}},
		{ID: "DSA-1", Source: "debian", Summary: "first", Published: t0, Modified: t0.Add(time.Hour),
			Severity:   []vulndb.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
			References: []string{"https://example.invalid/1"},
			Affected: []vulndb.Affected{{Ecosystem: "Debian:11", Package: "openssl", Status: vulndb.StatusAffected,
				Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{
					{Introduced: "1.0"}, {LastAffected: "1.1"}, {Introduced: "2.0"}, {Limit: "3.0"}}}}}}},
		{ID: "DSA-3", Source: "debian", Affected: []vulndb.Affected{aff("Debian:11", "curl", "7.74.0-1.3+deb11u7")}},
	}
	// "debian" sorts before "debian-dsa" as a source but "debian-dla/..."
	// sorts before "debian/..." as a key: Lookup orders by key.
	dla := testSource{info: vulndb.SourceInfo{Name: "debian-dla", Format: "debian-dla-list", Records: 1}}
	dla.advisories = []*vulndb.Advisory{{ID: "DLA-9", Affected: []vulndb.Affected{aff("Debian:11", "openssl", "1.1.1n-0+deb11u5")}}}
	other := testSource{info: vulndb.SourceInfo{Name: "debian", Format: "debian-json", Records: 1}}
	other.advisories = []*vulndb.Advisory{{ID: "CVE-2023-7", Affected: []vulndb.Affected{aff("Debian:11", "openssl", "1.1.1n-0+deb11u6")}}}
	k := testSource{info: vulndb.SourceInfo{Name: "cisa-kev", Format: "cisa-kev", Records: 2}}
	k.kev = []vulndb.KEV{{CVE: "CVE-2023-2", VendorProject: "OpenSSL", DateAdded: "2023-05-01"}, {CVE: "CVE-2021-44228", Product: "Log4j"}}
	return []testSource{deb, dla, other, k}
}

func TestBuildAndRead(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vulns.db")
	srcs := small()
	buildT(t, path, vulndb.BuildOptions{Now: t0}, srcs)
	db := openT(t, path)

	meta, err := db.Meta()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(vulndb.Meta{Schema: vulndb.SchemaVersion, Built: t0}, meta); diff != "" {
		t.Errorf("Meta (-want +got):\n%s", diff)
	}
	got, err := db.Sources()
	if err != nil {
		t.Fatal(err)
	}
	var want []vulndb.SourceInfo
	for _, s := range srcs {
		s.info.Imported = t0 // stamped: it was zero
		want = append(want, s.info)
	}
	slices.SortFunc(want, func(a, b vulndb.SourceInfo) int { return cmpString(a.Name, b.Name) })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sources (-want +got):\n%s", diff)
	}

	deb := srcs[0].advisories
	t.Run("lookup", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			eco, pkg string
			want     []vulndb.Entry
		}{
			{"Debian:11", "openssl", []vulndb.Entry{
				{Advisory: "debian-dla/DLA-9", Affected: srcs[1].advisories[0].Affected[0]},
				{Advisory: "debian-dsa/DSA-1", Affected: deb[1].Affected[0]},
				{Advisory: "debian-dsa/DSA-2", Affected: deb[0].Affected[0]},
				{Advisory: "debian-dsa/DSA-2", Affected: deb[0].Affected[1]},
				{Advisory: "debian/CVE-2023-7", Affected: srcs[2].advisories[0].Affected[0]},
			}},
			{"Debian:12", "openssl", []vulndb.Entry{{Advisory: "debian-dsa/DSA-2", Affected: deb[0].Affected[2]}}},
			{"Debian:11", "curl", []vulndb.Entry{{Advisory: "debian-dsa/DSA-3", Affected: deb[2].Affected[0]}}},
			{"Debian:11", "openss", nil},
			{"Debian:1", "openssl", nil},
			{"", "", nil},
		}
		for _, tt := range tests {
			got, err := db.Lookup(tt.eco, tt.pkg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%q, %q) (-want +got):\n%s", tt.eco, tt.pkg, diff)
			}
		}
	})
	t.Run("advisory", func(t *testing.T) {
		t.Parallel()
		a, err := db.Advisory("debian-dsa/DSA-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(deb[1], a); diff != "" {
			t.Errorf("Advisory (-want +got):\n%s", diff)
		}
		for _, key := range []string{"debian-dsa/DSA-9", "DSA-1", "", "debian-dsa/"} {
			if _, err := db.Advisory(key); !errors.Is(err, vulndb.ErrNotFound) {
				t.Errorf("Advisory(%q) = %v, want ErrNotFound", key, err)
			}
		}
	})
	t.Run("kev", func(t *testing.T) {
		t.Parallel()
		k, ok, err := db.KEV("CVE-2023-2")
		if err != nil || !ok || k.VendorProject != "OpenSSL" {
			t.Errorf("KEV(CVE-2023-2) = %+v, %v, %v", k, ok, err)
		}
		for _, id := range []string{"CVE-2023-", "CVE-2023-22", ""} {
			if _, ok, err := db.KEV(id); ok || err != nil {
				t.Errorf("KEV(%q) = %v, %v; want absent", id, ok, err)
			}
		}
	})
	t.Run("advisories", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct {
			source string
			want   []string
		}{
			{"", []string{"debian-dla/DLA-9", "debian-dsa/DSA-1", "debian-dsa/DSA-2", "debian-dsa/DSA-3", "debian/CVE-2023-7"}},
			{"debian", []string{"debian/CVE-2023-7"}},
			{"debian-dsa", []string{"debian-dsa/DSA-1", "debian-dsa/DSA-2", "debian-dsa/DSA-3"}},
			{"cisa-kev", nil},
		} {
			if diff := cmp.Diff(tt.want, advisoryKeys(t, db, tt.source)); diff != "" {
				t.Errorf("Advisories(%q) (-want +got):\n%s", tt.source, diff)
			}
		}
		stop := errors.New("stop")
		err := db.Advisories(context.Background(), "", func(string, *vulndb.Advisory) error { return stop })
		if !errors.Is(err, stop) {
			t.Errorf("Advisories with failing fn = %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := db.Advisories(ctx, "", func(string, *vulndb.Advisory) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("Advisories with cancelled ctx = %v", err)
		}
	})
}

func cmpString(a, b string) int { return bytes.Compare([]byte(a), []byte(b)) }

func advisoryKeys(t testing.TB, db *vulndb.DB, source string) []string {
	t.Helper()
	var keys []string
	err := db.Advisories(context.Background(), source, func(key string, a *vulndb.Advisory) error {
		keys = append(keys, key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// fingerprint sums everything a database holds (sources, every advisory
// key and value, every lookup of pairs), so two databases compare by one
// string.
func fingerprint(t testing.TB, path string, pairs [][2]string) (string, int) {
	t.Helper()
	db, err := vulndb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := sha256.New()
	srcs, err := db.Sources()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		fmt.Fprintf(h, "source %s %d %s\n", s.Name, s.Records, s.Imported.UTC())
	}
	n := 0
	err = db.Advisories(context.Background(), "", func(key string, a *vulndb.Advisory) error {
		n++
		fmt.Fprintf(h, "%s %s %d\n", key, a.ID, len(a.Affected))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pairs {
		es, err := db.Lookup(p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%v %v\n", p, es)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

func TestBuildBaseAndDrop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "vulns.db")
	srcs := small()
	buildT(t, path, vulndb.BuildOptions{Now: t0}, srcs)

	// Drop debian-dla, replace debian (by writing it again) and add a new
	// source; debian-dsa and cisa-kev are copied.
	repl := testSource{info: vulndb.SourceInfo{Name: "debian", Format: "debian-json", Records: 1}}
	repl.advisories = []*vulndb.Advisory{{ID: "CVE-2024-1", Affected: []vulndb.Affected{aff("Debian:12", "openssl", "3.0.9-1")}}}
	added := testSource{info: vulndb.SourceInfo{Name: "osv-go", Format: "osv", Records: 1}}
	added.advisories = []*vulndb.Advisory{{ID: "GO-2024-1", Affected: []vulndb.Affected{aff("Go", "golang.org/x/net", "0.23.0")}}}
	t1 := t0.Add(24 * time.Hour)
	buildT(t, path, vulndb.BuildOptions{Base: path, Drop: []string{"debian-dla"}, Now: t1}, []testSource{repl, added})

	// The same content built from scratch must have the same fingerprint.
	fresh := filepath.Join(dir, "fresh.db")
	dsa, k := srcs[0], srcs[3]
	dsa.info.Imported, k.info.Imported = t0, t0
	if err := vulndb.Build(context.Background(), fresh, vulndb.BuildOptions{Now: t1}, func(w *vulndb.Writer) error {
		return fillWith([]testSource{dsa, k, repl, added})(w)
	}); err != nil {
		t.Fatal(err)
	}
	pairs := [][2]string{{"Debian:11", "openssl"}, {"Debian:12", "openssl"}, {"Debian:11", "curl"}, {"Go", "golang.org/x/net"}}
	gotFP, n := fingerprint(t, path, pairs)
	wantFP, _ := fingerprint(t, fresh, pairs)
	if gotFP != wantFP || n != 5 {
		t.Errorf("rebuilt database differs from a fresh one with the same sources (%d advisories)", n)
	}
	db := openT(t, path)
	if es, _ := db.Lookup("Debian:11", "openssl"); len(es) != 3 {
		t.Errorf("Debian:11 openssl has %d entries after dropping debian-dla and replacing debian, want 3: %v", len(es), es)
	}
	if _, ok, _ := db.KEV("CVE-2021-44228"); !ok {
		t.Error("KEV rows of a kept source were not copied")
	}
	srcsGot, _ := db.Sources()
	var names []string
	for _, s := range srcsGot {
		names = append(names, s.Name+"@"+s.Imported.Format("01-02"))
	}
	if diff := cmp.Diff([]string{"cisa-kev@03-01", "debian@03-02", "debian-dsa@03-01", "osv-go@03-02"}, names); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}

	// Dropping a KEV source removes its rows.
	buildT(t, path, vulndb.BuildOptions{Base: path, Drop: []string{"cisa-kev"}}, nil)
	db2 := openT(t, path)
	if _, ok, _ := db2.KEV("CVE-2021-44228"); ok {
		t.Error("KEV rows of a dropped source remain")
	}
}

// TestPutMerges: a second Put of one source and ID (the same CVE in two
// Alpine secdb files) merges into the first.
func TestPutMerges(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vulns.db")
	v320 := aff("Alpine:v3.20", "openssl", "3.3.2-r0")
	v321 := aff("Alpine:v3.21", "openssl", "3.3.2-r1")
	first := &vulndb.Advisory{ID: "CVE-2024-1", Source: "alpine", Aliases: []string{"GHSA-1"},
		Modified: t0, Affected: []vulndb.Affected{v320}}
	second := &vulndb.Advisory{ID: "CVE-2024-1", Summary: "s", Aliases: []string{"GHSA-1", "GHSA-2"},
		Modified: t0.Add(time.Hour), Published: t0, Affected: []vulndb.Affected{v321, v320}}
	err := vulndb.Build(context.Background(), path, vulndb.BuildOptions{}, func(w *vulndb.Writer) error {
		for _, a := range []*vulndb.Advisory{first, second} {
			if err := w.Put("alpine-secdb", a); err != nil {
				return err
			}
		}
		return w.SetSource(vulndb.SourceInfo{Name: "alpine-secdb"})
	})
	if err != nil {
		t.Fatal(err)
	}
	db := openT(t, path)
	got, err := db.Advisory("alpine-secdb/CVE-2024-1")
	if err != nil {
		t.Fatal(err)
	}
	want := &vulndb.Advisory{ID: "CVE-2024-1", Source: "alpine", Summary: "s", Aliases: []string{"GHSA-1", "GHSA-2"},
		Published: t0, Modified: t0.Add(time.Hour), Affected: []vulndb.Affected{v320, v321}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged advisory (-want +got):\n%s", diff)
	}
	if len(first.Aliases) != 1 || len(first.Affected) != 1 {
		t.Error("merge changed the caller's advisory")
	}
	for _, eco := range []string{"Alpine:v3.20", "Alpine:v3.21"} {
		if es, err := db.Lookup(eco, "openssl"); err != nil || len(es) != 1 {
			t.Errorf("Lookup(%s) = %v, %v", eco, es, err)
		}
	}
}

func TestBuildFailureLeavesOldFile(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name string
		fill func(*vulndb.Writer) error
		want error
	}{
		{"fill error", func(w *vulndb.Writer) error {
			if err := fillWith(small())(w); err != nil {
				return err
			}
			return boom
		}, boom},
		{"no SetSource", func(w *vulndb.Writer) error {
			return w.Put("osv-go", &vulndb.Advisory{ID: "GO-1"})
		}, nil},
		{"bad source name", func(w *vulndb.Writer) error {
			return w.Put("a/b", &vulndb.Advisory{ID: "X-1"})
		}, nil},
		{"no ID", func(w *vulndb.Writer) error {
			return w.Put("a", &vulndb.Advisory{})
		}, nil},
		{"KEV without CVE", func(w *vulndb.Writer) error {
			return w.PutKEV("cisa-kev", vulndb.KEV{})
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "vulns.db")
			buildT(t, path, vulndb.BuildOptions{}, small()[:1])
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			err = vulndb.Build(context.Background(), path, vulndb.BuildOptions{Base: path}, tt.fill)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Build = %v, want error %v", err, tt.want)
			}
			t.Log(err)
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Error("a failed Build changed the database")
			}
			if left, _ := filepath.Glob(filepath.Join(dir, vulndb.TempPattern)); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

func TestBuildCancelled(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vulns.db")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := vulndb.Build(ctx, path, vulndb.BuildOptions{}, fillWith(small())); !errors.Is(err, context.Canceled) {
		t.Fatalf("Build with a cancelled context = %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cancelled Build left %s: %v", path, err)
	}
}

func TestRemoveStaleTemps(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stale := filepath.Join(dir, ".vigil-db-111.tmp")
	if err := os.WriteFile(stale, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A live build holds bbolt's lock on its file.
	live := filepath.Join(dir, ".vigil-db-222.tmp")
	ldb, err := bolt.Open(live, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ldb.Close()
	other := filepath.Join(dir, "keep.tmp")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{stale, live, other} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	recent := filepath.Join(dir, ".vigil-db-333.tmp") // just created, not yet locked
	if err := os.WriteFile(recent, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// Build removes stale files as it starts.
	buildT(t, filepath.Join(dir, "vulns.db"), vulndb.BuildOptions{}, nil)
	for p, want := range map[string]bool{stale: false, live: true, other: true, recent: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists=%v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}

func TestOpenHostile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	buildT(t, good, vulndb.BuildOptions{}, synthetic(3000, 1))
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	random := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	bare := filepath.Join(dir, "bare.db") // a bbolt file, but not vigil's
	bdb, err := bolt.Open(bare, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = bdb.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
	bdb.Close()
	schema := filepath.Join(dir, "schema.db")
	buildT(t, schema, vulndb.BuildOptions{}, nil)
	bdb, err = bolt.Open(schema, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = bdb.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("meta"), []byte(`{"schema":99}`))
	})
	bdb.Close()

	tests := []struct {
		name string
		path string
		want error
	}{
		{"missing", filepath.Join(dir, "nope.db"), fs.ErrNotExist},
		{"directory", dir, vulndb.ErrNotDatabase},
		{"empty", write("empty.db", nil), vulndb.ErrNotDatabase},
		{"tiny", write("tiny.db", []byte("hello")), vulndb.ErrNotDatabase},
		{"random", write("random.db", random), vulndb.ErrNotDatabase},
		{"truncated half", write("half.db", data[:len(data)/2]), vulndb.ErrNotDatabase},
		{"truncated to meta", write("meta.db", data[:8192]), vulndb.ErrNotDatabase},
		{"bbolt without vigil buckets", bare, vulndb.ErrNotDatabase},
		{"other schema", schema, vulndb.ErrSchema},
		{"text", write("text.db", bytes.Repeat([]byte("not a database\n"), 1000)), vulndb.ErrNotDatabase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, err := vulndb.Open(tt.path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Open = %v, want %v", err, tt.want)
			}
			t.Log(err)
		})
	}
	t.Run("base not a database", func(t *testing.T) {
		t.Parallel()
		p := filepath.Join(t.TempDir(), "x.db")
		err := vulndb.Build(context.Background(), p, vulndb.BuildOptions{Base: filepath.Join(dir, "random.db")}, fillWith(nil))
		if !errors.Is(err, vulndb.ErrNotDatabase) {
			t.Errorf("Build over a random base = %v", err)
		}
	})
}

// TestCorruptValues damages index, advisory and KEV values in a real
// database file: reads return errors, never panic.
func TestCorruptValues(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vulns.db")
	buildT(t, path, vulndb.BuildOptions{}, small())
	bdb, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := append(vulndb.IndexPrefix("Debian:11", "openssl"), "debian-dsa"...)
	err = bdb.Update(func(tx *bolt.Tx) error {
		idx := tx.Bucket([]byte("index"))
		v := bytes.Clone(idx.Get(key))
		if v == nil {
			return errors.New("index key not found")
		}
		if err := idx.Put(key, v[:len(v)-3]); err != nil {
			return err
		}
		if err := idx.Put(append(vulndb.IndexPrefix("Debian:11", "curl"), "debian-dsa"...), []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f}); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("advisories")).Put([]byte("debian-dsa/DSA-1"), []byte("{")); err != nil {
			return err
		}
		return tx.Bucket([]byte("sources")).Put([]byte("zz"), []byte("[]"))
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	db := openT(t, path)
	if _, err := db.Lookup("Debian:11", "openssl"); err == nil {
		t.Error("Lookup of a truncated index value succeeded")
	} else {
		t.Log(err)
	}
	if _, err := db.Lookup("Debian:11", "curl"); err == nil {
		t.Error("Lookup of a huge count succeeded")
	}
	if _, err := db.Advisory("debian-dsa/DSA-1"); err == nil {
		t.Error("Advisory of bad JSON succeeded")
	}
	if _, err := db.Sources(); err == nil {
		t.Error("Sources with bad JSON succeeded")
	}
	if err := db.Advisories(context.Background(), "", func(string, *vulndb.Advisory) error { return nil }); err == nil {
		t.Error("Advisories over bad JSON succeeded")
	}
}

func TestConcurrentReads(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vulns.db")
	srcs := synthetic(5000, 2)
	buildT(t, path, vulndb.BuildOptions{}, srcs)
	db := openT(t, path)
	pairs := lookupPairs(srcs, 300, 3)
	want := map[[2]string]int{}
	for _, p := range pairs {
		es, err := db.Lookup(p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		want[p] = len(es)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i, p := range pairs {
				if (i+g)%3 == 0 {
					if _, err := db.Advisory("synth-go/CVE-2002-00002"); err != nil && !errors.Is(err, vulndb.ErrNotFound) {
						t.Error(err)
					}
				}
				es, err := db.Lookup(p[0], p[1])
				if err != nil || len(es) != want[p] {
					t.Errorf("%v: %d entries, %v; want %d", p, len(es), err, want[p])
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestSharedData imports all the shared vulndata and checks that what
// Build stored is what the importers read.
func TestSharedData(t *testing.T) {
	t.Parallel()
	dir := sharedVulndata(t)
	if dir == "" {
		t.Skip("shared vulndata absent")
	}
	srcs := loadShared(t, dir)
	path := filepath.Join(t.TempDir(), "vulns.db")
	start := time.Now()
	buildT(t, path, vulndb.BuildOptions{}, srcs)
	fi, _ := os.Stat(path)
	t.Logf("%d advisories: build %v, %.1f MB", countAdvisories(srcs), time.Since(start), float64(fi.Size())/1e6)
	db := openT(t, path)
	for _, s := range srcs {
		keys := advisoryKeys(t, db, s.info.Name)
		ids := map[string]bool{}
		for _, a := range s.advisories {
			ids[a.ID] = true
		}
		if len(keys) != len(ids) {
			t.Errorf("%s: %d advisories stored, %d distinct IDs read", s.info.Name, len(keys), len(ids))
		}
	}
	for _, tt := range []struct{ eco, pkg string }{
		{"Alpine:v3.20", "openssl"}, {"Debian:11", "openssl"}, {"Azure Linux:3.0", "openssl"},
		{"Go", "golang.org/x/net"}, {"crates.io", "tokio"}, {"PyPI", "django"},
	} {
		es, err := db.Lookup(tt.eco, tt.pkg)
		if err != nil || len(es) == 0 {
			t.Errorf("Lookup(%q, %q) = %d entries, %v", tt.eco, tt.pkg, len(es), err)
			continue
		}
		if _, err := db.Advisory(es[0].Advisory); err != nil {
			t.Errorf("Advisory(%s): %v", es[0].Advisory, err)
		}
	}
	if _, ok, err := db.KEV("CVE-2021-44228"); !ok || err != nil {
		t.Errorf("KEV(CVE-2021-44228) = %v, %v", ok, err)
	}
}

func BenchmarkLookup(b *testing.B) {
	srcs := benchData(b)
	path := filepath.Join(b.TempDir(), "vulns.db")
	buildT(b, path, vulndb.BuildOptions{}, srcs)
	db := openT(b, path)
	pairs := lookupPairs(srcs, 1000, 7)
	b.Run("1000-pairs", func(b *testing.B) {
		for b.Loop() {
			for _, p := range pairs {
				if _, err := db.Lookup(p[0], p[1]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("1000-pairs-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				for _, p := range pairs {
					if _, err := db.Lookup(p[0], p[1]); err != nil {
						b.Error(err)
						return
					}
				}
			}
		})
	})
}

func BenchmarkBuild(b *testing.B) {
	srcs := benchData(b)
	dir := b.TempDir()
	path := filepath.Join(dir, "vulns.db")
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			buildT(b, path, vulndb.BuildOptions{}, srcs)
		}
	})
	// Replacing one source copies the others from the base.
	b.Run("replace-one-source", func(b *testing.B) {
		one := srcs[len(srcs)/2:][:1]
		for b.Loop() {
			buildT(b, path, vulndb.BuildOptions{Base: path}, one)
		}
	})
}

// TestSnapshot: a snapshot reads what the DB reads, and keeps reading the
// file it was taken from after a Build replaces it.
func TestSnapshot(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "v.db")
	buildT(t, path, vulndb.BuildOptions{}, small())
	db := openT(t, path)
	snap, err := db.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	for _, p := range [][2]string{{"Debian:11", "openssl"}, {"Debian:11", "curl"}, {"Debian:12", "nope"}} {
		want, err := db.Lookup(p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		got, err := snap.Lookup(p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Lookup %v (-db +snapshot):\n%s", p, diff)
		}
	}
	want, _ := db.Advisory("debian-dsa/DSA-1")
	got, err := snap.Advisory("debian-dsa/DSA-1")
	if err != nil || !cmp.Equal(want, got) {
		t.Errorf("Advisory: %v, %v", err, cmp.Diff(want, got))
	}
	head, err := snap.AdvisoryHeader("debian-dsa/DSA-1")
	if err != nil || head.Affected != nil || head.Summary != "first" {
		t.Errorf("AdvisoryHeader = %+v, %v; want the head without Affected", head, err)
	}
	if _, err := snap.Advisory("debian-dsa/none"); !errors.Is(err, vulndb.ErrNotFound) {
		t.Errorf("missing advisory: %v, want ErrNotFound", err)
	}
	k, ok, err := snap.KEV("CVE-2023-2")
	if err != nil || !ok || k.VendorProject != "OpenSSL" {
		t.Errorf("KEV = %+v %v %v", k, ok, err)
	}
	// A new build replaces the file; the open snapshot still sees the old one.
	buildT(t, path, vulndb.BuildOptions{}, nil)
	if got, err := snap.Lookup("Debian:11", "curl"); err != nil || len(got) != 1 {
		t.Errorf("after a rebuild the snapshot reads %d entries, %v; want the 1 it had", len(got), err)
	}
}

// TestLookupNormalizesNames: names compare as their ecosystem compares them
// (PEP 503 for PyPI, case-insensitive NuGet), whichever spelling the advisory
// or the installed package uses; other ecosystems compare exactly.
func TestLookupNormalizesNames(t *testing.T) {
	t.Parallel()
	src := testSource{info: vulndb.SourceInfo{Name: "osv", Format: "osv", Records: 3}}
	src.advisories = []*vulndb.Advisory{
		{ID: "PYSEC-1", Affected: []vulndb.Affected{aff("PyPI", "PyYAML", "5.4")}},
		{ID: "GHSA-2", Affected: []vulndb.Affected{aff("NuGet", "Newtonsoft.Json", "13.0.1")}},
		{ID: "GHSA-3", Affected: []vulndb.Affected{aff("npm", "Lodash", "1.0.0")}},
	}
	path := filepath.Join(t.TempDir(), "db")
	buildT(t, path, vulndb.BuildOptions{Now: t0}, []testSource{src})
	db := openT(t, path)
	for _, tc := range []struct {
		eco, name string
		want      int
	}{
		{"PyPI", "pyyaml", 1}, {"PyPI", "PyYAML", 1}, {"PyPI", "py_yaml", 0}, {"PyPI", "Py.YAML", 0},
		{"NuGet", "newtonsoft.json", 1}, {"NuGet", "NEWTONSOFT.JSON", 1},
		{"npm", "Lodash", 1}, {"npm", "lodash", 0},
	} {
		es, err := db.Lookup(tc.eco, tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != tc.want {
			t.Errorf("Lookup(%q, %q): %d entries, want %d", tc.eco, tc.name, len(es), tc.want)
		}
	}
}
