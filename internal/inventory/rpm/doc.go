// Package rpm catalogs the packages of rpm-based images: RHEL, CentOS,
// Fedora, SUSE, Azure Linux and CBL-Mariner.
//
// It reads the rpm database in each of its three formats — sqlite
// (rpmdb.sqlite, rpm >= 4.16), Berkeley DB (Packages, rpm <= 4.15) and ndb
// (Packages.db, SUSE) — under var/lib/rpm, usr/lib/sysimage/rpm (Fedora and
// RHEL 10 keep it there, with var/lib/rpm a symlink) and usr/share/rpm
// (rpm-ostree). Images without a database, the Azure Linux / CBL-Mariner
// distroless ones, carry var/lib/rpmmanifest/container-manifest-2 instead,
// which is read when no database is present.
//
// Files (the paths a package installed, which inventory.Catalog uses to mark
// the language packages an OS package holds, such as python3-*'s
// site-packages, as owned by it) come from each header's file tags
// (DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]) for all three formats: exactly the
// FILENAMES `rpm -ql` prints, directories the package owns included, the
// leading slash removed and the root folder left out. Headers with only the
// pre-rpm-4 OLDFILENAMES tag give none. The distroless manifest lists no
// files: its packages have nil Files. Each package's paths share one string
// (one allocation per package). The paths are as rpm recorded them: on a
// usr-merged image that is often "lib64/libc.so.6" or "bin/bash", reached
// through the lib64 and bin symlinks.
//
// Usage:
//
//	c := rpm.New(filepath.Join(cacheDir, "tmp"), log)
//	pkgs, err := c.Catalog(ctx, fsys)
//
// The databases are decoded by github.com/knqyf263/go-rpmdb, which opens a
// path: Catalog copies each database (size-capped) into a private folder under
// the configured temporary directory and removes it afterwards. The sqlite
// format is read through database/sql with the pure-Go modernc.org/sqlite
// driver, which registers the "sqlite" driver name go-rpmdb opens.
//
// Hostile databases: go-rpmdb decodes Berkeley DB and ndb pages in a goroutine
// of its own, where an index out of range cannot be recovered and a looping
// page chain never ends. So before go-rpmdb sees a file, this package walks its
// structure itself with bounds checks (every page, slot, offset and overflow
// chain go-rpmdb would follow, cycles included) and checks each header blob's
// outer lengths; a sqlite file must pass SQLite's quick_check and hold a plain
// Packages table. What goes through is decoded with panics recovered and under
// a time limit. Any failure is an error naming the file. A file entry whose
// folder index is out of range, whose folder is not absolute with a trailing
// slash, or whose path is longer than 4096 bytes, holds a NUL or an empty,
// "." or ".." element, is dropped and logged with its package; file tags of
// different lengths give the package no Files. Past Config.MaxFiles paths or
// Config.MaxFilesBytes bytes over one Catalog no more are kept, and a
// warning names the package where it stopped; either at 0 turns Files off.
// New logs nothing: NewWithConfig takes the logger.
//
// Limits: a header blob that passes the outer checks but is rejected by
// go-rpmdb's header parser makes go-rpmdb stop reading mid-stream; its reader
// goroutine then stays blocked for the life of the process (one goroutine, no
// file, per such database). Versions are reported as rpm prints them; PURLs and
// distro qualifiers are added by inventory.Catalog.
package rpm
