package debian

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// BenchmarkParseDSAList parses the biggest real list, data/DSA/list (838 KiB).
func BenchmarkParseDSAList(b *testing.B) {
	path := filepath.Join(testenv.Shared(b, "vulndata", "debian-security-tracker", "data"), "DSA", "list")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := ParseDSAList(context.Background(), bytes.NewReader(data), path, func(*vulndb.Advisory) error { n++; return nil }, nil)
		if err != nil || n == 0 {
			b.Fatalf("%d advisories, %v", n, err)
		}
	}
}
