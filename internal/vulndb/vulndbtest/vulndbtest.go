// Package vulndbtest runs importers in tests: it collects what one parse
// emitted and reported, so each importer's tests read alike.
package vulndbtest

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Result is everything one parse produced.
type Result struct {
	Advisories []*vulndb.Advisory
	// Problems are the reported problems' messages, in order.
	Problems []string
	Err      error
}

// Parse runs parse over r and collects its output.
func Parse(t testing.TB, parse vulndb.ParseFunc, r io.Reader, file string) Result {
	t.Helper()
	var res Result
	res.Err = parse(context.Background(), r, file,
		func(a *vulndb.Advisory) error { res.Advisories = append(res.Advisories, a); return nil },
		func(p *vulndb.Problem) { res.Problems = append(res.Problems, p.Error()) })
	return res
}

// ParseFile runs parse over the file at path.
func ParseFile(t testing.TB, parse vulndb.ParseFunc, path string) Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Parse(t, parse, f, path)
}
