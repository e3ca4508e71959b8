#!/usr/bin/env bash
# Prepares the heavy real test inputs under $VIGIL_TESTDATA (default
# /var/cache/vigil-testdata) by calling each scripts/testdata-*.sh part that
# exists. Each part caches its result there, so a rerun is fast; each also works
# from nothing. Needs root (debootstrap, rpm) and the apt packages .ci/run installs.
set -euo pipefail
cd "$(dirname "$0")"
export VIGIL_TESTDATA=${VIGIL_TESTDATA:-/var/cache/vigil-testdata}
mkdir -p "$VIGIL_TESTDATA"

for part in testdata-debian.sh testdata-rpm.sh testdata-azurelinux.sh testdata-schemas.sh testdata-langdeps.sh; do
	if [ -f "$part" ]; then
		start=$(date +%s)
		echo "testdata: $part" >&2
		bash "./$part"
		echo "testdata: $part done in $(( $(date +%s) - start ))s" >&2
	else
		echo "testdata: $part not present, skipped" >&2
	fi
done
