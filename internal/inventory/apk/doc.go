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
// Files (the paths a package installed, which inventory.Catalog uses to mark
// the language packages an OS package holds, such as py3-*'s dist-info, as
// owned by it) are the package's R: (file) lines joined to the F: (folder)
// line before them ("F:usr/bin" then "R:getconf" is "usr/bin/getconf"; "F:"
// alone is the root): files and symlinks, not folders, in database order.
// Each package's paths share one string (one allocation per package).
//
// Usage:
//
//	c := apk.New(logger)
//	pkgs, err := c.Catalog(ctx, fsys)
//
// Hostile input: lines are read through a fixed buffer (Config.MaxLine), so a
// huge file-list line costs no memory; the file size and stanza count are
// capped. A malformed stanza is logged and skipped, the rest still read; only
// an unreadable or oversized database fails Catalog. An R: line before any
// F:, in a folder that is not a clean relative path (empty, "." or ".."
// elements, a leading or trailing "/", NUL, over 4096 bytes), or that is not
// a plain file name, is dropped and logged with its package. Past
// Config.MaxFiles paths or Config.MaxFilesBytes bytes over one Catalog, no
// more are kept and a warning names the package where it stopped (its Files
// and those of the packages after it are incomplete); either at 0 turns
// Files off.
//
// Limits: only the text format of the installed database is read; a binary
// (apk-tools 3 ADB) database would be logged as malformed stanzas. PURLs and
// layers are filled by inventory.Catalog.
package apk
