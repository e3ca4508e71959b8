#!/usr/bin/env bash
# Prepares real Debian root file systems for internal/inventory/dpkg and the
# end-to-end tests under ${VIGIL_TESTDATA:-/var/cache/vigil-testdata}/debian:
#
#   bookworm/   debootstrap --variant=minbase bookworm, plus $EXTRA packages
#   bullseye/   the same for bullseye
#
# Each root gets a few packages beyond minbase (ca-certificates, openssl and
# libssl, whose Source differs from the binary name) and one package removed
# with its configuration files left behind (netbase, status "deinstall ok
# config-files"), so the roots hold a package that dpkg-query lists with
# status "rc" and that a scanner must not report as installed.
#
#   scripts/testdata-debian.sh                  # both suites
#   scripts/testdata-debian.sh bookworm         # one suite
#   EXTRA=ca-certificates,openssl,less scripts/testdata-debian.sh
#
# Idempotent and atomic: a suite is built in a temporary folder beside its
# target and renamed into place when complete, and a stamp beside it (recipe
# number, suite, $EXTRA, $REMOVE) skips the work when nothing changed. A killed run
# leaves only a .tmp folder, which the next run removes.
#
# Mirror: http://deb.debian.org/debian serves bookworm and still serves
# bullseye (checked 2026-11-29: dists/bullseye/Release is Debian 11.11);
# when a suite is gone from it, archive.debian.org is tried. Needs root.
set -euo pipefail

out=${VIGIL_TESTDATA:-/var/cache/vigil-testdata}/debian
EXTRA=${EXTRA:-ca-certificates,openssl,netbase}
REMOVE=${REMOVE:-netbase}
mirrors=(${VIGIL_DEBIAN_MIRROR:-http://deb.debian.org/debian http://archive.debian.org/debian})
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm bullseye)

# Bump when the way a root is made changes, so cached roots are rebuilt.
recipe=1

if ! command -v debootstrap >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends debootstrap >/dev/null ||
		{ apt-get update -q && apt-get install -y -q --no-install-recommends debootstrap >/dev/null; }
fi

mkdir -p "$out"

# remove_tree DIR: debootstrap mounts proc (and sys) inside the root while it
# runs; a killed run leaves them mounted, so unmount before deleting and never
# cross into another file system.
remove_tree() {
	local m
	for m in $(awk -v p="$1/" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$1"
}
# Leftovers of killed runs.
for old in "$out"/.*.tmp.*; do
	if [ -e "$old" ]; then remove_tree "$old"; fi
done

reachable() { # mirror suite
	curl -fsS -o /dev/null --max-time 20 "$1/dists/$2/Release" 2>/dev/null
}

for suite in "${suites[@]}"; do
	dest="$out/$suite"
	stamp="$out/.$suite.stamp"
	want="recipe=$recipe suite=$suite extra=$EXTRA remove=$REMOVE"
	if [ -d "$dest" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		echo "testdata-debian: $dest is up to date" >&2
		continue
	fi
	mirror=
	for m in "${mirrors[@]}"; do
		if reachable "$m" "$suite"; then mirror=$m; break; fi
	done
	if [ -z "$mirror" ]; then
		echo "testdata-debian: no mirror serves $suite (tried ${mirrors[*]})" >&2
		exit 1
	fi
	start=$(date +%s)
	tmp=$(mktemp -d "$out/.$suite.tmp.XXXXXX")
	trap 'remove_tree "$tmp"' EXIT
	echo "testdata-debian: debootstrap $suite from $mirror" >&2
	debootstrap --variant=minbase --include="$EXTRA" "$suite" "$tmp/root" "$mirror" >"$tmp/log" 2>&1 ||
		{ tail -20 "$tmp/log" >&2; exit 1; }
	for p in ${REMOVE//,/ }; do
		# dpkg --remove keeps conffiles: the package stays in status as "rc".
		chroot "$tmp/root" dpkg --remove "$p" >>"$tmp/log" 2>&1
	done
	# Keep the root small: downloaded .debs are not part of what is scanned.
	rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/debootstrap"
	rm -f "$stamp"
	if [ -d "$dest" ]; then mv "$dest" "$tmp/old"; fi
	mv "$tmp/root" "$dest"
	echo "$want" >"$stamp"
	remove_tree "$tmp"
	trap - EXIT
	echo "testdata-debian: $dest ready in $(( $(date +%s) - start ))s ($(dpkg-query --admindir="$dest/var/lib/dpkg" -W | wc -l) packages)" >&2
done
