// Package vulndb is vigil's local vulnerability database: the Advisory model
// (OSV-shaped, so OSV imports without loss and distribution feeds map onto
// it), one importer per source format in sub-packages (alpine, debian, oval,
// osv, kev), and the embedded store (Build, Open, DB).
//
// Importers stream: they call an Emit function per advisory and report a
// record they cannot read as a *Problem without stopping the others.
//
// # Store
//
// One bbolt file (go.etcd.io/bbolt), written only by Build and read
// through Open:
//
//	db, err := vulndb.Open(path)       // read-only, safe for concurrent use
//	entries, err := db.Lookup("Debian:11", "openssl")
//	adv, err := db.Advisory(entries[0].Advisory)
//
// Build fills a new file through a Writer: it buffers what fill writes,
// then writes a temporary file (.vigil-db-*.tmp) beside the target in key
// order (bbolt's NoSync, one fsync at the end), copies every source of
// BuildOptions.Base that is neither dropped nor written again, renames the
// file over the target and fsyncs the directory. A failed fill, a
// cancelled context or a kill at any moment leaves the old file; the test
// kills a child Build 25 times over the real data and checks the file holds
// the old or the new bytes. Temporary files that nobody locks (bbolt holds
// an exclusive flock while building) and that are a minute old are removed
// by the next Build. A second Put of one source and ID merges into the
// first (Alpine lists one CVE in one file per release).
//
// Layout (db_build.go): buckets meta, sources, advisories (source/ID ->
// JSON), index ((ecosystem, package, source) -> the entries, hand-encoded
// with length-prefixed strings, see db_codec.go; the decoder checks every
// length and is fuzzed) and kev. Every key names its source, so a Build
// copies exactly the rows of the sources it keeps. Lookup returns entries
// ordered by advisory key, then by the advisory's Affected order.
//
// Open refuses, with ErrNotDatabase, an empty, random, truncated (the file
// is shorter than bbolt's page count says) or foreign bbolt file; with
// ErrSchema a file of another SchemaVersion; a missing file's error wraps
// fs.ErrNotExist. Reads turn a fault of the memory map (a file damaged
// after Open) into an error; a corrupt index value is an error too.
//
// # Why bbolt, not SQLite
//
// Measured by BenchmarkStoreChoice (db_sqlite_test.go) on 2 cores: the
// same rows (all of ../shared/vulndata read by the importers: 95,547
// records and 1,404 KEV entries, stored as 29,043 advisories after the
// Alpine merge) written into bbolt by Build and into SQLite
// (modernc.org/sqlite, key/value BLOB tables WITHOUT ROWID, journal and
// sync off while writing, one fsync), then 1,000 (ecosystem, package)
// lookups with entry decoding on a warm database:
//
//	             write      size      1,000 lookups
//	bbolt        0.54-0.75 s   44.8 MB    6.4-9.2 ms (3.1 ms on 2 goroutines)
//	SQLite       0.81-0.86 s   60.7 MB   37.9-39.9 ms
//
// bbolt reads straight from its memory map with no SQL layer: lookups are
// five to six times faster, the file a quarter smaller and writing no
// slower; we need no queries beyond a key prefix. Reading the sources
// (the importers' parsing) takes about 3 s more and is not the store's.
// One read transaction per call costs about 0.4 µs of a lookup's 7 µs (a
// long-lived shared transaction would not be safe for concurrent use and
// would save little), so DB opens one per call.
package vulndb
