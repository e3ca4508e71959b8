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
// Files (the paths a package installed, which inventory.Catalog uses to mark
// the language packages an OS package holds, such as python3-urllib3's
// egg-info, as owned by it) come from dpkg's file lists: in var/lib/dpkg/info,
// <name>:<arch>.list (Multi-Arch: same packages) or <name>.list, one absolute
// path a line, directories included, exactly what `dpkg-query -L` lists
// (diversions are not applied: the list holds the path the package shipped).
// The root "/." is left out and the leading slash removed. Distroless images
// have no info folder: for a package of status.d/ the md5sums file beside the
// control files, status.d/<name>.md5sums, is read when present (regular files
// only; no directories or symlinks); without it Files stays nil. A package
// without a list has nil Files. Each package's paths share one string (one
// allocation per package).
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
// oversized status file fails Catalog. In a file list, a line that is not an
// absolute path (md5sums: not "<md5>  <path>"), or whose path is empty, longer
// than 4096 bytes, holds a NUL byte or an empty, "." or ".." element ("../",
// "//", a trailing "/"), is dropped and logged; a list that cannot be read or
// is over Config.MaxListSize is logged and gives no Files. Past
// Config.MaxListLines lines of one list, or Config.MaxFiles paths or
// Config.MaxFilesBytes bytes over one Catalog, Files are incomplete: a warning
// says so and names the package where reading stopped (the packages after it
// in sorted order get none). Config.MaxFiles 0 turns Files off.
//
// Limits: dpkg's journal (var/lib/dpkg/updates/*, entries not yet merged into
// status after an interrupted dpkg run) is not read; licences of copyright
// files that are not DEP-5 are not guessed. PURLs and layers are filled by
// inventory.Catalog.
package dpkg
