#!/usr/bin/env bash
# Times `vigil sbom` against trivy and syft on the same image archive, and
# against plain decompression of its layers (issue 2's benchmark). Not run in CI.
#
#   bench/sbom-vs-peers.sh [RUNS]          # RUNS defaults to 5; medians are reported
#   bench/sbom-vs-peers.sh image           # only build (or find) the reference image
#
# Everything heavy lives in $VIGIL_BENCH_DIR (default /var/cache/vigil-bench),
# outside the repo, and is reused by later runs:
#   bin/      trivy v0.74.0, syft v1.57.1 (go install, GOBIN here) and vigil (built from this checkout)
#   rootfs/   a debootstrap bullseye tree, and a copy with extra packages installed by apt in a chroot
#   image/    debian11.tar: a docker-archive of 3 gzip layers (base, apt-get install EXTRA, a small app layer)
# Needs root, debootstrap, gzip, GNU time (/usr/bin/time), and the Debian mirror and Go module proxy.
set -euo pipefail

RUNS=${1:-${RUNS:-5}}
case "$RUNS" in image | [1-9] | [1-9][0-9]) ;; *) echo "usage: $0 [RUNS|image]" >&2; exit 2 ;; esac
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

run_vigil() {
	local c
	c=$(mktemp -d "$BENCH/tmp/vigil-cache.XXXXXX")
	measure vigil "$BIN/vigil" sbom image "$IMAGE" --format cyclonedx -o /dev/null --no-cache --cache-dir "$c"
	rm -rf "$c"
}
run_syft() {
	measure syft env SYFT_CHECK_FOR_APP_UPDATE=false TMPDIR="$BENCH/tmp" "$BIN/syft" "docker-archive:$IMAGE" -o cyclonedx-json=/dev/null -q
}
run_gunzip() {
	measure gunzip bash -c 'for l in "$@"; do gzip -dc "$l" >/dev/null; done' _ "$BENCH"/image/layers/*.tar.gz
}

main() {
	install_tools
	build_image
	RES=$(mktemp -d "$BENCH/tmp/results.XXXXXX")
	trap 'rm -rf "$RES"' EXIT
	local size
	size=$(du -m "$IMAGE" | cut -f1)

	# Package counts, once, as a sanity check that each tool saw the same image.
	"$BIN/vigil" sbom image "$IMAGE" --format cyclonedx -o "$RES/vigil.cdx.json" --no-cache --cache-dir "$RES/vc" 2>/dev/null
	"$BIN/trivy" image --input "$IMAGE" --format cyclonedx --offline-scan --skip-db-update --skip-java-db-update \
		--skip-version-check --cache-dir "$RES/tc" --quiet --output "$RES/trivy.cdx.json"
	SYFT_CHECK_FOR_APP_UPDATE=false "$BIN/syft" "docker-archive:$IMAGE" -q -o "cyclonedx-json=$RES/syft.cdx.json"
	local t
	for t in vigil trivy syft; do
		echo "$t: $(grep -o '"purl": *"pkg:deb/[^"]*' "$RES/$t.cdx.json" | sort -u | wc -l) deb packages in its CycloneDX output" >&2
	done

	log "image $IMAGE: ${size} MB, 3 gzip layers; $RUNS runs each, interleaved"
	local i
	for ((i = 1; i <= RUNS; i++)); do
		run_vigil
		run_trivy
		run_syft
		run_gunzip
	done

	declare -A wall rss
	for t in vigil trivy syft gunzip; do
		wall[$t]=$(cut -d' ' -f1 "$RES/$t" | median)
		rss[$t]=$(cut -d' ' -f2 "$RES/$t" | median)
	done
	echo
	printf '%-8s %10s %12s\n' tool "wall (s)" "peak RSS (MiB)"
	for t in vigil trivy syft gunzip; do
		printf '%-8s %10.2f %12.1f\n' "$t" "${wall[$t]}" "$(awk -v k="${rss[$t]}" 'BEGIN{print k/1024}')"
	done
	echo
	printf 'median of %d runs on a %s MB 3-layer Debian 11 docker-archive (%d cores)\n' "$RUNS" "$size" "$(nproc)"
	awk -v vw="${wall[vigil]}" -v tw="${wall[trivy]}" -v sw="${wall[syft]}" -v gw="${wall[gunzip]}" \
		-v vr="${rss[vigil]}" -v tr="${rss[trivy]}" -v sr="${rss[syft]}" 'BEGIN {
		printf "vigil/trivy   wall %.2fx   RSS %.2fx   (target: wall <= 0.7x, RSS <= 0.5x)\n", vw/tw, vr/tr
		printf "vigil/syft    wall %.2fx   RSS %.2fx   (target: RSS <= 0.5x)\n", vw/sw, vr/sr
		printf "vigil/gunzip  wall %.2fx   (gzip -dc of each layer, one after another)\n", vw/gw
	}'
}

if [ "${1:-}" = image ]; then
	build_image
	ls -l "$IMAGE" "$BENCH"/image/layers/ >&2
	exit 0
fi
main
