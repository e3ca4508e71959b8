package alpine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

// BenchmarkParse parses the biggest real secdb file (edge community).
func BenchmarkParse(b *testing.B) {
	path := filepath.Join(testenv.Shared(b, "vulndata", "alpine-secdb", "json"), "edge", "community.json")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	vulndbtest.Bench(b, Parse, data, path, int64(len(data)), 0)
}
