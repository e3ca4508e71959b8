#!/usr/bin/env bash
# Prepares real rpm test roots for internal/inventory/rpm under
# ${VIGIL_TESTDATA:-/var/cache/vigil-testdata}/rpm:
#
#   rpms/                      the small packages built here with rpmbuild
#   sqlite/root                var/lib/rpm/rpmdb.sqlite, written by rpm itself
#   sysimage/root              usr/lib/sysimage/rpm/rpmdb.sqlite, var/lib/rpm a
#                              symlink to it (the Fedora / RHEL 10 layout)
#   bdb/root                   var/lib/rpm/Packages, Berkeley DB hash
#
# Debian's rpm 4.18 writes only the sqlite backend (`rpm --showrc`: "available
# backends: sqlite bdb_ro dummy"); --define '_db_backend bdb' or 'ndb' gives a
# dummy database. So the Berkeley DB root is made another way: the header
# blobs that rpm wrote into the sqlite database are loaded, keyed by their
# instance number as rpm keys them, into a hash database with Berkeley DB's own
# db5.3_load, and rpm's read-only bdb_ro backend then reads it back as a check.
# No ndb can be made here at all; the tests use the real SUSE ndb database in
# go-rpmdb's module testdata instead.
#
# Idempotent and atomic (see lib-testdata.sh): everything is built in a
# temporary folder that replaces the old one by rename; a stamp with this
# script's hash skips the work when nothing changed.
set -euo pipefail
# shellcheck source=lib-testdata.sh
. "$(dirname "$0")/lib-testdata.sh"

testdata_begin rpm
testdata_need rpmbuild=rpm db5.3_load=db5.3-util sqlite3=sqlite3
testdata_workdir
top="$work/build"
mkdir -p "$top"/{SPECS,SOURCES,BUILD,RPMS,SRPMS} "$work/rpms"

# Debian's rpm defaults %_dbpath to ~/.rpmdb: always pass it explicitly.
rpmq() { rpm --root "$1" --dbpath /var/lib/rpm "${@:2}"; }

# hello-eval: noarch, Azure-Linux-like release, no epoch.
cat >"$top/SPECS/hello-eval.spec" <<'SPEC'
Name: hello-eval
Version: 1.2.3
Release: 4.azl3
Summary: vigil test package
License: MIT
BuildArch: noarch
%description
vigil test package.
%install
mkdir -p %{buildroot}/usr/share/hello-eval
echo hi >%{buildroot}/usr/share/hello-eval/f
%files
/usr/share/hello-eval/f
SPEC

# epochy: x86_64-labelled, an epoch, a compound licence, and a subpackage
# epochy-libs whose SOURCERPM names epochy.
cat >"$top/SPECS/epochy.spec" <<'SPEC'
Name: epochy
Epoch: 2
Version: 5.2.15
Release: 3.azl3
Summary: vigil test package with an epoch
License: GPL-2.0-or-later AND BSD-3-Clause
BuildArch: x86_64
%description
vigil test package with an epoch.
%package libs
Summary: libraries of epochy
License: LGPL-2.1-or-later
%description libs
libraries of epochy.
%install
mkdir -p %{buildroot}/usr/share/epochy %{buildroot}/usr/lib64/epochy
echo bin >%{buildroot}/usr/share/epochy/bin
echo lib >%{buildroot}/usr/lib64/epochy/lib
%files
/usr/share/epochy/bin
%files libs
/usr/lib64/epochy/lib
SPEC

# zero-epoch: an explicit Epoch 0, which rpm records (EPOCH tag present)
# unlike an absent one.
cat >"$top/SPECS/zero-epoch.spec" <<'SPEC'
Name: zero-epoch
Epoch: 0
Version: 0.9
Release: 1.cm2
Summary: vigil test package with epoch 0
License: Apache-2.0
BuildArch: noarch
%description
vigil test package with epoch 0.
%install
mkdir -p %{buildroot}/usr/share/zero-epoch
echo z >%{buildroot}/usr/share/zero-epoch/z
%files
/usr/share/zero-epoch/z
SPEC

for s in "$top"/SPECS/*.spec; do
	rpmbuild --define "_topdir $top" --target "$(sed -n 's/^BuildArch: //p' "$s")" -bb "$s" >/dev/null 2>&1 ||
		{ echo "testdata-rpm: rpmbuild $s failed" >&2; rpmbuild --define "_topdir $top" -bb "$s"; exit 1; }
done
cp "$top"/RPMS/*/*.rpm "$work/rpms/"

# sqlite: rpm's own database at the classic path.
root="$work/sqlite/root"
rpmq "$root" --initdb
rpmq "$root" -i --nodeps --noscripts --ignorearch "$work"/rpms/*.rpm
db="$root/var/lib/rpm/rpmdb.sqlite"
# Leave the database at rest: fold the write-ahead log into the main file.
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null

# sysimage: the same database where Fedora keeps it, var/lib/rpm a symlink.
sys="$work/sysimage/root"
mkdir -p "$sys/usr/lib/sysimage" "$sys/var/lib"
cp -a "$root/var/lib/rpm" "$sys/usr/lib/sysimage/rpm"
ln -s ../../usr/lib/sysimage/rpm "$sys/var/lib/rpm"

# bdb: the same headers in a Berkeley DB hash database, as rpm <= 4.15 kept
# them: key = instance number (4 bytes, host order), value = header blob;
# key 0 holds the last instance number. A 4096-byte page keeps every header
# on overflow pages, as in real databases.
bdb="$work/bdb/root/var/lib/rpm"
mkdir -p "$bdb"
hexle() { printf '%08x' "$1" | sed -E 's/(..)(..)(..)(..)/\4\3\2\1/'; }
esc() { sed -E 's/(..)/\\\1/g'; }
{
	printf 'VERSION=3\nformat=print\ntype=hash\ndb_pagesize=4096\nHEADER=END\n'
	max=0
	while IFS='|' read -r hnum hex; do
		printf ' %s\n %s\n' "$(hexle "$hnum" | esc)" "$(printf '%s' "$hex" | tr 'A-F' 'a-f' | esc)"
		[ "$hnum" -gt "$max" ] && max=$hnum
	done < <(sqlite3 "$db" 'SELECT hnum, hex(blob) FROM Packages ORDER BY hnum')
	printf ' %s\n %s\n' "$(hexle 0 | esc)" "$(hexle "$max" | esc)"
	printf 'DATA=END\n'
} >"$work/bdb.dump"
db5.3_load -f "$work/bdb.dump" "$bdb/Packages"
rm "$work/bdb.dump"

# Check every root with rpm itself: the three lists must agree.
qf='%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\n'
a=$(rpmq "$root" -qa --qf "$qf" | sort)
b=$(rpm --root "$sys" --dbpath /usr/lib/sysimage/rpm -qa --qf "$qf" | sort)
c=$(rpmq "$work/bdb/root" --define '_db_backend bdb_ro' -qa --qf "$qf" 2>/dev/null | sort)
if [ "$a" != "$b" ] || [ "$a" != "$c" ] || [ "$(printf '%s\n' "$a" | wc -l)" -ne 4 ]; then
	printf 'testdata-rpm: rpm lists disagree:\nsqlite:\n%s\nsysimage:\n%s\nbdb:\n%s\n' "$a" "$b" "$c" >&2
	exit 1
fi
printf '%s\n' "$a" >"$work/expected.txt"

rm -rf "$top"
testdata_install
cat "$out/expected.txt" >&2
