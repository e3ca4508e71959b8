#!/usr/bin/env bash
# Puts the official SPDX 2.3 JSON schema under $VIGIL_TESTDATA/schemas/ for the
# SBOM validation tests (internal/sbom/sbomtest). It is not in spdx/tools-golang;
# the Go module of syft v1.57.1 (the peer that bench/ already installs) ships
# the upstream file, spdx-spec's schemas/spdx-schema.json at v2.3, as
# schema/spdx-json/spdx-schema-2.3.json, so it comes through the Go module proxy
# like any module. The CycloneDX schemas need no step: the tests read them from
# the pinned cyclonedx-go module.
#
# The SARIF 2.1.0 schema (for internal/report's SARIF test) is in no Go module;
# Microsoft's npm package @microsoft/jest-sarif ships it as
# lib/schemas/sarif-2.1.0-rtm.5.json (the final 2.1.0 schema, as published in
# SchemaStore), so it comes from the npm registry (a plain HTTPS download of
# the package tarball), checked against the tarball's SHA-256. Idempotent: a present, valid copy is kept.
set -euo pipefail
export PATH=/usr/local/go/bin:$PATH
dest=${VIGIL_TESTDATA:-/var/cache/vigil-testdata}/schemas
file=$dest/spdx-schema-2.3.json
module=github.com/anchore/syft@v1.57.1

valid() {
	[ -s "$1" ] && grep -q '"\$id" *: *"http://spdx.org/rdf/terms/2.3"' "$1"
}

mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sarif=$dest/sarif-schema-2.1.0.json
sarif_pkg=@microsoft/jest-sarif@1.0.0-beta.0
sarif_url=https://registry.npmjs.org/@microsoft/jest-sarif/-/jest-sarif-1.0.0-beta.0.tgz
sarif_tgz_sha256=748e2c3d1a842e7bb258416685c7ea3a0da40005b72267b2052c2856d48ad102
sarif_valid() {
	[ -s "$1" ] && grep -q '"title": "Static Analysis Results Format (SARIF) Version 2.1.0' "$1"
}
if sarif_valid "$sarif"; then
	echo "schemas: $sarif present" >&2
else
	tgz=$work/jest-sarif.tgz
	curl -fsSL --retry 3 -o "$tgz" "$sarif_url"
	echo "$sarif_tgz_sha256  $tgz" | sha256sum -c --quiet - || { echo "schemas: $sarif_pkg tarball checksum differs" >&2; exit 1; }
	tar -xzf "$tgz" -C "$work" package/lib/schemas/sarif-2.1.0-rtm.5.json
	sarif_valid "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" || { echo "schemas: not the SARIF 2.1.0 schema" >&2; exit 1; }
	install -m 0644 "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$sarif.tmp"
	mv "$sarif.tmp" "$sarif"
	echo "schemas: wrote $sarif" >&2
fi

if valid "$file"; then
	echo "schemas: $file present" >&2
	exit 0
fi
# Outside any module, so that nothing touches the repo's go.mod or go.sum.
dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
src=$dir/schema/spdx-json/spdx-schema-2.3.json
if ! valid "$src"; then
	echo "schemas: $src missing or not the SPDX 2.3 schema" >&2
	exit 1
fi
cp "$src" "$work/spdx-schema-2.3.json"
chmod 0644 "$work/spdx-schema-2.3.json"
mv "$work/spdx-schema-2.3.json" "$file"
echo "schemas: wrote $file" >&2
