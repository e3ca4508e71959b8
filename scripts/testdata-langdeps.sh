#!/usr/bin/env bash
# Prepares real language dependencies for the end-to-end test of issue 4
# (e2e/lang_test.go) and bench/langdeps-vs-syft.sh, bench/osv-scanner-compare.sh
# under ${VIGIL_TESTDATA:-/var/cache/vigil-testdata}/langdeps:
#
#   npm/            the registry tarballs, each checked against the registry's
#                   dist.integrity (sha512) and dist.shasum (sha1)
#   app-vuln/       package.json, package-lock.json (lockfileVersion 3) and
#                   node_modules/{lodash,minimist} unpacked from the tarballs:
#                   lodash 4.17.15, minimist 1.2.0; lib/jackson-databind-2.12.1.jar,
#                   a copy of the jar from Debian's libjackson2-databind-java
#                   that no package manager owns
#   app-fixed/      the same with lodash 4.17.21, minimist 1.2.6 (no jar)
#   debs/           the .deb files apt-get installed (python3-urllib3,
#                   python3-requests, libjackson2-databind-java and their
#                   dependencies, python3 among them)
#   debian-layer/   the files that `apt-get install` of those packages added
#                   or changed on top of ../debian/bullseye (scripts/testdata-debian.sh),
#                   dpkg status and info lists included: an image layer in
#                   which dpkg really installed them
#   versions.txt    "package version" of every npm package and .deb above
#
# Why these versions (records in ../shared/vulndata, data of April 2023 for
# Debian, GHSA files of 2022-2023):
#   lodash 4.17.15     < 4.17.20 (GHSA-p6mc-m468-83gw, CVE-2020-8203) and
#                      < 4.17.21 (GHSA-35jh-r3h4-6jhm, CVE-2021-23337)
#   minimist 1.2.0     in [1.0.0, 1.2.6) (GHSA-xvch-5gv4-984h, CVE-2021-44906)
#   lodash 4.17.21, minimist 1.2.6: the fixed versions of those records
#   bullseye python3-urllib3 1.26.5 and python3-requests 2.25.1: upstream
#                      versions below GHSA-v845-jxx5-vc9f (urllib3 < 1.26.17),
#                      GHSA-j8r2-6x86-q33q (requests < 2.31.0) and PYSEC
#                      records, but Debian's own packages: they must raise no
#                      PyPI finding (matched through their deb owner instead)
#   bullseye libjackson2-databind-java 2.12.1: below GHSA-57j2-w4cx-62h2
#                      (< 2.12.6.1) and GHSA-rgv9-q543-rqg4 (< 2.13.4); the
#                      dpkg-owned jar must give no Maven finding, the copy in
#                      app-vuln/lib both
#
#   scripts/testdata-langdeps.sh
#
# Needs root (chroot, dpkg in the copied root), the npm registry
# (https://registry.npmjs.org) and the Debian mirror. Idempotent and atomic
# (scripts/lib-testdata.sh): built in a temporary folder beside the target and
# renamed into place; the stamp skips the work when neither this script, the
# library nor the bullseye root changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib-testdata.sh
. "$here/lib-testdata.sh"

td=${VIGIL_TESTDATA:-/var/cache/vigil-testdata}
mirror=${VIGIL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
registry=${VIGIL_NPM_REGISTRY:-https://registry.npmjs.org}
debs=(python3-urllib3 python3-requests libjackson2-databind-java)
npm_vuln=(lodash@4.17.15 minimist@1.2.0)
npm_fixed=(lodash@4.17.21 minimist@1.2.6)

[ "$(id -u)" = 0 ] || { echo "testdata-langdeps: needs root (chroot, dpkg)" >&2; exit 1; }

# The bullseye root this builds on (cached; fast when up to date).
bash "$here/testdata-debian.sh" bullseye
base=$td/debian/bullseye
base_stamp=$(cat "$td/debian/.bullseye.stamp")
# A rebuilt base means a rebuilt layer: forget our stamp when it changed.
if [ "$(cat "$td/langdeps/.base" 2>/dev/null)" != "$base_stamp" ]; then
	rm -f "$td/langdeps/.stamp"
fi

testdata_begin langdeps
testdata_need jq=jq rsync=rsync curl=curl sha512sum=coreutils basenc=coreutils
testdata_workdir
# The chroot gets /proc while apt runs; never leave it mounted.
chroot_root=$work/root
cleanup() {
	umount -l "$chroot_root/proc" 2>/dev/null || true
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
echo "$base_stamp" >"$work/.base"

# --- npm ------------------------------------------------------------------------
# fetch NAME VERSION: downloads the tarball into npm/ and checks it against the
# registry's metadata; fails loudly on any mismatch.
fetch() {
	local name=$1 ver=$2 meta tarball integrity shasum file got
	meta=$(curl -fsS --max-time 60 "$registry/$name/$ver")
	tarball=$(jq -r '.dist.tarball' <<<"$meta")
	integrity=$(jq -r '.dist.integrity' <<<"$meta")
	shasum=$(jq -r '.dist.shasum' <<<"$meta")
	case "$integrity" in sha512-*) ;; *)
		echo "testdata-langdeps: $name@$ver: registry gives no sha512 integrity ($integrity)" >&2
		exit 1
		;;
	esac
	file=$work/npm/$name-$ver.tgz
	curl -fsS --max-time 120 -o "$file" "$tarball"
	got=sha512-$(sha512sum "$file" | cut -d' ' -f1 | tr a-f A-F | basenc --base16 -d | basenc --base64 -w0)
	if [ "$got" != "$integrity" ]; then
		echo "testdata-langdeps: $name@$ver: INTEGRITY MISMATCH: $tarball has $got, the registry says $integrity" >&2
		exit 1
	fi
	if [ "$(sha1sum "$file" | cut -d' ' -f1)" != "$shasum" ]; then
		echo "testdata-langdeps: $name@$ver: SHASUM MISMATCH: $tarball is not $shasum" >&2
		exit 1
	fi
	echo "npm $name $ver $tarball $integrity" >>"$work/versions.txt"
}

# app DIR SPEC...: package.json, package-lock.json v3 and node_modules of SPECs.
app() {
	local dir=$work/$1 spec name ver deps='{}' pkgs
	shift
	mkdir -p "$dir/node_modules"
	pkgs=$(jq -n --arg n "$(basename "$dir")" '{"": {name: $n, version: "1.0.0", dependencies: {}}}')
	for spec in "$@"; do
		name=${spec%@*} ver=${spec#*@}
		mkdir -p "$dir/node_modules/$name"
		tar -xzf "$work/npm/$name-$ver.tgz" -C "$dir/node_modules/$name" --strip-components=1 --no-same-owner
		deps=$(jq --arg n "$name" --arg v "$ver" '. + {($n): $v}' <<<"$deps")
		local integ url
		integ=$(awk -v n="$name" -v v="$ver" '$1 == "npm" && $2 == n && $3 == v {print $5}' "$work/versions.txt")
		url=$(awk -v n="$name" -v v="$ver" '$1 == "npm" && $2 == n && $3 == v {print $4}' "$work/versions.txt")
		pkgs=$(jq --arg k "node_modules/$name" --arg v "$ver" --arg r "$url" --arg i "$integ" \
			'. + {($k): {version: $v, resolved: $r, integrity: $i}}' <<<"$pkgs")
	done
	pkgs=$(jq --argjson d "$deps" '.[""].dependencies = $d' <<<"$pkgs")
	jq -n --arg n "$(basename "$dir")" --argjson d "$deps" \
		'{name: $n, version: "1.0.0", private: true, dependencies: $d}' >"$dir/package.json"
	jq -n --arg n "$(basename "$dir")" --argjson p "$pkgs" \
		'{name: $n, version: "1.0.0", lockfileVersion: 3, requires: true, packages: $p}' >"$dir/package-lock.json"
}

mkdir -p "$work/npm"
for spec in "${npm_vuln[@]}" "${npm_fixed[@]}"; do
	fetch "${spec%@*}" "${spec#*@}"
done
app app-vuln "${npm_vuln[@]}"
app app-fixed "${npm_fixed[@]}"

# --- Debian packages installed by dpkg --------------------------------------------
echo "testdata-langdeps: copying $base and installing ${debs[*]} in it" >&2
cp -a "$base" "$chroot_root"
printf '#!/bin/sh\nexit 101\n' >"$chroot_root/usr/sbin/policy-rc.d"
chmod 755 "$chroot_root/usr/sbin/policy-rc.d"
echo "deb $mirror bullseye main" >"$chroot_root/etc/apt/sources.list"
cp "$chroot_root/etc/resolv.conf" "$work/resolv.conf.orig" 2>/dev/null || : >"$work/resolv.conf.orig"
cp /etc/resolv.conf "$chroot_root/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$chroot_root/proc"
in_root() { chroot "$chroot_root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
{
	in_root apt-get update -q &&
		in_root apt-get install -y -q --no-install-recommends "${debs[@]}"
} >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log" >&2; exit 1; }
umount -l "$chroot_root/proc"
mkdir -p "$work/debs"
cp "$chroot_root"/var/cache/apt/archives/*.deb "$work/debs/"
# Back to the base's apt state, so the layer holds what dpkg installed, not
# apt's download cache and lists.
rm -f "$chroot_root/usr/sbin/policy-rc.d"
cp "$work/resolv.conf.orig" "$chroot_root/etc/resolv.conf"
cp "$base/etc/apt/sources.list" "$chroot_root/etc/apt/sources.list"
rm -rf "$chroot_root"/var/cache/apt/archives/*.deb "$chroot_root"/var/cache/apt/*.bin "$chroot_root"/var/lib/apt/lists/*
cp -a "$base/var/lib/apt/lists/." "$chroot_root/var/lib/apt/lists/" 2>/dev/null || true
for f in "$work"/debs/*.deb; do
	echo "deb $(dpkg-deb -f "$f" Package) $(dpkg-deb -f "$f" Version)" >>"$work/versions.txt"
done

# The layer: every file that differs from the base by content (checksums, not
# times), with its directories; empty directories rsync made are dropped.
rsync -a -c --compare-dest="$base/" "$chroot_root/" "$work/debian-layer/"
find "$work/debian-layer" -depth -type d -empty -delete
mkdir -p "$work/debian-layer"
for need in var/lib/dpkg/status var/lib/dpkg/info/python3-urllib3.list var/lib/dpkg/info/libjackson2-databind-java.list; do
	[ -f "$work/debian-layer/$need" ] || { echo "testdata-langdeps: the layer lacks $need" >&2; exit 1; }
done
rm -rf --one-file-system "$chroot_root"

# The jar again, outside any package manager's files.
mkdir -p "$work/x" "$work/app-vuln/lib"
dpkg-deb -x "$work"/debs/libjackson2-databind-java_*.deb "$work/x"
# The real file is jackson-databind.jar; jackson-databind-2.12.1.jar is a
# symlink to it. The copy takes the versioned name, as an application's lib/ would.
jar=$work/x/usr/share/java/jackson-databind.jar
[ -f "$jar" ] && [ ! -L "$jar" ] || { echo "testdata-langdeps: no usr/share/java/jackson-databind.jar in the .deb" >&2; exit 1; }
ver=$(dpkg-deb -f "$work"/debs/libjackson2-databind-java_*.deb Version)
cp "$jar" "$work/app-vuln/lib/jackson-databind-${ver%%-*}.jar"
rm -rf "$work/x"
sort -o "$work/versions.txt" "$work/versions.txt"

testdata_install
echo "testdata-langdeps: $(wc -l <"$out/versions.txt") packages; layer $(du -sh "$out/debian-layer" | cut -f1)" >&2
