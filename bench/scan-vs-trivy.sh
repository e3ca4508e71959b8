#!/usr/bin/env bash
# Times the whole `vigil scan image` (inventory and matching against the
# local database) of the reference image against trivy's SBOM-only run of
# the same archive (issue 3's benchmark: trivy and grype cannot match offline
# here without their own databases, so trivy's inventory alone is the bar).
# Not run in CI.
#
#   bench/scan-vs-trivy.sh [RUNS]     # RUNS defaults to 5; medians are reported
#
# The reference image and the tools are those of bench/sbom-vs-peers.sh (see
# bench/lib.sh). The database is imported from ../shared/vulndata (or
# $VIGIL_SHARED/vulndata) into $VIGIL_BENCH_DIR/db on every run, and its
# import is timed once.
set -euo pipefail

RUNS=${1:-${RUNS:-5}}
case "$RUNS" in [1-9] | [1-9][0-9]) ;; *) echo "usage: $0 [RUNS]" >&2; exit 2 ;; esac
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

SHARED=${VIGIL_SHARED:-$REPO/../shared}
DATA=$SHARED/vulndata
[ -d "$DATA" ] || die "no advisory data at $DATA (set VIGIL_SHARED)"
DB=$BENCH/db/vulndb.bolt

import_db() {
	rm -rf "$BENCH/db"
	mkdir -p "$BENCH/db"
	local start end
	start=$(date +%s.%N)
	"$BIN/vigil" --db "$DB" -q db import \
		"$DATA/debian-security-tracker/data" "$DATA/alpine-secdb/json" \
		"$DATA/azurelinux-oval/azurelinux-3.0-oval.xml.gz" "$DATA/azurelinux-oval/cbl-mariner-2.0-oval.xml.gz" \
		"$DATA/ubuntu-oval/com.ubuntu.noble.usn.oval.xml.gz" \
		"$DATA/golang-vulndb/golang-vulndb-osv.tar.gz" "$DATA/rustsec-advisory-db/rustsec-advisory-db-osv.tar.gz" \
		"$DATA/pypa-advisory-database/pypa-advisory-database-vulns.tar.gz" \
		"$DATA/github-advisory-database/advisories" "$DATA/cisa-kev/known_exploited_vulnerabilities.json" \
		2>"$BENCH/logs/db-import.log" || die "vigil db import failed: see $BENCH/logs/db-import.log"
	end=$(date +%s.%N)
	log "imported all of $DATA in $(awk -v s="$start" -v e="$end" 'BEGIN{printf "%.2f", e-s}') s; database $(du -k "$DB" | cut -f1) KiB"
}

run_vigil() {
	local c
	c=$(mktemp -d "$BENCH/tmp/vigil-cache.XXXXXX")
	# --scanners vuln: the vulnerability scan, as in issue 3 (secrets and configuration: bench/secrets-vs-trivy.sh).
	measure vigil "$BIN/vigil" --db "$DB" --cache-dir "$c" -q scan image "$IMAGE" --scanners vuln --format json -o /dev/null --no-cache --max-db-age 0
	rm -rf "$c"
}

main() {
	install_tools
	build_image
	import_db
	RES=$(mktemp -d "$BENCH/tmp/results.XXXXXX")
	trap 'rm -rf "$RES"' EXIT
	local n
	n=$("$BIN/vigil" --db "$DB" --cache-dir "$RES/vc" -q scan image "$IMAGE" --format json --max-db-age 0 | grep -c '"id": "CVE-' || true)
	log "vigil reports $n CVE findings on $IMAGE (data of April 2023 against a newer bullseye: few or none expected)"
	local i
	for ((i = 1; i <= RUNS; i++)); do
		run_vigil
		run_trivy
	done
	declare -A wall rss
	for t in vigil trivy; do
		wall[$t]=$(cut -d' ' -f1 "$RES/$t" | median)
		rss[$t]=$(cut -d' ' -f2 "$RES/$t" | median)
	done
	echo
	printf '%-22s %10s %12s\n' run "wall (s)" "peak RSS (MiB)"
	printf '%-22s %10.2f %12.1f\n' "vigil scan image" "${wall[vigil]}" "$(awk -v k="${rss[vigil]}" 'BEGIN{print k/1024}')"
	printf '%-22s %10.2f %12.1f\n' "trivy (SBOM only)" "${wall[trivy]}" "$(awk -v k="${rss[trivy]}" 'BEGIN{print k/1024}')"
	echo
	printf 'median of %d runs, cold layer cache, %d cores\n' "$RUNS" "$(nproc)"
	awk -v vw="${wall[vigil]}" -v tw="${wall[trivy]}" 'BEGIN {
		printf "vigil scan / trivy SBOM   wall %.2fx   (target: <= 1.0x)\n", vw/tw
	}'
}

main
