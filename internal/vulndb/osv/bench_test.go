package osv

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// BenchmarkParseGoVulnDB parses every record of the Go vulnerability
// database snapshot (held in memory) per iteration.
func BenchmarkParseGoVulnDB(b *testing.B) {
	path := testenv.Shared(b, "vulndata", "golang-vulndb", "golang-vulndb-osv.tar.gz")
	var recs [][]byte
	var size int64
	tarRecords(b, path, "data/osv/", func(_ string, r io.Reader) {
		data, err := io.ReadAll(r)
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, data)
		size += int64(len(data))
	})
	ctx := context.Background()
	emit := func(*vulndb.Advisory) error { return nil }
	problem := func(p *vulndb.Problem) { b.Fatal(p) }
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, data := range recs {
			if err := Parse(ctx, bytes.NewReader(data), "f", emit, problem); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkImportTarGzGoVulnDB reads the whole Go vulnerability database
// snapshot (gunzip, untar, parse) per iteration.
func BenchmarkImportTarGzGoVulnDB(b *testing.B) {
	benchTar(b, "golang-vulndb", "golang-vulndb-osv.tar.gz")
}

// BenchmarkImportTarGzPyPA is the same for the PyPA database, in YAML.
func BenchmarkImportTarGzPyPA(b *testing.B) {
	benchTar(b, "pypa-advisory-database", "pypa-advisory-database-vulns.tar.gz")
}

func benchTar(b *testing.B, dir, file string) {
	data, err := os.ReadFile(testenv.Shared(b, "vulndata", dir, file))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	n := 0
	emit := func(*vulndb.Advisory) error { n++; return nil }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := ImportTarGz(ctx, bytes.NewReader(data), file, emit, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
