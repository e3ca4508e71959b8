// Package dpkg catalogs the packages of Debian-based images (Debian, Ubuntu,
// Google's distroless) from dpkg's database.
//
// It reads var/lib/dpkg/status and, for distroless images, every control file
// in var/lib/dpkg/status.d (one or more stanzas each; *.md5sums and the other
// files of dpkg's info folder are skipped). Each package records name,
// version, architecture, source name and version exactly as
// `dpkg-query -W -f '${Package} ${Version} ${source:Package} ${source:Version}'`
// prints them, the file it came from, and the licences declared by a
// machine-readable (DEP-5) usr/share/doc/<name>/copyright.
//
// Usage:
//
//	c := dpkg.New(logger)
//	pkgs, err := c.Catalog(ctx, fsys)
//
// Which packages count: every stanza whose Status is not "not-installed" or
// "config-files" (removed, configuration kept; no program left to be
// vulnerable). That is dpkg-query's list minus the config-files packages. A
// stanza without Status (distroless) counts as installed.
//
// Hostile input: lines are read through a fixed buffer (Config.MaxLine), so a
// 10 MB Description costs no memory; the used fields are capped
// (Config.MaxValue); files and stanza counts are capped. A malformed stanza is
// logged and skipped, the rest of the file still read; only an unreadable or
// oversized file fails Catalog.
//
// Limits: dpkg's journal (var/lib/dpkg/updates/*, entries not yet merged into
// status after an interrupted dpkg run) is not read; licences of copyright
// files that are not DEP-5 are not guessed. PURLs and layers are filled by
// inventory.Catalog.
package dpkg
