#!/usr/bin/env bash
# Installs cosign (the sigstore CLI) for the signing interop tests in
# e2e/sign_test.go into ${VIGIL_TOOLS:-/var/cache/vigil-tools}/bin and prints
# its path. Idempotent: an installed cosign of the pinned version is kept.
#
#   scripts/install-cosign.sh            # builds it from source with go install (a few minutes)
#   PATH=$PATH:/var/cache/vigil-tools/bin go test ./e2e/ -run Sign
#
# Needs Go 1.26 and network access to the Go module proxy.
set -euo pipefail
version=v2.6.5
bin=${VIGIL_TOOLS:-/var/cache/vigil-tools}/bin
cosign=$bin/cosign

if [ -x "$cosign" ] && "$cosign" version 2>/dev/null | grep -q "GitVersion:.*${version#v}"; then
	echo "install-cosign: $cosign is already $version" >&2
	echo "$cosign"
	exit 0
fi

mkdir -p "$bin"
echo "install-cosign: building cosign $version into $bin (takes minutes)" >&2
# GOBIN points go install at our directory; -trimpath keeps the build
# reproducible. The version is stamped the way cosign's own release does, so
# `cosign version` reports it (and the check above finds it next time).
GOBIN=$bin go install -trimpath \
	-ldflags "-X sigs.k8s.io/release-utils/version.gitVersion=$version" \
	"github.com/sigstore/cosign/v2/cmd/cosign@$version"
"$cosign" version >/dev/null
echo "$cosign"
