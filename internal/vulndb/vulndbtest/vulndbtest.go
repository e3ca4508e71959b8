// Package vulndbtest runs importers in tests: it collects what one parse
// emitted and reported, and checks what every vulndb.ParseFunc must do
// (stop on an emit error, a cancelled ctx or a failing reader; keep what
// came before a size cap; hold its invariants under fuzzing), so each
// importer's tests read alike.
package vulndbtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

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

// EmitError checks that parse, over in, stops at the first advisory that
// emit refuses and returns emit's error.
func EmitError(t testing.TB, parse vulndb.ParseFunc, in string) {
	t.Helper()
	boom := errors.New("emit refused")
	n := 0
	err := parse(context.Background(), strings.NewReader(in), "x", func(*vulndb.Advisory) error { n++; return boom }, nil)
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("emit error: got %v after %d emits, want it after 1", err, n)
	}
}

// Cancelled checks that parse, over in with a cancelled ctx, emits nothing
// and returns context.Canceled.
func Cancelled(t testing.TB, parse vulndb.ParseFunc, in string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := parse(ctx, strings.NewReader(in), "x", func(*vulndb.Advisory) error { t.Error("emitted after cancel"); return nil }, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

// ReadError checks that parse returns the error of a reader that fails
// after the bytes of in: a failing disk is an error, not a Problem.
func ReadError(t testing.TB, parse vulndb.ParseFunc, in string) {
	t.Helper()
	fire := errors.New("disk on fire")
	err := parse(context.Background(), io.MultiReader(strings.NewReader(in), iotest.ErrReader(fire)), "x",
		func(*vulndb.Advisory) error { return nil }, nil)
	if !errors.Is(err, fire) {
		t.Errorf("read error: got %v", err)
	}
}

// SizeCap checks a parse whose size cap r goes over: no error, the want
// advisories before the cap kept, and the cap as the one Problem.
func SizeCap(t testing.TB, parse vulndb.ParseFunc, r io.Reader, want int) {
	t.Helper()
	res := Parse(t, parse, r, "x")
	if res.Err != nil || len(res.Advisories) != want || len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "larger than") {
		t.Errorf("size cap: err %v, %d advisories (want %d), problems %q", res.Err, len(res.Advisories), want, res.Problems)
	}
}

// Fuzz runs parse over data in memory, as a fuzz target does, and checks
// what holds for every importer whatever the input: no error (the reader
// cannot fail, ctx does not end, emit does not fail), every Problem names
// file and says why. check is called for each advisory emitted. Fuzz
// returns the number of advisories and Problems.
func Fuzz(t testing.TB, parse vulndb.ParseFunc, data []byte, file string, check func(*vulndb.Advisory)) (advisories, problems int) {
	t.Helper()
	err := parse(context.Background(), bytes.NewReader(data), file, func(a *vulndb.Advisory) error {
		advisories++
		check(a)
		return nil
	}, func(p *vulndb.Problem) {
		problems++
		if p.File != file || p.Err == nil {
			t.Fatalf("bad problem %+v", p)
		}
	})
	if err != nil {
		t.Fatalf("in-memory parse failed: %v", err)
	}
	return advisories, problems
}

// Bench runs parse over data in b's loop, counting size bytes per parse
// for MB/s, and fails unless every parse succeeds and emits want
// advisories (any number but none, when want is 0).
func Bench(b *testing.B, parse vulndb.ParseFunc, data []byte, file string, size int64, want int) {
	b.Helper()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := parse(context.Background(), bytes.NewReader(data), file, func(*vulndb.Advisory) error { n++; return nil }, nil)
		if err != nil || n == 0 || want != 0 && n != want {
			b.Fatalf("%d advisories, %v", n, err)
		}
	}
}
