package debian

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

// BenchmarkParseDSAList parses the biggest real list, data/DSA/list (838 KiB).
func BenchmarkParseDSAList(b *testing.B) {
	path := filepath.Join(testenv.Shared(b, "vulndata", "debian-security-tracker", "data"), "DSA", "list")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	vulndbtest.Bench(b, ParseDSAList, data, path, int64(len(data)), 0)
}
