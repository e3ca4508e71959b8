package feed

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Source is one source that `vigil db update` knows how to fetch, or that
// Detect recognised in a local path.
type Source struct {
	// Name is the vulndb.SourceInfo name it is stored under.
	Name string
	// Format is the importer: "alpine-secdb", "debian-dsa-list",
	// "debian-dla-list", "debian-cve-list", "debian-json", "oval", "osv",
	// "cisa-kev".
	Format string
	// URLs to fetch (update) or the local path (import).
	URLs []string
}

// Progress is reported while importing or downloading.
type Progress struct {
	Source string
	// Stage is "download", "parse" or "write".
	Stage string
	Done  int64 // bytes or records so far
	Total int64 // 0 when unknown
}

// Observer receives logs and progress; every field may be nil.
type Observer struct {
	Log      *slog.Logger
	Progress func(Progress)
}

// Summary is what one import or update did, per source.
type Summary struct {
	Sources []SourceResult
}

// SourceResult is the outcome for one source.
type SourceResult struct {
	Name     string
	Records  int
	Problems int
	// NotModified is set when a conditional request found nothing new.
	NotModified bool
	// Err is set when this source failed; the others still land.
	Err error
	// FirstProblems are up to 10 of the problems, for people.
	FirstProblems []string
}

// Detect recognises the format of a local path: a directory or zip or
// .tar.gz of OSV records, an Alpine secdb JSON file or a directory of them,
// a Debian tracker data/ directory or its DSA/DLA/CVE list or JSON export,
// an OVAL file (.xml, .xml.gz, .xml.bz2), the CISA KEV JSON. A Debian
// tracker data/ directory holds several sources (debian-dsa, debian-dla,
// debian-cve), hence the slice; every other path is one Source whose URLs
// hold the path.
func Detect(path string) ([]Source, error) { return detect(path) }

// Import reads each path, in its detected format, into the database at
// dbPath in one atomic vulndb.Build (sources of the same name are replaced,
// others kept).
func Import(ctx context.Context, dbPath string, paths []string, obs Observer) (Summary, error) {
	return importPaths(ctx, realStore(), dbPath, paths, obs)
}

// UpdateOptions configure Update.
type UpdateOptions struct {
	// CacheDir keeps the downloaded files and their validators.
	CacheDir string
	// Client is the HTTP client; nil means a client with sane timeouts.
	Client *http.Client
	// Sources to fetch; nil means Defaults().
	Sources []Source
	Now     time.Time
}

// Update fetches each source with conditional requests and rebuilds the
// database atomically with the sources that changed.
func Update(ctx context.Context, dbPath string, opts UpdateOptions, obs Observer) (Summary, error) {
	return update(ctx, realStore(), dbPath, opts, obs)
}

// Export writes the database at dbPath as one bundle file (the database and
// a manifest with its SHA-256) to w.
func Export(ctx context.Context, dbPath string, w io.Writer) error {
	return export(ctx, realStore(), dbPath, w)
}

// ImportBundle verifies a bundle made by Export and installs its database
// at dbPath atomically.
func ImportBundle(ctx context.Context, dbPath, bundlePath string) error {
	return importBundle(ctx, realStore(), dbPath, bundlePath)
}
