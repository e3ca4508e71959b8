package vulndb

import (
	"context"
	"time"
)

// Exports for the external tests (the store-choice benchmark writes the
// same rows into SQLite; the kill test removes stale files without waiting).

// Rows runs fill and returns the rows Build would write for it, per bucket,
// in key order.
func Rows(ctx context.Context, fill func(*Writer) error) (map[string][][2][]byte, error) {
	w := newBuildWriter(ctx, time.Now())
	if err := fill(&Writer{impl: w}); err != nil {
		return nil, err
	}
	rows, err := w.rows()
	if err != nil {
		return nil, err
	}
	out := map[string][][2][]byte{}
	for b, kvs := range rows {
		for _, r := range kvs {
			out[b] = append(out[b], [2][]byte{r.k, r.v})
		}
	}
	return out, nil
}

// IndexPrefix is the index key prefix of a pair.
func IndexPrefix(ecosystem, pkg string) []byte { return indexPrefix(nil, ecosystem, pkg) }

// DecodeEntries decodes an index value.
func DecodeEntries(out []Entry, v []byte, prefix, ecosystem, pkg string) ([]Entry, error) {
	return decodeEntries(out, v, prefix, ecosystem, pkg)
}

// RemoveStaleTemps removes stale temporary files older than age.
func RemoveStaleTemps(dir string, age time.Duration) { removeStaleTemps(dir, age) }

// TempPattern is the glob of Build's temporary files.
const TempPattern = tempPattern
