// Package feed knows the vulnerability data sources: it recognises a local
// file's format, imports paths into the database, fetches the public
// sources with conditional HTTPS requests for `vigil db update`, and writes
// and reads the export bundle for air-gapped use.
//
// Usage:
//
//	srcs, err := feed.Detect(path)                          // what a path holds
//	sum, err := feed.Import(ctx, dbPath, paths, obs)        // one atomic build
//	sum, err := feed.Update(ctx, dbPath, feed.UpdateOptions{CacheDir: dir}, obs)
//	err := feed.Export(ctx, dbPath, w)
//	err := feed.ImportBundle(ctx, dbPath, bundlePath)
//
// Detect: a directory of OSV .json/.yaml records (any depth), an OSV .zip
// or .tar.gz/.tgz, an Alpine secdb JSON file or a directory of
// <release>/<repo>.json, a Debian tracker data/ directory (or the checkout
// above it: one Source per DSA/list, DLA/list, CVE/list present), a file
// named list that starts like a DSA, DLA or CVE list, the tracker's JSON
// export, OVAL XML (.xml, .xml.gz, .xml.bz2, whose root must be
// oval_definitions), the CISA KEV JSON. Source names are stable so that a
// re-import replaces: alpine-secdb, debian-dsa, debian-dla, debian-cve,
// debian-json, cisa-kev, osv-<lowercased dir or file base> (an OSV
// <ecosystem>/all.zip is osv-<ecosystem>, as in Defaults), oval-<file base
// without .xml[.gz|.bz2]>.
//
// Import: one vulndb.Build with the existing database as Base and the
// imported names dropped, so each named source is replaced whole and the
// others are kept. SourceInfo gets Records, Problems, the SHA-256 of the
// bytes read (for a directory or several files: of the sorted "digest
// name" lines), DataTime (the newest record date, or the feed's own date
// where it has one: KEV's dateReleased) and Origin. Problems never fail an
// import: the first 10 per source go into SourceResult.FirstProblems and all
// are logged at Debug. A source that cannot be read at all (missing, not a
// zip, a read error, or nothing but problems) fails the whole import and
// the database stays as it was.
//
// Update: per URL a GET with If-None-Match/If-Modified-Since from the
// validators kept in UpdateOptions.CacheDir/<source>/<file>.meta.json
// beside the downloaded file. A download goes to a temporary file (capped
// at MaxDownload, checked against Content-Length, progress reported in
// bytes) and is read once to check it parses before anything is replaced;
// only then are the file and its validators moved into the cache, each
// atomically. A source whose bytes match the SHA256 recorded in the
// database (304, or a 200 of the same bytes) is NotModified; the changed
// sources land in one atomic Build with the current database as Base. A
// source that fails (HTTP error, timeout, over the cap, does not parse)
// keeps its old data and cache; the others still land and Update returns an
// error naming the failed ones. A changed source is parsed twice (check,
// then write) so that memory stays bounded however large the feed.
//
// What is verified: the HTTP status, TLS (by the client: the default client
// uses the system roots), the size against Content-Length and the cap, and
// that the data parses with at least one record. None of the default
// sources publishes a checksum or signature that can be checked reliably
// (secdb, the tracker, OSV's buckets, the OVAL files and CISA's feed are
// served bare; ETags are not content digests), so none is checked; the
// digest of what was imported is recorded in SourceInfo.SHA256.
//
// Bundle: a gzip-compressed tar of exactly manifest.json (format, version,
// schema, built time, sources, and the db file's size and SHA-256; at most
// MaxManifest bytes) followed by vigil.db. ImportBundle refuses any other
// name, type, order or extra entry, streams the database into a temporary
// file in the target's directory while hashing it, checks the checksum and
// that the file opens as a database of this schema, then renames it into
// place; on any failure the old database is untouched.
//
// Limits: the Debian CVE/list and JSON export are detected, but their
// import waits for debian.ParseCVEList and debian.ParseJSON (see
// debian.go). Alpine secdb files carry no dates, so its DataTime is zero.
package feed
