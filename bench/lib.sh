# Shared by the bench/ scripts: the tools, the reference image and timing.
# Sourced, not run. Everything heavy lives in $VIGIL_BENCH_DIR (default
# /var/cache/vigil-bench), outside the repo, and is reused by later runs.
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

# run_trivy: one timed trivy run that writes only an SBOM (its cache fresh each time).
run_trivy() {
	local c
	c=$(mktemp -d "$BENCH/tmp/trivy-cache.XXXXXX")
	# --format cyclonedx turns the vulnerability scanner off: an SBOM only, no database.
	measure trivy "$BIN/trivy" image --input "$IMAGE" --format cyclonedx --offline-scan --skip-db-update \
		--skip-java-db-update --skip-version-check --cache-dir "$c" --quiet --output /dev/null
	rm -rf "$c"
}
