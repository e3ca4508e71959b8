package oval

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// BenchmarkParse parses the biggest real file (CBL-Mariner 2.0, 4.2 MB
// unpacked), gzip as published and unpacked; MB/s counts unpacked bytes.
func BenchmarkParse(b *testing.B) {
	path := testenv.Shared(b, "vulndata", "azurelinux-oval", "cbl-mariner-2.0-oval.xml.gz")
	gz, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	plain := []byte(gunzip(b, path))
	for _, bc := range []struct {
		name string
		data []byte
	}{{"gzip", gz}, {"xml", plain}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				err := Parse(context.Background(), bytes.NewReader(bc.data), path, func(*vulndb.Advisory) error { n++; return nil }, nil)
				if err != nil || n != 2185 {
					b.Fatalf("%d advisories, %v", n, err)
				}
			}
		})
	}
}
