package sbom_test

import (
	"io"
	"testing"

	"github.com/vigil-sec/vigil/internal/sbom"
)

// BenchmarkEncode encodes an inventory of 5,000 packages.
func BenchmarkEncode(b *testing.B) {
	inv := manyPackages(5000)
	o := testOptions()
	b.Run("cyclonedx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := sbom.EncodeCycloneDX(io.Discard, inv, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("spdx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := sbom.EncodeSPDX(io.Discard, inv, o); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestManyPackagesValid: the benchmark's inventory is valid in both formats.
func TestManyPackagesValid(t *testing.T) {
	t.Parallel()
	inv := manyPackages(300)
	sbomValidateBoth(t, inv)
}
