#!/usr/bin/env bash
# Puts the official SPDX 2.3 JSON schema under $VIGIL_TESTDATA/schemas/ for the
# SBOM validation tests (internal/sbom/sbomtest). It is not in spdx/tools-golang;
# the Go module of syft v1.57.1 (the peer that bench/ already installs) ships
# the upstream file, spdx-spec's schemas/spdx-schema.json at v2.3, as
# schema/spdx-json/spdx-schema-2.3.json, so it comes through the Go module proxy
# like any module. The CycloneDX schemas need no step: the tests read them from
# the pinned cyclonedx-go module. Idempotent: a present, valid copy is kept.
set -euo pipefail
export PATH=/usr/local/go/bin:$PATH
dest=${VIGIL_TESTDATA:-/var/cache/vigil-testdata}/schemas
file=$dest/spdx-schema-2.3.json
module=github.com/anchore/syft@v1.57.1

valid() {
	[ -s "$1" ] && grep -q '"\$id" *: *"http://spdx.org/rdf/terms/2.3"' "$1"
}

if valid "$file"; then
	echo "schemas: $file present" >&2
	exit 0
fi
mkdir -p "$dest"
# Outside any module, so that nothing touches the repo's go.mod or go.sum.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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
