package oval

import (
	"os"
	"testing"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
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
			vulndbtest.Bench(b, Parse, bc.data, path, int64(len(plain)), 2185)
		})
	}
}
