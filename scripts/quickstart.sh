#!/usr/bin/env bash
# The main job on embedded defaults, from nothing: fill the local
# vulnerability database (one file under the user cache directory, no
# server) and scan a root file system (default: this machine's /).
#
#   scripts/quickstart.sh [DIR]
#
# The database comes from the offline advisory snapshot in ../shared/vulndata
# (or $VIGIL_SHARED/vulndata) when it is there, else from the public sources
# over HTTPS (`vigil db update`). Needs Go 1.26; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-/}
data=${VIGIL_SHARED:-../shared}/vulndata
vigil() { go run ./cmd/vigil "$@"; }

if [ -d "$data" ]; then
	echo "quickstart: importing the offline advisory data in $data" >&2
	vigil db import "$data/debian-security-tracker/data" "$data/alpine-secdb/json" \
		"$data/azurelinux-oval/azurelinux-3.0-oval.xml.gz" "$data/azurelinux-oval/cbl-mariner-2.0-oval.xml.gz" \
		"$data/ubuntu-oval/com.ubuntu.noble.usn.oval.xml.gz" "$data/golang-vulndb/golang-vulndb-osv.tar.gz" \
		"$data/rustsec-advisory-db/rustsec-advisory-db-osv.tar.gz" \
		"$data/pypa-advisory-database/pypa-advisory-database-vulns.tar.gz" \
		"$data/github-advisory-database/advisories" "$data/cisa-kev/known_exploited_vulnerabilities.json"
else
	echo "quickstart: fetching the public advisory sources" >&2
	vigil db update
fi
vigil db status
vigil scan rootfs "$target"
