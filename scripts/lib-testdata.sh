# shellcheck shell=bash
# The steps every scripts/testdata-*.sh part that builds one folder of test
# data under ${VIGIL_TESTDATA:-/var/cache/vigil-testdata} shares. Source it
# after `set -euo pipefail`:
#
#   testdata_begin NAME         out is the folder NAME, want the hash of the
#                               calling script and of this file; exits 0
#                               when out's stamp already holds want
#   testdata_need CMD=PKG ...   apt-installs each PKG whose CMD is missing
#   testdata_workdir            work is a new temporary folder beside out,
#                               removed on exit unless installed
#   testdata_install            stamps work and renames it over out, so a
#                               reader sees the old folder or the new one
#
# Idempotent and atomic: the work is built aside and replaces the old folder
# by rename; the stamp skips it when neither script changed.

testdata_begin() {
	td_name=$1
	out=${VIGIL_TESTDATA:-/var/cache/vigil-testdata}/$td_name
	want=$(cat "$0" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
	if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$want" ]; then
		echo "testdata-$td_name: $out is up to date" >&2
		exit 0
	fi
}

testdata_need() {
	local need=() p
	for p in "$@"; do
		command -v "${p%%=*}" >/dev/null || need+=("${p#*=}")
	done
	if [ ${#need[@]} -gt 0 ]; then
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
			{ apt-get update -q && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
	fi
}

testdata_workdir() {
	local parent
	parent=$(dirname "$out")
	mkdir -p "$parent"
	work=$(mktemp -d "$parent/.$td_name.XXXXXX")
	trap 'rm -rf "$work"' EXIT
}

testdata_install() {
	printf '%s\n' "$want" >"$work/.stamp"
	chmod 755 "$work"
	if [ -e "$out" ]; then
		mv "$out" "$work.old"
	fi
	mv "$work" "$out"
	rm -rf "$work.old"
	trap - EXIT
	echo "testdata-$td_name: ready in $out" >&2
}
