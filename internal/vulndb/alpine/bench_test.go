package alpine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// BenchmarkParse parses the biggest real secdb file (edge community).
func BenchmarkParse(b *testing.B) {
	path := filepath.Join(testenv.Shared(b, "vulndata", "alpine-secdb", "json"), "edge", "community.json")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := Parse(context.Background(), bytes.NewReader(data), path, func(*vulndb.Advisory) error { n++; return nil }, nil)
		if err != nil || n == 0 {
			b.Fatalf("%d advisories, %v", n, err)
		}
	}
}
