#!/usr/bin/env bash
# Prepares an Azure Linux 3.0 test root for the vulnerability end-to-end test
# (e2e/vuln_azurelinux_test.go) under
# ${VIGIL_TESTDATA:-/var/cache/vigil-testdata}/azurelinux:
#
#   root/                      etc/os-release of Azure Linux 3.0 and
#                              var/lib/rpm/rpmdb.sqlite, written by rpm itself
#   rpms/                      the small packages built here with rpmbuild
#   expected.txt               `rpm -qa` of the root (NAME VERSION-RELEASE)
#
# The packages are tiny noarch rpms that carry real Azure Linux 3.0 package
# names and versions, chosen against the OVAL data in
# ../shared/vulndata/azurelinux-oval/azurelinux-3.0-oval.xml.gz (generated
# 2025-02-24): some sit just below an OVAL "less than" fix, some at or above
# every fix. The test reads the OVAL itself to work out which (package, CVE)
# pairs are affected; this list only has to hold real versions.
#
# Idempotent and atomic (see lib-testdata.sh): built in a temporary folder
# that replaces the old one by rename; a stamp with this script's hash skips
# the work when nothing changed. Needs rpm (rpmbuild) and sqlite3; installs
# them with apt if absent.
set -euo pipefail
# shellcheck source=lib-testdata.sh
. "$(dirname "$0")/lib-testdata.sh"

testdata_begin azurelinux
testdata_need rpmbuild=rpm sqlite3=sqlite3

# NAME VERSION RELEASE, each with where it comes from in the OVAL file
# (fixed versions are the "less than" EVRs of the definitions named).
packages=(
	# Just below a fix: 9.8p1-3.azl3 fixes CVE-2025-26465 and CVE-2025-26466;
	# the older fixes (9.5p1-2, 9.7p1-1, 9.8p1-1) are below 9.8p1-2.
	"openssh 9.8p1 2.azl3"
	# At one fix and below two: 8.8.0-2.azl3 fixes CVE-2024-6197 (so this is
	# not affected by it), 8.8.0-3.azl3 CVE-2024-8096, 8.8.0-4.azl3 CVE-2024-9681.
	"curl 8.8.0 2.azl3"
	# Below every fix: 2.38-6.azl3 fixes CVE-2023-4911 (in CISA's KEV
	# catalogue), CVE-2023-5156, CVE-2023-6246, CVE-2023-6779, CVE-2023-6780.
	"glibc 2.38 5.azl3"
	# At one fix and below another: 2.45.2-1.azl3 fixes six CVEs
	# (CVE-2024-32002 ...), 2.45.3-1.azl3 fixes CVE-2024-50349 and CVE-2024-52006.
	"git 2.45.2 1.azl3"
	# At one fix and below two: 9.1.0791-1.azl3 fixes CVE-2024-47814,
	# 9.1.0791-2.azl3 CVE-2025-22134, 9.1.0791-3.azl3 CVE-2025-24014.
	"vim 9.1.0791 1.azl3"
	# At the newest fix: 3.3.2-1.azl3 fixes CVE-2024-4603 and CVE-2024-6119;
	# the 1.1.1k-28/29.azl3 and 3.3.0-1/2.azl3 fixes are all below it.
	"openssl 3.3.2 1.azl3"
	# At the newest fix: 2.6.3-2.azl3 fixes CVE-2024-50602 (2.6.2-1 and
	# 2.6.3-1 fix the older six).
	"expat 2.6.3 2.azl3"
	# At the only fix: 1.3.1-1.azl3 fixes CVE-2023-45853.
	"zlib 1.3.1 1.azl3"
)

testdata_workdir
top="$work/build"
mkdir -p "$top"/{SPECS,SOURCES,BUILD,RPMS,SRPMS} "$work/rpms"

for p in "${packages[@]}"; do
	read -r name version release <<<"$p"
	cat >"$top/SPECS/$name.spec" <<SPEC
Name: $name
Version: $version
Release: $release
Summary: vigil test package named after Azure Linux 3.0 $name
License: MIT
BuildArch: noarch
%description
vigil test package: the name and version of Azure Linux 3.0 $name, none of its files.
%install
mkdir -p %{buildroot}/usr/share/vigil-azl/$name
echo $name >%{buildroot}/usr/share/vigil-azl/$name/marker
%files
/usr/share/vigil-azl/$name/marker
SPEC
	rpmbuild --define "_topdir $top" -bb "$top/SPECS/$name.spec" >/dev/null 2>&1 ||
		{ echo "testdata-azurelinux: rpmbuild $name failed" >&2; rpmbuild --define "_topdir $top" -bb "$top/SPECS/$name.spec"; exit 1; }
done
cp "$top"/RPMS/noarch/*.rpm "$work/rpms/"

# Debian's rpm defaults %_dbpath to ~/.rpmdb: always pass it explicitly.
root="$work/root"
rpm --root "$root" --dbpath /var/lib/rpm --initdb
rpm --root "$root" --dbpath /var/lib/rpm -i --nodeps --noscripts --ignorearch "$work"/rpms/*.rpm
# Leave the database at rest: fold the write-ahead log into the main file.
sqlite3 "$root/var/lib/rpm/rpmdb.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null

# os-release as Azure Linux 3.0 ships it (ID and VERSION_ID are what matter).
mkdir -p "$root/etc"
cat >"$root/etc/os-release" <<'EOF'
NAME="Microsoft Azure Linux"
VERSION="3.0.20250206"
ID=azurelinux
VERSION_ID="3.0"
PRETTY_NAME="Microsoft Azure Linux 3.0"
ANSI_COLOR="1;34"
HOME_URL="https://aka.ms/azurelinux"
BUG_REPORT_URL="https://aka.ms/azurelinux"
SUPPORT_URL="https://aka.ms/azurelinux"
EOF

# Check with rpm itself that every package landed as listed.
got=$(rpm --root "$root" --dbpath /var/lib/rpm -qa --qf '%{NAME} %{VERSION}-%{RELEASE}\n' | sort)
listed=$(for p in "${packages[@]}"; do read -r n v r <<<"$p"; echo "$n $v-$r"; done | sort)
if [ "$got" != "$listed" ]; then
	printf 'testdata-azurelinux: rpm lists\n%s\nbut the script names\n%s\n' "$got" "$listed" >&2
	exit 1
fi
printf '%s\n' "$got" >"$work/expected.txt"

rm -rf "$top"
testdata_install
cat "$out/expected.txt" >&2
