#!/usr/bin/env bash
# The one test command: gofmt, go vet, go test -race.
#   scripts/test.sh                  # everything
#   scripts/test.sh -run X ./e2e/    # extra arguments go to `go test` (packages default to ./...)
# Tests that need real parts (docker-registry, debootstrap roots, rpm, ../shared)
# skip with a message when those are absent; .ci/run prepares them and sets
# VIGIL_REQUIRE_E2E=1 so that a missing part fails instead.
set -euo pipefail
cd "$(dirname "$0")/.."

# Fixtures under testdata/ may be deliberately malformed Go; they are not checked.
unformatted=$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -print0 | xargs -0 -r gofmt -l)
if [ -n "$unformatted" ]; then
	echo "gofmt: these files are not formatted (run gofmt -w):" >&2
	echo "$unformatted" >&2
	exit 1
fi

go vet ./...

# Packages default to ./... unless a package path is among the arguments.
args=("$@")
have_pkg=0
for a in "${args[@]+"${args[@]}"}"; do
	case "$a" in ./* | github.com/*) have_pkg=1 ;; esac
done
if [ "$have_pkg" = 0 ]; then args+=(./...); fi

# 2 cores: the whole suite stays well under 30 minutes; the timeout is per package binary.
exec go test -race -count=1 -timeout "${VIGIL_TEST_TIMEOUT:-25m}" "${args[@]}"
