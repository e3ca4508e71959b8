// Package sbomtest checks SBOM documents in tests: [ValidateCycloneDX] and
// [ValidateSPDX] validate a document against the official JSON schema of its
// format (CycloneDX 1.6, SPDX 2.3) and parse it back with the format's Go
// library. Any package's tests, end-to-end ones included, can call them.
//
// The schemas are read offline, never fetched: the CycloneDX ones from the
// pinned cyclonedx-go module (located with `go list -m`), the SPDX one from
// the test-data cache that scripts/testdata-schemas.sh fills. A missing
// schema skips the test (fails it under VIGIL_REQUIRE_E2E=1), as testenv does.
package sbomtest
