#!/usr/bin/env bash
# Compares vigil's inventory with syft v1.57.1's on issue 4's language image
# (bench/langimage.sh: bullseye root, a dpkg layer of python3-urllib3,
# python3-requests and libjackson2-databind-java, an app layer of npm trees,
# a jar and Go binaries) and times both. Not run in CI.
#
#   scripts/testdata-langdeps.sh       # once, as root: the inputs
#   bench/langdeps-vs-syft.sh [RUNS]   # RUNS defaults to 5; medians are reported
#
# Prints, per ecosystem (package-URL type), how many packages each tool found
# and the name@version of those only one of them found, then wall time and
# peak RSS (median of RUNS, interleaved, fresh caches) and vigil's time over
# syft's. Packages are compared by package URL without qualifiers, with
# %-escapes undone and names lower-cased; Go versions without "v"/"go".
# Everything heavy lives in $VIGIL_BENCH_DIR (default /var/cache/vigil-bench).
set -euo pipefail

RUNS=${1:-${RUNS:-5}}
case "$RUNS" in [1-9] | [1-9][0-9]) ;; *) echo "usage: $0 [RUNS]" >&2; exit 2 ;; esac
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bench/langimage.sh
. "$(dirname "$0")/langimage.sh"
command -v jq >/dev/null || die "jq missing: apt-get install jq"

# purls FILE JQ: "type name@version" lines of the package URLs JQ selects.
purls() {
	jq -r "$2" "$1" | sed -e 's/[?#].*//' -e 's/%2[Bb]/+/g' -e 's/%3[Aa]/:/g' -e 's/%40/@/g' -e 's/%7[Ee]/~/g' |
		awk '/^pkg:/ {
			s = substr($0, 5); t = substr(s, 1, index(s, "/") - 1); rest = substr(s, index(s, "/") + 1)
			at = 0; for (i = length(rest); i > 0; i--) if (substr(rest, i, 1) == "@") { at = i; break }
			if (at == 0) next
			name = tolower(substr(rest, 1, at - 1)); ver = substr(rest, at + 1)
			if (t == "golang") { sub(/^go/, "", ver); sub(/^v/, "", ver) }
			if (t == "deb" || t == "rpm" || t == "apk") sub(/^[^\/]*\//, "", name)
			print t, name "@" ver
		}' | sort -u
}

main() {
	install_tools
	build_lang_image
	RES=$(mktemp -d "$BENCH/tmp/results.XXXXXX")
	trap 'rm -rf "$RES"' EXIT
	local size
	size=$(du -m "$LANG_IMAGE" | cut -f1)

	"$BIN/vigil" sbom image "$LANG_IMAGE" --format json -o "$RES/vigil.json" --no-cache --cache-dir "$RES/vc" 2>"$RES/vigil.log" ||
		die "vigil sbom failed: $(tail -5 "$RES/vigil.log")"
	SYFT_CHECK_FOR_APP_UPDATE=false TMPDIR=$BENCH/tmp "$BIN/syft" "docker-archive:$LANG_IMAGE" -q -o "syft-json=$RES/syft.json"
	purls "$RES/vigil.json" '.packages[].purl' >"$RES/vigil.purls"
	purls "$RES/syft.json" '.artifacts[].purl // empty' >"$RES/syft.purls"

	echo "== packages per ecosystem on $LANG_IMAGE ($size MB): vigil / syft v1.57.1"
	local eco
	for eco in $(cut -d' ' -f1 "$RES/vigil.purls" "$RES/syft.purls" | sort -u); do
		grep "^$eco " "$RES/vigil.purls" | cut -d' ' -f2 >"$RES/v.$eco" || true
		grep "^$eco " "$RES/syft.purls" | cut -d' ' -f2 >"$RES/s.$eco" || true
		printf '%-8s vigil %4d  syft %4d  both %4d\n' "$eco" "$(wc -l <"$RES/v.$eco")" "$(wc -l <"$RES/s.$eco")" \
			"$(comm -12 "$RES/v.$eco" "$RES/s.$eco" | wc -l)"
		comm -13 "$RES/v.$eco" "$RES/s.$eco" | sed 's/^/           only syft:  /'
		comm -23 "$RES/v.$eco" "$RES/s.$eco" | sed 's/^/           only vigil: /'
	done
	# Where syft found the language packages, for explaining differences.
	echo "== syft's language packages and their files"
	jq -r '.artifacts[] | select(.type != "deb") | "\(.type) \(.name)@\(.version) \([.locations[].path] | join(" "))"' "$RES/syft.json" | sort
	echo "== vigil's language packages and their files (owner)"
	jq -r '.packages[] | select(.type != "deb") | "\(.type) \(.name)@\(.version) \(.path) \([.locations[]?.path] | join(" ")) \(.ownedBy // "")"' "$RES/vigil.json" | sort

	log "timing: $RUNS runs each, interleaved, fresh caches"
	local i
	for ((i = 1; i <= RUNS; i++)); do
		local c
		c=$(mktemp -d "$BENCH/tmp/vigil-cache.XXXXXX")
		measure vigil "$BIN/vigil" sbom image "$LANG_IMAGE" --format cyclonedx -o /dev/null --no-cache --cache-dir "$c"
		rm -rf "$c"
		measure syft env SYFT_CHECK_FOR_APP_UPDATE=false TMPDIR="$BENCH/tmp" "$BIN/syft" "docker-archive:$LANG_IMAGE" -o cyclonedx-json=/dev/null -q
	done
	echo "== time and peak RSS, median of $RUNS"
	local t vt st
	for t in vigil syft; do
		printf '%-6s %6.2f s  %7.1f MB\n' "$t" "$(cut -d' ' -f1 "$RES/$t" | median)" "$(cut -d' ' -f2 "$RES/$t" | median | awk '{print $1 / 1024}')"
	done
	vt=$(cut -d' ' -f1 "$RES/vigil" | median)
	st=$(cut -d' ' -f1 "$RES/syft" | median)
	awk -v v="$vt" -v s="$st" 'BEGIN {printf "vigil/syft time ratio: %.2f\n", v / s}'
}

main
