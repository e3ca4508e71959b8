# shellcheck shell=bash
# The language image of issue 4, for bench/langdeps-vs-syft.sh and
# bench/osv-scanner-compare.sh. Sourced after lib.sh, not run.
#
# The same three layers as e2e/lang_test.go builds:
#   1. the debootstrap bullseye root      ($VIGIL_TESTDATA/debian/bullseye)
#   2. python3-urllib3, python3-requests, libjackson2-databind-java installed
#      by dpkg                             ($VIGIL_TESTDATA/langdeps/debian-layer)
#   3. srv/app-vuln, srv/app-fixed (npm trees, an unowned jackson-databind jar)
#      and Go binaries built here: usr/local/bin/{textapp,netapp} against
#      golang.org/x/text v0.3.6 and x/net v0.17.0, opt/fixed/bin/{textapp,netapp}
#      against x/text v0.44.0 and x/net v0.62.0
# written as a docker archive, $LANG_IMAGE. scripts/testdata-langdeps.sh
# prepares the inputs (run it first, as root).
TESTDATA=${VIGIL_TESTDATA:-/var/cache/vigil-testdata}
LANG_IMAGE=$BENCH/image/lang.tar
LANG_GO=$BENCH/lang-go

# lang_go_build VARIANT NAME MODULE@VERSION IMPORT BODY: one Go binary into $LANG_GO/bin/VARIANT/NAME.
lang_go_build() {
	local variant=$1 name=$2 req=$3 imp=$4 body=$5 src=$LANG_GO/src/$1/$2
	mkdir -p "$src" "$LANG_GO/bin/$variant"
	printf 'module example.com/%s\n\ngo 1.22\n\nrequire %s %s\n' "$name" "${req%@*}" "${req#*@}" >"$src/go.mod.new"
	if ! cmp -s "$src/go.mod.new" "$src/go.mod"; then mv "$src/go.mod.new" "$src/go.mod"; rm -f "$src/go.sum"; else rm "$src/go.mod.new"; fi
	printf 'package main\n\nimport (\n\t"fmt"\n\t"strings"\n\t"%s"\n)\n\nvar _ = strings.ToUpper\n\nfunc main() {\n\t%s\n}\n' "$imp" "$body" >"$src/main.go"
	(cd "$src" && GOPATH=$LANG_GO/gopath GOMODCACHE=$LANG_GO/gopath/pkg/mod GOFLAGS="-mod=mod -modcacherw" \
		GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 go build -trimpath -o "$LANG_GO/bin/$variant/$name" .) ||
		die "go build $variant/$name failed"
}

build_lang_image() {
	local ld=$TESTDATA/langdeps base=$TESTDATA/debian/bullseye
	[ -f "$ld/.stamp" ] || die "$ld missing: run scripts/testdata-langdeps.sh first"
	local text='t, _ := language.Parse("de-CH"); fmt.Println(t)'
	local net='n, err := html.Parse(strings.NewReader("<p>x")); fmt.Println(n != nil, err)'
	lang_go_build vuln textapp golang.org/x/text@v0.3.6 golang.org/x/text/language "$text"
	lang_go_build vuln netapp golang.org/x/net@v0.17.0 golang.org/x/net/html "$net"
	lang_go_build fixed textapp golang.org/x/text@v0.44.0 golang.org/x/text/language "$text"
	lang_go_build fixed netapp golang.org/x/net@v0.62.0 golang.org/x/net/html "$net"
	local stamp
	stamp=$(cat "$ld/.stamp" "$TESTDATA/debian/.bullseye.stamp" "$LANG_GO"/bin/*/* | sha256sum | cut -d' ' -f1)
	if [ -f "$LANG_IMAGE" ] && [ "$(cat "$LANG_IMAGE.stamp" 2>/dev/null)" = "$stamp" ]; then return; fi
	local w=$BENCH/image/lang-work
	rm -rf "$w"
	mkdir -p "$w/app/srv" "$w/app/usr/local/bin" "$w/app/opt/fixed/bin"
	cp -a "$ld/app-vuln" "$ld/app-fixed" "$w/app/srv/"
	cp "$LANG_GO"/bin/vuln/* "$w/app/usr/local/bin/"
	cp "$LANG_GO"/bin/fixed/* "$w/app/opt/fixed/bin/"
	log "building the language image $LANG_IMAGE"
	tar -C "$base" --numeric-owner -cf "$w/l1.tar" .
	tar -C "$ld/debian-layer" --numeric-owner -cf "$w/l2.tar" .
	tar -C "$w/app" --numeric-owner --owner=0 --group=0 -cf "$w/l3.tar" .
	local diffids=() layers=() i d
	for i in 1 2 3; do
		diffids+=("sha256:$(sha256sum "$w/l$i.tar" | cut -d' ' -f1)")
		gzip -n -6 -c "$w/l$i.tar" >"$w/l$i.tar.gz"
		d=$(sha256sum "$w/l$i.tar.gz" | cut -d' ' -f1)
		mv "$w/l$i.tar.gz" "$w/$d.tar.gz"
		layers+=("$d.tar.gz")
		rm "$w/l$i.tar"
	done
	local created=2024-09-06T00:00:00Z cfg
	cat >"$w/config.json" <<EOF
{"architecture":"amd64","os":"linux","created":"$created","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/bash"]},"rootfs":{"type":"layers","diff_ids":["${diffids[0]}","${diffids[1]}","${diffids[2]}"]},"history":[{"created":"$created","created_by":"debootstrap --variant=minbase bullseye"},{"created":"$created","created_by":"RUN apt-get install python3-urllib3 python3-requests libjackson2-databind-java"},{"created":"$created","created_by":"COPY app /"}]}
EOF
	cfg=$(sha256sum "$w/config.json" | cut -d' ' -f1).json
	mv "$w/config.json" "$w/$cfg"
	printf '[{"Config":"%s","RepoTags":["vigil-bench/lang:1"],"Layers":["%s","%s","%s"]}]\n' \
		"$cfg" "${layers[0]}" "${layers[1]}" "${layers[2]}" >"$w/manifest.json"
	mkdir -p "$(dirname "$LANG_IMAGE")"
	tar -C "$w" -cf "$LANG_IMAGE.tmp" manifest.json "$cfg" "${layers[@]}"
	mv "$LANG_IMAGE.tmp" "$LANG_IMAGE"
	rm -rf "$w"
	echo "$stamp" >"$LANG_IMAGE.stamp"
}
