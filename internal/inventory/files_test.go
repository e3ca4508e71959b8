package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// TestCatalogFiles: each file is read whole and parsed on its own; a file
// that is too large or rejected by its parser is logged and skipped, the
// others kept; malformed entries are logged up to MaxWarnings, then counted.
func TestCatalogFiles(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"a/x.lock":   file("a 1"),
		"b/x.lock":   file("reject"),
		"c/x.lock":   file(strings.Repeat("big ", 100)),
		"d/x.lock":   file("bad"),
		"e/other.md": file("b 2"),
	}
	rec := &testenv.LogRecorder{}
	parse := func(b []byte, path string) ([]inventory.Package, []error, error) {
		switch s := string(b); s {
		case "reject":
			return nil, nil, errors.New("not a lock file")
		case "bad":
			var bad []error
			for i := range 12 {
				bad = append(bad, fmt.Errorf("entry %d", i))
			}
			return nil, bad, nil
		default:
			name, version, _ := strings.Cut(s, " ")
			return []inventory.Package{{Type: "npm", Name: name, Version: version, Path: path}}, nil, nil
		}
	}
	got, err := inventory.CatalogFiles(context.Background(), fsys, inventory.FilesOptions{
		Name: "test", Globs: []string{"**/x.lock"}, MaxFiles: 10, MaxFileSize: 64,
		Parser: func(string) inventory.ParseFunc { return parse }, Log: rec.Logger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "a" {
		t.Errorf("packages %+v", got)
	}
	log := rec.String()
	for _, want := range []string{"not a lock file", "file too large", "entry 9", "more malformed entries skipped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "entry 10") {
		t.Errorf("more than MaxWarnings entries logged one by one:\n%s", log)
	}
}
