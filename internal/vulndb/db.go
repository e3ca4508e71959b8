package vulndb

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout version of the database file. Open refuses a
// file of another version with ErrSchema; `vigil db update` rebuilds it.
const SchemaVersion = 2

// ErrSchema is returned by Open for a database written by another schema
// version.
var ErrSchema = errors.New("vulnerability database schema version differs")

// ErrNotFound is returned for an advisory key the database does not hold.
var ErrNotFound = errors.New("not found")

// ErrNotDatabase is returned by Open (and Build, for its Base) for a file
// that is not a vigil vulnerability database: not a bbolt file, empty,
// truncated, or without vigil's buckets.
var ErrNotDatabase = errors.New("not a vigil vulnerability database")

// Meta describes a database file as a whole.
type Meta struct {
	Schema int       `json:"schema"`
	Built  time.Time `json:"built"`
}

// SourceInfo describes one imported source: one unit that an import or an
// update replaces as a whole ("alpine-secdb", "debian-dsa", "osv-go",
// "azurelinux-3.0-oval", "cisa-kev", ...).
type SourceInfo struct {
	// Name identifies the source in the database; importing a source of the
	// same name replaces all its records.
	Name string `json:"name"`
	// Format is the importer that read it: "alpine-secdb", "debian-dsa-list",
	// "debian-dla-list", "debian-cve-list", "debian-json", "oval", "osv",
	// "cisa-kev".
	Format string `json:"format"`
	// Origin is the path or URL it was read from.
	Origin string `json:"origin"`
	// Records is the number of advisories (or KEV entries) stored.
	Records int `json:"records"`
	// Problems is the number of records the importer could not read.
	Problems int `json:"problems"`
	// Imported is when it was written into the database.
	Imported time.Time `json:"imported"`
	// DataTime is how new the data is: the feed's own generation date, or the
	// newest modification date in its records; zero when unknown.
	DataTime time.Time `json:"dataTime,omitzero"`
	// ETag and LastModified are the HTTP validators of the last download,
	// for conditional update requests.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	// SHA256 is the hex digest of the bytes read (for a directory: of the
	// sorted list of file digests).
	SHA256 string `json:"sha256,omitempty"`
}

// Entry is one index entry: a package in an ecosystem that an advisory
// lists. Matching reads entries first and loads the advisory only for a hit.
type Entry struct {
	// Advisory is the key of the advisory in this database (Source + "/" + ID).
	Advisory string `json:"advisory"`
	// Affected is the advisory's Affected for this ecosystem and package.
	Affected Affected `json:"affected"`
}

// KEV is one entry of CISA's Known Exploited Vulnerabilities catalogue.
type KEV struct {
	CVE                        string `json:"cveID"`
	VendorProject              string `json:"vendorProject,omitempty"`
	Product                    string `json:"product,omitempty"`
	Name                       string `json:"vulnerabilityName,omitempty"`
	DateAdded                  string `json:"dateAdded,omitempty"`
	DueDate                    string `json:"dueDate,omitempty"`
	KnownRansomwareCampaignUse string `json:"knownRansomwareCampaignUse,omitempty"`
}

// AdvisoryKey is the key of an advisory in the database.
func AdvisoryKey(source, id string) string { return source + "/" + id }

// BuildOptions says what a Build keeps of an existing database.
type BuildOptions struct {
	// Base is an existing database whose sources are copied into the new
	// one, except those named in Drop; empty for a fresh database. It may be
	// the same path as the one being built.
	Base string
	// Drop names the sources of Base not to copy (they are being replaced).
	Drop []string
	// Now stamps Meta.Built and SourceInfo.Imported; zero means time.Now.
	Now time.Time
}

// Writer fills a database being built. It is not safe for concurrent use.
type Writer struct {
	impl writerImpl
}

type writerImpl interface {
	put(source string, a *Advisory) error
	putKEV(source string, k KEV) error
	setSource(info SourceInfo) error
}

// Put stores one advisory of the named source and indexes each of its
// Affected entries by (ecosystem, package). A second Put of the same source
// and ID merges into the first (an importer reads a source file by file,
// and Alpine's secdb lists one ID in one file per release): Affected,
// Aliases, References and Severity are unioned in Put order, the first
// record's other fields win where set, and Modified is the later one.
// Put keeps a (not a copy): the caller must not change it afterwards.
func (w *Writer) Put(source string, a *Advisory) error { return w.impl.put(source, a) }

// PutKEV stores one KEV entry of the named source.
func (w *Writer) PutKEV(source string, k KEV) error { return w.impl.putKEV(source, k) }

// SetSource records (or replaces) the description of a source. Every source
// that Put or PutKEV names must be described before fill returns.
func (w *Writer) SetSource(info SourceInfo) error { return w.impl.setSource(info) }

// Build writes a new database at path: it copies the sources of
// opts.Base that are not dropped, calls fill, and then replaces path
// atomically (write to a temporary file in the same directory, fsync,
// rename, fsync the directory). A failure or a kill at any moment leaves
// the old file (or none) in place, never a partial one. Stale temporary
// files from killed builds are removed.
func Build(ctx context.Context, path string, opts BuildOptions, fill func(*Writer) error) error {
	return build(ctx, path, opts, fill)
}

// DB is an open database, read-only, safe for concurrent use.
type DB struct {
	path string
	bdb  *bolt.DB
	// tx, when set, is the one read transaction every read of a Snapshot
	// uses.
	tx *bolt.Tx
}

// Open opens the database at path read-only. It fails with a clear error
// when the file is missing (wrapping fs.ErrNotExist), is not a vigil
// database (ErrNotDatabase), or has another SchemaVersion (ErrSchema).
func Open(path string) (*DB, error) { return open(path) }

// Close releases the file.
func (db *DB) Close() error { return db.bdb.Close() }

// Path is the file the database was opened from.
func (db *DB) Path() string { return db.path }

// Meta describes the database.
func (db *DB) Meta() (Meta, error) { return db.meta() }

// Sources lists the imported sources in name order.
func (db *DB) Sources() ([]SourceInfo, error) { return db.sources() }

// Lookup returns every index entry for a package name in an ecosystem
// ("Debian:11", "openssl"), ordered by advisory key and then by the order
// of the advisory's Affected; none is not an error.
func (db *DB) Lookup(ecosystem, pkg string) ([]Entry, error) { return db.lookup(ecosystem, pkg) }

// Advisory loads one advisory by its key; ErrNotFound when absent.
func (db *DB) Advisory(key string) (*Advisory, error) { return db.advisory(key, true) }

// AdvisoryHeader loads one advisory without its Affected list, which is
// all that matching needs of an advisory whose index entry hit (and most
// of an advisory's bytes); ErrNotFound when absent.
func (db *DB) AdvisoryHeader(key string) (*Advisory, error) { return db.advisory(key, false) }

// KEV returns the catalogue entry for a CVE ID, if listed.
func (db *DB) KEV(cve string) (KEV, bool, error) { return db.kev(cve) }

// Advisories calls fn for each stored advisory of a source (all sources
// when source is empty), in key order; for export and tests.
func (db *DB) Advisories(ctx context.Context, source string, fn func(key string, a *Advisory) error) error {
	return db.advisories(ctx, source, fn)
}

// Snapshot is one consistent read view of a database, for one goroutine at
// a time: every read shares one read transaction instead of opening its
// own, which is what a scan's thousands of small reads (index, advisory
// head, KEV) cost most. Close it when done; the DB stays open.
type Snapshot struct {
	db *DB
}

// Snapshot opens a read view of db.
func (db *DB) Snapshot() (*Snapshot, error) {
	tx, err := db.bdb.Begin(false)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", db.path, err)
	}
	return &Snapshot{db: &DB{path: db.path, bdb: db.bdb, tx: tx}}, nil
}

// Close ends the read transaction.
func (s *Snapshot) Close() error { return s.db.tx.Rollback() }

// Lookup is DB.Lookup in this view.
func (s *Snapshot) Lookup(ecosystem, pkg string) ([]Entry, error) { return s.db.lookup(ecosystem, pkg) }

// Advisory is DB.Advisory in this view.
func (s *Snapshot) Advisory(key string) (*Advisory, error) { return s.db.advisory(key, true) }

// AdvisoryHeader is DB.AdvisoryHeader in this view.
func (s *Snapshot) AdvisoryHeader(key string) (*Advisory, error) { return s.db.advisory(key, false) }

// KEV is DB.KEV in this view.
func (s *Snapshot) KEV(cve string) (KEV, bool, error) { return s.db.kev(cve) }
