#!/usr/bin/env bash
# Compares vigil's findings for Go modules and npm packages with osv-scanner
# v2.5.0's on issue 4's language image (bench/langimage.sh), both offline over
# the same OSV records of ../shared/vulndata. Not run in CI.
#
#   scripts/testdata-langdeps.sh          # once, as root: the inputs
#   bench/osv-scanner-compare.sh
#
# osv-scanner reads a local database from <dir>/osv-scalibr/<Ecosystem>/all.zip
# (--local-db-path dir, with --offline-vulnerabilities). This builds:
#   Go/all.zip     every GO- record of golang-vulndb (and GHSA files for Go)
#   npm/all.zip    the GHSA files for npm
#   Maven/all.zip  the GHSA files for Maven
#   PyPI/all.zip   the GHSA files for PyPI (PyPA's records are YAML; not converted)
# and vigil's database from the same files with `vigil db import`. With no
# database osv-scanner reports nothing and still succeeds, so the script
# checks that it reported some Go and npm vulnerability before comparing.
#
# Prints, per Go module and npm package (name@version), the advisory IDs each
# tool reports and "agree" or the difference.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bench/langimage.sh
. "$(dirname "$0")/langimage.sh"
command -v jq >/dev/null || die "jq missing: apt-get install jq"
command -v zip >/dev/null || die "zip missing: apt-get install zip"
SHARED=${VIGIL_SHARED:-$REPO/../shared}
VULN=$SHARED/vulndata
[ -d "$VULN/golang-vulndb" ] || die "$VULN: no shared vulnerability data (set VIGIL_SHARED)"
OSVDB=$BENCH/osvdb

install_osv_scanner() {
	if [ ! -x "$BIN/osv-scanner" ]; then
		log "installing osv-scanner v2.5.0 (a few minutes)"
		GOBIN=$BIN go install github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.5.0 >"$BENCH/logs/osv-scanner-install.log" 2>&1 ||
			die "go install osv-scanner failed: see $BENCH/logs/osv-scanner-install.log"
	fi
}

# build_osvdb: the zips, rebuilt when the shared data's checksums change.
build_osvdb() {
	local stamp
	stamp=$(sha256sum "$VULN/SHA256SUMS" | cut -d' ' -f1)
	if [ "$(cat "$OSVDB/.stamp" 2>/dev/null)" = "$stamp" ]; then return; fi
	log "building the osv-scanner database in $OSVDB"
	rm -rf "$OSVDB"
	local w=$OSVDB/work eco f
	mkdir -p "$w/go" "$OSVDB/osv-scalibr"
	tar -xzf "$VULN/golang-vulndb/golang-vulndb-osv.tar.gz" -C "$w/go"
	for eco in Go npm Maven PyPI; do
		mkdir -p "$w/$eco" "$OSVDB/osv-scalibr/$eco"
		while IFS= read -r f; do
			if jq -e --arg e "$eco" 'any(.affected[]?; .package.ecosystem == $e)' "$f" >/dev/null; then
				cp "$f" "$w/$eco/"
			fi
		done < <(find "$VULN/github-advisory-database" -name '*.json')
	done
	find "$w/go" -name 'GO-*.json' -exec cp -t "$w/Go/" {} +
	for eco in Go npm Maven PyPI; do
		(cd "$w/$eco" && zip -q -j "$OSVDB/osv-scalibr/$eco/all.zip" ./*.json)
		log "  $eco/all.zip: $(find "$w/$eco" -name '*.json' | wc -l) records"
	done
	rm -rf "$w"
	echo "$stamp" >"$OSVDB/.stamp"
}

main() {
	install_tools
	install_osv_scanner
	build_lang_image
	build_osvdb
	RES=$(mktemp -d "$BENCH/tmp/results.XXXXXX")
	trap 'rm -rf "$RES"' EXIT

	# vigil, from the same records.
	"$BIN/vigil" --db "$RES/vigil.db" db import "$VULN/golang-vulndb/golang-vulndb-osv.tar.gz" \
		"$VULN/github-advisory-database/advisories" "$VULN/debian-security-tracker/data" 2>"$RES/import.log" ||
		die "vigil db import failed: $(tail -5 "$RES/import.log")"
	"$BIN/vigil" --db "$RES/vigil.db" scan image "$LANG_IMAGE" --format json -o "$RES/vigil.json" \
		--no-cache --cache-dir "$RES/vc" 2>"$RES/vigil.log" || die "vigil scan failed: $(tail -5 "$RES/vigil.log")"
	jq -r '.findings[] | select(.package.type == "golang" or .package.type == "npm") |
		"\(.package.type)|\(.package.name)@\(.package.version | ltrimstr("v"))|\(.advisories[] | split("/") | last)"' \
		"$RES/vigil.json" | sort -u >"$RES/vigil.ids"

	# osv-scanner, offline. Exit 1 means "vulnerabilities found".
	local rc=0
	"$BIN/osv-scanner" scan image --archive "$LANG_IMAGE" --offline-vulnerabilities --local-db-path "$OSVDB" \
		--format json --output "$RES/osv.json" >"$RES/osv.out" 2>"$RES/osv.err" || rc=$?
	[ "$rc" -le 1 ] || die "osv-scanner failed ($rc): $(tail -5 "$RES/osv.err")"
	grep -i 'local\|offline\|db' "$RES/osv.err" | head -5 >&2 || true
	jq -r '.results[]?.packages[]? | .package as $p | ($p.ecosystem | ascii_downcase) as $e |
		select($e == "go" or $e == "npm") | .vulnerabilities[]? |
		"\(if $e == "go" then "golang" else "npm" end)|\($p.name)@\($p.version | ltrimstr("v") | ltrimstr("go"))|\(.id)"' \
		"$RES/osv.json" | sort -u >"$RES/osv.ids"
	for eco in golang npm; do
		grep -q "^$eco|" "$RES/osv.ids" ||
			die "osv-scanner reported no $eco vulnerability: did it load $OSVDB/osv-scalibr? (stderr: $(tail -3 "$RES/osv.err"))"
	done

	echo "== Go modules and npm packages: advisory IDs, vigil vs osv-scanner v2.5.0 (offline, same records)"
	local agree=0 differ=0 pkg v o
	for pkg in $(cut -d'|' -f1,2 "$RES/vigil.ids" "$RES/osv.ids" | sort -u); do
		v=$(grep -F "$pkg|" "$RES/vigil.ids" | cut -d'|' -f3 | sort -u | tr '\n' ' ')
		o=$(grep -F "$pkg|" "$RES/osv.ids" | cut -d'|' -f3 | sort -u | tr '\n' ' ')
		if [ "$v" = "$o" ]; then
			agree=$((agree + 1))
			printf '%-40s agree: %s\n' "$pkg" "$v"
		else
			differ=$((differ + 1))
			printf '%-40s DIFFER\n    vigil only: %s\n    osv only:   %s\n' "$pkg" \
				"$(comm -23 <(tr ' ' '\n' <<<"$v" | sed '/^$/d') <(tr ' ' '\n' <<<"$o" | sed '/^$/d') | tr '\n' ' ')" \
				"$(comm -13 <(tr ' ' '\n' <<<"$v" | sed '/^$/d') <(tr ' ' '\n' <<<"$o" | sed '/^$/d') | tr '\n' ' ')"
		fi
	done
	echo "packages: $agree agree, $differ differ"
}

main
