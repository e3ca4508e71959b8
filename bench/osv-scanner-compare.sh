#!/usr/bin/env bash
# Compares vigil's findings for Go modules and npm packages with osv-scanner
# v2.5.0's, both offline over the same OSV records of ../shared/vulndata
# (the Go vulnerability database and the GHSA files). Not run in CI.
#
#   scripts/testdata-langdeps.sh          # once, as root: the inputs
#   bench/osv-scanner-compare.sh
#
# Targets: issue 4's language image (bench/langimage.sh: x/text v0.3.6 and
# x/net v0.17.0 binaries and their fixed twins, all built with this machine's
# Go, app-vuln and app-fixed npm trees) and a root file system holding one
# binary built with an old Go ($OLD_GO, fetched through the module proxy as
# the go command does) so that the standard library has advisories to match.
#
# osv-scanner's local database (osv-scalibr's enricher vulnmatch/osvlocal):
#   <--local-db-path>/osv-scalibr/<Ecosystem>/all.zip, every *.json member an
#   OSV record. Three traps, each of which silently yields "results": []
#   with exit status 0 (the causes are only logged, or not at all):
#   1. --offline-vulnerabilities alone is not enough: without --offline the
#      scan's capabilities say "network online", and osvlocal (not
#      downloading) requires an offline environment, so FilterByCapabilities
#      drops the enricher without a visible message. Pass --offline too.
#   2. The enricher stops at the first package whose ecosystem has no
#      all.zip ("could not load db for Debian ecosystem") and then reports
#      nothing for any ecosystem. So every ecosystem in the target gets a
#      zip; Debian's holds no record (the shared Debian data is not OSV).
#   3. `scan image` reads npm packages only from node_modules/.package-lock.json
#      (npm >= 7's hidden lock file), which trees unpacked from registry
#      tarballs lack; --experimental-plugins javascript/packagejson (the
#      installed package.json files) and javascript/packagelockjson add them.
# The script checks that the databases loaded ("Loaded <eco> local db" on
# stderr, no "could not load db"), that osv-scanner reports the known GHSA
# IDs of lodash 4.17.15 and minimist 1.2.0, and that over a database of the
# same ecosystems with no records it reports nothing.
#
# vigil's database is imported from the same files (`vigil db import`; it
# skips the 17 withdrawn GO records, which osv-scanner loads but never matches).
# Prints, per Go module and npm package (name@version) either tool lists, the
# advisories each reports, matched by their set of IDs and aliases (vigil names
# a finding by its CVE, osv-scanner by the record ID), "agree" or the
# difference with a likely reason, then the counts.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bench/langimage.sh
. "$(dirname "$0")/langimage.sh"
command -v jq >/dev/null || die "jq missing: apt-get install jq"
command -v zip >/dev/null || die "zip missing: apt-get install zip"
command -v unzip >/dev/null || die "unzip missing: apt-get install unzip"
SHARED=${VIGIL_SHARED:-$REPO/../shared}
VULN=$SHARED/vulndata
[ -d "$VULN/golang-vulndb" ] || die "$VULN: no shared vulnerability data (set VIGIL_SHARED)"
OSVDB=$BENCH/osvdb             # the records
OSVDB_EMPTY=$BENCH/osvdb-empty # the same ecosystems, no records
OLD_GO=${OSV_COMPARE_OLD_GO:-go1.22.0}
OLDFS=$BENCH/osvcmp/rootfs
JQ_COMPARE=$REPO/bench/osv-scanner-compare.jq

install_osv_scanner() {
	if [ ! -x "$BIN/osv-scanner" ]; then
		log "installing osv-scanner v2.5.0 (a few minutes)"
		GOBIN=$BIN go install github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.5.0 >"$BENCH/logs/osv-scanner-install.log" 2>&1 ||
			die "go install osv-scanner failed: see $BENCH/logs/osv-scanner-install.log"
	fi
}

# zip_none ZIP: an all.zip with no OSV record (a README; osvlocal reads only *.json).
zip_none() {
	local d
	d=$(mktemp -d "$BENCH/tmp/zip.XXXXXX")
	echo "no OSV records for this ecosystem" >"$d/README.txt"
	mkdir -p "$(dirname "$1")"
	(cd "$d" && zip -q "$1" README.txt)
	rm -rf "$d"
}

# build_osvdb: the zips, rebuilt when the shared data's checksums or this layout change.
build_osvdb() {
	local stamp
	stamp="v2 $(sha256sum "$VULN/SHA256SUMS" | cut -d' ' -f1)"
	if [ "$(cat "$OSVDB/.stamp" 2>/dev/null)" = "$stamp" ] && [ -f "$OSVDB_EMPTY/.stamp" ]; then return; fi
	log "building the osv-scanner databases in $OSVDB and $OSVDB_EMPTY"
	rm -rf "$OSVDB" "$OSVDB_EMPTY"
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
	zip_none "$OSVDB/osv-scalibr/Debian/all.zip"
	for eco in Go npm Maven PyPI Debian; do zip_none "$OSVDB_EMPTY/osv-scalibr/$eco/all.zip"; done
	rm -rf "$w"
	echo "$stamp" >"$OSVDB_EMPTY/.stamp"
	echo "$stamp" >"$OSVDB/.stamp"
}

# build_oldfs: $OLDFS/usr/local/bin/oldstd, an HTTP client built with $OLD_GO.
build_oldfs() {
	local src=$BENCH/osvcmp/src
	[ -x "$OLDFS/usr/local/bin/oldstd" ] && [ "$(cat "$OLDFS/.stamp" 2>/dev/null)" = "$OLD_GO" ] && return
	log "building a Go binary with $OLD_GO (the toolchain comes through the module proxy)"
	rm -rf "$OLDFS" "$src"
	mkdir -p "$src" "$OLDFS/usr/local/bin"
	printf 'module example.com/oldstd\n\ngo 1.21\n' >"$src/go.mod"
	printf 'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n)\n\nfunc main() {\n\tr, err := http.Get("https://example.com/")\n\tfmt.Println(r != nil, err)\n}\n' >"$src/main.go"
	(cd "$src" && GOPATH=$LANG_GO/gopath GOMODCACHE=$LANG_GO/gopath/pkg/mod GOFLAGS="-mod=mod -modcacherw" \
		GOTOOLCHAIN=$OLD_GO GOWORK=off CGO_ENABLED=0 go build -trimpath -o "$OLDFS/usr/local/bin/oldstd" .) ||
		die "go build with $OLD_GO failed"
	echo "$OLD_GO" >"$OLDFS/.stamp"
}

# osv_scan DB OUT SCAN-ARGS...: osv-scanner offline over DB into OUT (JSON);
# dies unless it ran and loaded the Go database and, for images, npm's.
osv_scan() {
	local db=$1 out=$2 rc=0 eco
	shift 2
	"$BIN/osv-scanner" scan "$@" --offline --offline-vulnerabilities --local-db-path "$db" \
		--all-packages --format json --output-file "$out" >"$out.stdout" 2>"$out.err" || rc=$?
	[ "$rc" -le 1 ] || die "osv-scanner failed ($rc): $(grep -v 'unsupported file type\|filesystem walk\|End status' "$out.err" | tail -5)"
	if grep -q 'could not load db' "$out.err"; then
		die "osv-scanner did not load $db: $(grep 'could not load db' "$out.err" | head -3)"
	fi
	for eco in Go $([ "$1" = image ] && echo npm); do
		grep -q "Loaded $eco local db from $db/osv-scalibr/$eco/all.zip" "$out.err" ||
			die "osv-scanner did not load $db/osv-scalibr/$eco/all.zip (stderr: $out.err)"
	done
}

# osv_groups OSV.json: the Go and npm packages and advisory groups osv-scanner reported.
osv_groups() {
	jq -c '[.results[]?.packages[]? | select(.package.ecosystem == "Go" or .package.ecosystem == "npm") |
		"\(.package.ecosystem)|\(.package.name)@\(.package.version | ltrimstr("v"))" as $p |
		{pkg: $p, ids: [], rec: null}, (.vulnerabilities[]? | {pkg: $p, ids: ([.id] + (.aliases // [])), rec: .id})]' "$1"
}

# vigil_groups SBOM.json SCAN.json: the same from vigil's inventory and findings.
vigil_groups() {
	jq -c --slurpfile f "$2" 'def eco: if . == "golang" then "Go" else . end;
		def key: "\(.type | eco)|\(.name)@\(.version | ltrimstr("v"))";
		[(.packages[] | select(.type == "golang" or .type == "npm") | {pkg: key, ids: [], rec: null}),
		 ($f[0].findings[] | select(.package.type == "golang" or .package.type == "npm") |
			{pkg: (.package | key), ids: ([.id] + (.aliases // []) + [.advisories[] | split("/") | last]),
			 rec: ([.advisories[] | split("/") | last] | join(","))})]' "$1"
}

# record_hint ECO NAME REC: the affected ranges REC gives NAME, from the zip both tools read.
record_hint() {
	local eco=$1 name=$2 r
	for r in ${3//,/ }; do
		if ! unzip -l "$OSVDB/osv-scalibr/$eco/all.zip" "$r.json" >/dev/null 2>&1; then
			echo "$r (not in osv-scanner's $eco/all.zip: vigil imported it from elsewhere)"
			continue
		fi
		unzip -p "$OSVDB/osv-scalibr/$eco/all.zip" "$r.json" | jq -r --arg n "$name" '
			"\(.id)\(if .withdrawn then " (withdrawn " + .withdrawn + ")" else "" end): " +
			([.affected[]? | select(.package.name == $n) |
				[.ranges[]?.events[]? | to_entries[] | "\(.key) \(.value)"] | join(", ")] | join("; "))'
	done
}

# reason ECO NAME@VERSION SIDE GROUP: a likely reason for a one-sided advisory.
reason() {
	local eco=$1 pkg=$2 side=$3 g=$4 name=${2%@*} version=${2##*@} rec
	rec=$(jq -r '.rec' <<<"$g")
	case "$version" in
	'(devel)') echo "the main module has no version; a range can only match it by accident" ;;
	*)
		local hint
		hint=$(record_hint "$eco" "$name" "$rec")
		if grep -q "not in osv-scanner's" <<<"$hint"; then
			echo "$hint"
		elif grep -q withdrawn <<<"$hint"; then
			echo "withdrawn record ($hint): osv-scanner skips withdrawn records"
		elif [ "$side" = vigil ]; then
			echo "$version falls in $hint by vigil's $eco ordering but not osv-scanner's; or osv-scanner filtered it (--all-vulns shows the unimportant ones)"
		else
			echo "$version falls in $hint by osv-scanner's $eco ordering but not vigil's (compare internal/version For(\"$eco\"))"
		fi
		;;
	esac
}

# one_sided TOOL ECO|NAME@VERSION: where TOOL found a package the other does not list, and why that may be.
one_sided() {
	local where
	if [ "$1" = osv ]; then
		where=$(jq -r --arg p "$2" '[.results[]? | .source.path as $s | .packages[]? |
			select("\(.package.ecosystem)|\(.package.name)@\(.package.version | ltrimstr("v"))" == $p) | $s] | unique | join(" ")' \
			"$RES/osv-image.json" "$RES/osv-fs.json" | xargs)
	else
		where=$(jq -r --arg p "$2" '[.packages[] | select("\(if .type == "golang" then "Go" else .type end)|\(.name)@\(.version | ltrimstr("v"))" == $p) |
			.path] | unique | join(" ")' "$RES/vigil-image.sbom.json" "$RES/vigil-rootfs.sbom.json" | xargs)
	fi
	case "$where" in
	*/node_modules/*) echo "read from $where" ;;
	*package.json*) echo "read from $where: the application's own package.json, the project itself and not a dependency (osv-scanner's javascript/packagejson reads every package.json; vigil's npm cataloger skips the project's own, internal/inventory/npm/doc.go)" ;;
	*) echo "read from $where" ;;
	esac
}

# vigil_scan KIND TARGET: vigil's inventory and findings into $RES/vigil-KIND{.sbom,}.json.
vigil_scan() {
	"$BIN/vigil" --cache-dir "$RES/vc" -q sbom "$1" "$2" --format json -o "$RES/vigil-$1.sbom.json" 2>"$RES/vigil.log" ||
		die "vigil sbom $1 failed: $(tail -5 "$RES/vigil.log")"
	"$BIN/vigil" --db "$RES/vigil.db" --cache-dir "$RES/vc" -q scan "$1" "$2" $([ "$1" = image ] && echo --no-cache) --format json \
		-o "$RES/vigil-$1.json" 2>"$RES/vigil.log" || die "vigil scan $1 failed: $(tail -5 "$RES/vigil.log")"
}

main() {
	install_tools
	install_osv_scanner
	build_lang_image
	build_oldfs
	build_osvdb
	RES=$(mktemp -d "$BENCH/tmp/osvcmp.XXXXXX")
	trap 'rm -rf "$RES"' EXIT
	local img=(image --archive "$LANG_IMAGE" --experimental-plugins javascript/packagejson
		--experimental-plugins javascript/packagelockjson)
	local fs=(source -r "$OLDFS" --no-call-analysis=all --experimental-plugins go/binary)

	# osv-scanner: proof that the database is read, then the runs compared.
	log "osv-scanner over the empty database (must load it and report nothing)"
	osv_scan "$OSVDB_EMPTY" "$RES/osv-empty.json" "${img[@]}"
	local n
	n=$(jq '[.results[]?.packages[]?.vulnerabilities[]?] | length' "$RES/osv-empty.json")
	[ "$n" = 0 ] || die "osv-scanner reported $n vulnerabilities over a database with no records"
	log "osv-scanner over $OSVDB"
	osv_scan "$OSVDB" "$RES/osv-image.json" "${img[@]}"
	osv_scan "$OSVDB" "$RES/osv-fs.json" "${fs[@]}"
	local want got
	for want in 'lodash@4.17.15 GHSA-35jh-r3h4-6jhm GHSA-p6mc-m468-83gw' 'minimist@1.2.0 GHSA-xvch-5gv4-984h'; do
		got=$(jq -r --arg p "${want%% *}" '[.results[]?.packages[]? | select("\(.package.name)@\(.package.version)" == $p) |
			.vulnerabilities[]?.id] | unique | join(" ")' "$RES/osv-image.json")
		[ "$got" = "${want#* }" ] || die "osv-scanner reported [$got] for ${want%% *}, want [${want#* }]: database not read?"
	done
	echo "osv-scanner read the local database: $(jq '[.results[]?.packages[]?.vulnerabilities[]?] | length' "$RES/osv-image.json") package vulnerabilities in the image with it, 0 with the empty one; lodash 4.17.15 and minimist 1.2.0 as expected"

	# vigil, from the same records.
	"$BIN/vigil" --db "$RES/vigil.db" db import "$VULN/golang-vulndb/golang-vulndb-osv.tar.gz" \
		"$VULN/github-advisory-database/advisories" 2>"$RES/import.log" ||
		die "vigil db import failed: $(tail -5 "$RES/import.log")"
	vigil_scan image "$LANG_IMAGE"
	vigil_scan rootfs "$OLDFS"

	jq -s 'add' <(osv_groups "$RES/osv-image.json") <(osv_groups "$RES/osv-fs.json") >"$RES/osv.groups"
	jq -s 'add' <(vigil_groups "$RES/vigil-image.sbom.json" "$RES/vigil-image.json") \
		<(vigil_groups "$RES/vigil-rootfs.sbom.json" "$RES/vigil-rootfs.json") >"$RES/vigil.groups"
	jq -nc --slurpfile v "$RES/vigil.groups" --slurpfile o "$RES/osv.groups" \
		'$v[0] as $v | $o[0] as $o | '"$(cat "$JQ_COMPARE")" >"$RES/compare"

	echo "== Go modules and npm packages: advisories, vigil vs osv-scanner v2.5.0 (offline, same records)"
	local agree=0 differ=0 ids=0 line pkg eco g
	while IFS= read -r line; do
		pkg=$(jq -r '.pkg' <<<"$line")
		eco=${pkg%%|*}
		ids=$((ids + $(jq '.both | length' <<<"$line")))
		if jq -e '.inV and .inO and (.vonly | length) == 0 and (.oonly | length) == 0' <<<"$line" >/dev/null; then
			agree=$((agree + 1))
			printf '%-42s agree: %s\n' "$pkg" "$(jq -r '[.both[].rec] | if length == 0 then "none" else join(" ") end' <<<"$line")"
			continue
		fi
		differ=$((differ + 1))
		printf '%-42s DIFFER\n' "$pkg"
		if jq -e '.inV | not' <<<"$line" >/dev/null; then
			printf '    only osv-scanner lists this package (an inventory difference, no advisory involved)\n      likely: %s\n' \
				"$(one_sided osv "$pkg")"
		elif jq -e '.inO | not' <<<"$line" >/dev/null; then
			printf '    only vigil lists this package (an inventory difference, no advisory involved)\n      likely: %s\n' \
				"$(one_sided vigil "$pkg")"
		fi
		while IFS= read -r g; do
			printf '    vigil only: %s\n      likely: %s\n' "$(jq -r '.ids | join(" ")' <<<"$g")" "$(reason "$eco" "${pkg#*|}" vigil "$g")"
		done < <(jq -c '.vonly[]' <<<"$line")
		while IFS= read -r g; do
			printf '    osv-scanner only: %s\n      likely: %s\n' "$(jq -r '.ids | join(" ")' <<<"$g")" "$(reason "$eco" "${pkg#*|}" osv "$g")"
		done < <(jq -c '.oonly[]' <<<"$line")
	done <"$RES/compare"
	echo "packages: $agree agree, $differ differ; advisories both report: $ids"
}

main
