#!/usr/bin/env bash
# What secret scanning adds to a whole image scan, for vigil and for trivy,
# on the reference Debian 11 image (issue 5: vigil's secret scan may add at
# most 20% to the wall time of `vigil scan image`; trivy's adds about a
# third to its own run). Not run in CI.
#
#   bench/secrets-vs-trivy.sh [RUNS]     # RUNS defaults to 5; medians are reported
#
# Runs, each with a fresh cache (nothing served from an earlier run):
#   vigil base      vigil scan image --scanners vuln              (inventory + matching)
#   vigil +secret   vigil scan image --scanners vuln,secret
#   vigil all       vigil scan image --scanners vuln,secret,misconfig
#   trivy base      trivy image --format cyclonedx                (package analysis only: trivy
#                   cannot match offline here without its own database)
#   trivy +secret   trivy image --scanners secret --format json --list-all-pkgs
#                   (the same package analysis, plus its secret scanner)
# Each tool's runs alternate, so a change in machine load hits both alike.
# The database is the one bench/scan-vs-trivy.sh imports ($VIGIL_BENCH_DIR/db),
# imported here if missing.
set -euo pipefail

RUNS=${1:-${RUNS:-5}}
case "$RUNS" in [1-9] | [1-9][0-9]) ;; *) echo "usage: $0 [RUNS]" >&2; exit 2 ;; esac
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

SHARED=${VIGIL_SHARED:-$REPO/../shared}
DATA=$SHARED/vulndata
DB=$BENCH/db/vulndb.bolt

import_db() {
	[ -s "$DB" ] && return
	[ -d "$DATA" ] || die "no advisory data at $DATA (set VIGIL_SHARED)"
	mkdir -p "$BENCH/db"
	log "importing $DATA into $DB"
	"$BIN/vigil" --db "$DB" -q db import \
		"$DATA/debian-security-tracker/data" "$DATA/alpine-secdb/json" \
		"$DATA/golang-vulndb/golang-vulndb-osv.tar.gz" \
		"$DATA/pypa-advisory-database/pypa-advisory-database-vulns.tar.gz" \
		"$DATA/github-advisory-database/advisories" "$DATA/cisa-kev/known_exploited_vulnerabilities.json" \
		2>"$BENCH/logs/db-import.log" || die "vigil db import failed: see $BENCH/logs/db-import.log"
}

run_vigil() {
	local name=$1 scanners=$2 c
	c=$(mktemp -d "$BENCH/tmp/vigil-cache.XXXXXX")
	measure "$name" "$BIN/vigil" --db "$DB" --cache-dir "$c" -q scan image "$IMAGE" --scanners "$scanners" \
		--format json -o /dev/null --no-cache --max-db-age 0
	rm -rf "$c"
}

run_trivy_secret() {
	local c
	c=$(mktemp -d "$BENCH/tmp/trivy-cache.XXXXXX")
	measure trivy-secret "$BIN/trivy" image --input "$IMAGE" --scanners secret --format json --list-all-pkgs \
		--offline-scan --skip-db-update --skip-java-db-update --skip-version-check --cache-dir "$c" --quiet --output /dev/null
	rm -rf "$c"
}

main() {
	install_tools
	build_image
	import_db
	RES=$(mktemp -d "$BENCH/tmp/results.XXXXXX")
	trap 'rm -rf "$RES"' EXIT
	local out
	out=$("$BIN/vigil" --db "$DB" --cache-dir "$RES/vc" -vv scan image "$IMAGE" --scanners secret --format json --max-db-age 0 2>"$RES/stats.log")
	log "vigil finds $(jq '.secrets | length' <<<"$out") secrets in $IMAGE; $(grep -o 'files=[0-9]* bytes=[0-9]*' "$RES/stats.log" || echo 'no stats')"
	local i
	for ((i = 1; i <= RUNS; i++)); do
		run_vigil vigil-base vuln
		run_vigil vigil-secret vuln,secret
		run_vigil vigil-all vuln,secret,misconfig
		run_trivy
		run_trivy_secret
	done
	declare -A wall rss
	for t in vigil-base vigil-secret vigil-all trivy trivy-secret; do
		wall[$t]=$(cut -d' ' -f1 "$RES/$t" | median)
		rss[$t]=$(cut -d' ' -f2 "$RES/$t" | median)
	done
	echo
	printf '%-30s %10s %14s\n' run "wall (s)" "peak RSS (MiB)"
	for t in vigil-base vigil-secret vigil-all trivy trivy-secret; do
		printf '%-30s %10.2f %14.1f\n' "$t" "${wall[$t]}" "$(awk -v k="${rss[$t]}" 'BEGIN{print k/1024}')"
	done
	echo
	printf 'median of %d runs, cold caches, %d cores\n' "$RUNS" "$(nproc)"
	awk -v b="${wall[vigil-base]}" -v s="${wall[vigil-secret]}" -v a="${wall[vigil-all]}" \
		-v tb="${wall[trivy]}" -v ts="${wall[trivy-secret]}" 'BEGIN {
		printf "vigil: secret scanning adds %+.0f%% (target: <= 20%%); secret + misconfig %+.0f%%\n", (s/b-1)*100, (a/b-1)*100
		printf "trivy: secret scanning adds %+.0f%%\n", (ts/tb-1)*100
		printf "vigil +secret / trivy +secret   wall %.2fx\n", s/ts
	}'
}

main
