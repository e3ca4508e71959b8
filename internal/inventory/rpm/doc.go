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
// Usage:
//
//	c := rpm.New(filepath.Join(cacheDir, "tmp"))
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
// a time limit. Any failure is an error naming the file.
//
// Limits: a header blob that passes the outer checks but is rejected by
// go-rpmdb's header parser makes go-rpmdb stop reading mid-stream; its reader
// goroutine then stays blocked for the life of the process (one goroutine, no
// file, per such database). Versions are reported as rpm prints them; PURLs and
// distro qualifiers are added by inventory.Catalog.
package rpm
