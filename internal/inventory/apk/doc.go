// Package apk catalogs the packages of Alpine-based images (and others that
// use apk-tools: Wolfi, Chainguard) from apk's installed database.
//
// It reads lib/apk/db/installed (apk-tools 2) or usr/lib/apk/db/installed
// (apk-tools 3, preferred when present). Each stanza gives name (P), version
// (V), architecture (A), origin (o) as the source package, with the package's
// own version as source version since every subpackage of an APKBUILD shares
// its pkgver-pkgrel, and the licence (L), kept whole as one entry since it is
// an SPDX expression. A package without an origin has no source.
//
// Usage:
//
//	c := apk.New(logger)
//	pkgs, err := c.Catalog(ctx, fsys)
//
// Hostile input: lines are read through a fixed buffer (Config.MaxLine), so a
// huge file-list line costs no memory; the file size and stanza count are
// capped. A malformed stanza is logged and skipped, the rest still read; only
// an unreadable or oversized database fails Catalog.
//
// Limits: only the text format of the installed database is read; a binary
// (apk-tools 3 ADB) database would be logged as malformed stanzas. PURLs and
// layers are filled by inventory.Catalog.
package apk
