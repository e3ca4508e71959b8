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
BENCH=${VIGIL_BENCH_DIR:-/var/cache/vigil-bench}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Installed on top of the base in layer 2; chosen so the image is about 64 MB compressed.
EXTRA=${BENCH_EXTRA_PACKAGES:-"ca-certificates curl openssl python3-minimal procps less"}
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=$BENCH/bin
TIME=/usr/bin/time

log() { echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
[ -x "$TIME" ] || die "GNU time missing: apt-get install time"
command -v debootstrap >/dev/null || die "debootstrap missing: apt-get install debootstrap"
mkdir -p "$BIN" "$BENCH/logs" "$BENCH/tmp"

# --- tools -------------------------------------------------------------------
install_tools() {
	local pids=()
	if [ ! -x "$BIN/trivy" ]; then
		log "installing trivy v0.74.0 (several minutes)"
		(GOBIN=$BIN GOEXPERIMENT=jsonv2 go install github.com/aquasecurity/trivy/cmd/trivy@v0.74.0 >"$BENCH/logs/trivy-install.log" 2>&1) &
		pids+=($!)
	fi
	if [ ! -x "$BIN/syft" ]; then
		log "installing syft v1.57.1 (several minutes)"
		(GOBIN=$BIN go install github.com/anchore/syft/cmd/syft@v1.57.1 >"$BENCH/logs/syft-install.log" 2>&1) &
		pids+=($!)
	fi
	for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" || die "go install failed: see $BENCH/logs/*-install.log"; done
	log "building vigil from $REPO"
	(cd "$REPO" && go build -trimpath -o "$BIN/vigil" ./cmd/vigil)
}

# --- reference image -----------------------------------------------------------
# Layer 1: debootstrap --variant=minbase bullseye. Layer 2: what `apt-get install
# $EXTRA` in a chroot of it changed (new and changed files; whiteouts for removed
# ones). Layer 3: a small application layer. gzip -6, as docker and buildkit write.
IMAGE=$BENCH/image/debian11.tar
STAMP="v1 bullseye minbase + $EXTRA"

clean_apt() {
	rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/cache/apt/*.bin "$1"/var/lib/apt/lists/* "$1"/var/log/apt/* "$1"/tmp/*
}

build_rootfs() {
	local base=$BENCH/rootfs/bullseye-base full=$BENCH/rootfs/bullseye-full
	if [ ! -f "$base/.done" ]; then
		rm -rf "$base"
		mkdir -p "$BENCH/rootfs"
		log "debootstrap bullseye (a few minutes)"
		debootstrap --variant=minbase bullseye "$base" "$MIRROR" >"$BENCH/logs/debootstrap.log" 2>&1 ||
			die "debootstrap failed: see $BENCH/logs/debootstrap.log"
		clean_apt "$base"
		touch "$base/.done"
	fi
	if [ ! -f "$full/.done" ] || [ "$(cat "$full/.done")" != "$STAMP" ]; then
		rm -rf "$full"
		cp -a "$base" "$full"
		rm -f "$full/.done"
		log "apt-get install $EXTRA (in a chroot)"
		printf '#!/bin/sh\nexit 101\n' >"$full/usr/sbin/policy-rc.d"
		chmod 755 "$full/usr/sbin/policy-rc.d"
		echo "deb $MIRROR bullseye main" >"$full/etc/apt/sources.list"
		cp /etc/resolv.conf "$full/etc/resolv.conf" 2>/dev/null || true
		{
			chroot "$full" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive apt-get update -q &&
				chroot "$full" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
					apt-get install -y -q --no-install-recommends $EXTRA
		} >"$BENCH/logs/apt.log" 2>&1 || die "apt-get in chroot failed: see $BENCH/logs/apt.log"
		rm -f "$full/usr/sbin/policy-rc.d"
		cp "$base/etc/resolv.conf" "$full/etc/resolv.conf" 2>/dev/null || true
		clean_apt "$full"
		echo "$STAMP" >"$full/.done"
	fi
}

# layer_diff BASE FULL LIST WHITEOUTS: paths (relative) new or changed in FULL,
# and a directory of whiteout files for paths removed from BASE.
layer_diff() {
	local base=$1 full=$2 list=$3 wh=$4 line rel
	: >"$list"
	rm -rf "$wh"
	mkdir -p "$wh"
	# diff exits 1 when the trees differ, 2 on special files it cannot compare.
	{ diff -rq --no-dereference "$base" "$full" || true; } 2>/dev/null | while IFS= read -r line; do
		case "$line" in
		"Only in $full"*)
			rel=${line#"Only in $full"}
			rel=${rel#/}
			rel=${rel/: //}
			echo "./${rel#/}" >>"$list"
			;;
		"Only in $base"*)
			rel=${line#"Only in $base"}
			rel=${rel#/}
			rel=${rel/: //}
			rel=${rel#/}
			mkdir -p "$wh/$(dirname "$rel")"
			: >"$wh/$(dirname "$rel")/.wh.$(basename "$rel")"
			;;
		"Files $base/"*" differ" | "Symbolic links $base/"*" differ")
			rel=${line#* "$base"/}
			rel=${rel%% and *}
			echo "./$rel" >>"$list"
			;;
		esac
	done
	grep -v -e '^\./\.done$' "$list" | sort -u >"$list.sorted" || true
	mv "$list.sorted" "$list"
}

build_image() {
	if [ -f "$IMAGE" ] && [ "$(cat "$IMAGE.stamp" 2>/dev/null)" = "$STAMP" ]; then return; fi
	build_rootfs
	local base=$BENCH/rootfs/bullseye-base full=$BENCH/rootfs/bullseye-full
	local w=$BENCH/image/work
	rm -rf "$w"
	mkdir -p "$w/app/opt/app"
	log "building the 3-layer image"
	tar -C "$base" --numeric-owner --exclude=./.done -cf "$w/l1.tar" .
	layer_diff "$base" "$full" "$w/l2.list" "$w/wh"
	tar -C "$full" --numeric-owner -cf "$w/l2.tar" -T "$w/l2.list"
	if [ -n "$(ls -A "$w/wh")" ]; then tar -C "$w/wh" --numeric-owner -rf "$w/l2.tar" .; fi
	# Layer 3: an application: a script and a few MB of data.
	printf '#!/usr/bin/env python3\nprint("hello")\n' >"$w/app/opt/app/main.py"
	head -c 3000000 /dev/urandom | base64 >"$w/app/opt/app/data.txt"
	tar -C "$w/app" --numeric-owner --owner=0 --group=0 -cf "$w/l3.tar" ./opt
	local diffids=() layers=() i
	for i in 1 2 3; do
		diffids+=("sha256:$(sha256sum "$w/l$i.tar" | cut -d' ' -f1)")
		gzip -n -6 -c "$w/l$i.tar" >"$w/l$i.tar.gz"
		local d
		d=$(sha256sum "$w/l$i.tar.gz" | cut -d' ' -f1)
		mv "$w/l$i.tar.gz" "$w/$d.tar.gz"
		layers+=("$d.tar.gz")
		rm "$w/l$i.tar"
	done
	local created=2024-09-06T00:00:00Z
	cat >"$w/config.json" <<EOF
{"architecture":"amd64","os":"linux","created":"$created","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/opt/app/main.py"]},"rootfs":{"type":"layers","diff_ids":["${diffids[0]}","${diffids[1]}","${diffids[2]}"]},"history":[{"created":"$created","created_by":"debootstrap --variant=minbase bullseye"},{"created":"$created","created_by":"RUN apt-get install -y $EXTRA"},{"created":"$created","created_by":"COPY app /opt/app"}]}
EOF
	local cfg
	cfg=$(sha256sum "$w/config.json" | cut -d' ' -f1).json
	mv "$w/config.json" "$w/$cfg"
	printf '[{"Config":"%s","RepoTags":["vigil-bench/debian:11"],"Layers":["%s","%s","%s"]}]\n' \
		"$cfg" "${layers[0]}" "${layers[1]}" "${layers[2]}" >"$w/manifest.json"
	tar -C "$w" -cf "$IMAGE.tmp" manifest.json "$cfg" "${layers[@]}"
	mv "$IMAGE.tmp" "$IMAGE"
	rm -rf "$BENCH/image/layers"
	mkdir -p "$BENCH/image/layers"
	mv "$w"/*.tar.gz "$BENCH/image/layers/"
	rm -rf "$w"
	echo "$STAMP" >"$IMAGE.stamp"
}

# --- timing ----------------------------------------------------------------------
# measure NAME CMD...: one run; appends "wall_s rss_kib" to $RES/NAME.
measure() {
	local name=$1
	shift
	"$TIME" -f '%e %M' -o "$RES/$name.last" "$@" >/dev/null 2>"$RES/$name.err" ||
		die "$name failed: $(tail -5 "$RES/$name.err")"
	cat "$RES/$name.last" >>"$RES/$name"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

run_vigil() {
	local c
	c=$(mktemp -d "$BENCH/tmp/vigil-cache.XXXXXX")
	measure vigil "$BIN/vigil" sbom image "$IMAGE" --format cyclonedx -o /dev/null --no-cache --cache-dir "$c"
	rm -rf "$c"
}
run_trivy() {
	local c
	c=$(mktemp -d "$BENCH/tmp/trivy-cache.XXXXXX")
	# --format cyclonedx turns the vulnerability scanner off: an SBOM only, no database.
	measure trivy "$BIN/trivy" image --input "$IMAGE" --format cyclonedx --offline-scan --skip-db-update \
		--skip-java-db-update --skip-version-check --cache-dir "$c" --quiet --output /dev/null
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
