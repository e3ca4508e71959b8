// Package osv imports vulnerability records in the OSV format
// (https://ossf.github.io/osv-schema/, schema 1.x): the Go vulnerability
// database, RustSec, the GitHub Advisory Database, PyPA, and the
// per-ecosystem all.zip files that osv.dev publishes.
//
// Usage:
//
//	err := osv.Parse(ctx, f, "GO-2023-2102.json", emit, problem) // one record
//	err := osv.ImportDir(ctx, os.DirFS(dir), emit, problem)       // every *.json below dir
//	err := osv.ImportZip(ctx, f, size, "Go/all.zip", emit, problem)
//	err := osv.ImportTarGz(ctx, f, "golang-vulndb-osv.tar.gz", emit, problem)
//	err := osv.ParseYAML(ctx, f, "PYSEC-2023-74.yaml", emit, problem)
//
// Each record becomes one vulndb.Advisory with Source "osv": id, aliases,
// summary (cut at MaxSummary), published, modified, severity, reference
// URLs, and per affected package its OSV ecosystem string ("Go", "npm",
// "crates.io", "Debian:12", ...), name, StatusAffected, per-package
// severity, ranges (SEMVER, ECOSYSTEM, GIT; events kept in order) and the
// explicit versions list. details, related, credits, ecosystem_specific and
// database_specific are dropped (so are GHSA's database_specific severity
// label and RustSec's "informational" kind). A withdrawn record is skipped
// without a Problem. An affected entry with neither ranges nor versions is
// kept as it is; matching decides what it means.
//
// Checks: the ID and aliases must look like advisory IDs; every event sets
// exactly one of introduced, fixed, last_affected, limit; SEMVER ranges and
// the Go ecosystem need SemVer 2.0 versions (no "v"); Debian/Ubuntu, Alpine
// and rpm-based ecosystems (Red Hat, AlmaLinux, Rocky Linux, Azure Linux,
// CBL-Mariner, SUSE, ...) are checked with internal/version. Other
// ecosystems' versions (npm, PyPI, Maven, ...) are only checked for length
// and control characters.
//
// Hostile input: a record is read to at most MaxRecordSize bytes; fields are
// capped at MaxField (URLs at MaxURL) and lists at MaxList. A record that
// breaks a rule (truncated JSON, wrong types, trailing junk, an over-long
// field, a bad version) is reported as one *vulndb.Problem naming the file
// and, where it can be found, the record's ID, and nothing of it is emitted;
// the other records still import. ImportZip never extracts to disk: each
// entry is inflated in memory up to MaxRecordSize whatever its header
// claims; entries that are not *.json regular files or whose names are not
// clean relative paths are Problems; past MaxZipEntries entries or
// MaxZipTotal bytes the rest is one Problem.
//
// YAML (ParseYAML, and *.yaml/*.yml files in ImportDir, ImportZip and
// ImportTarGz) is read as the PyPA advisory database publishes OSV: every
// scalar is kept as its text (so version 1.10 stays "1.10"), and anchors,
// aliases, merge keys, duplicate keys and a second document are Problems,
// which refuses "billion laughs" alias bombs outright. ImportTarGz streams a
// .tar.gz (or plain tar) and never extracts to disk; it has the same caps
// as ImportZip (MaxTarEntries, MaxTarTotal counting skipped bytes too).
//
// Limits: fetching over HTTPS is the update command's job (internal/vulndb/feed):
// hand the downloaded file to ImportZip or ImportTarGz.
package osv
