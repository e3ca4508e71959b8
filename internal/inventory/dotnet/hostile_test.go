package dotnet

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/image/imagetest"
	"github.com/vigil-sec/vigil/internal/inventory"
)

// TestHostile puts each hostile file beside a good one: the good file's
// packages are all reported, the hostile one costs at most itself (the
// packages it still yields are listed), with a warning naming its path, and
// nothing hangs.
func TestHostile(t *testing.T) {
	t.Parallel()
	const (
		good = "good/Good.deps.json"
		bad  = "bad/Bad.deps.json"
		lock = "bad/packages.lock.json"
	)
	goodJSON := `{"libraries": {"Good/1.0.0": {"type": "project"}, "Dapper/2.0.123": {"type": "package"}}}`
	deep := strings.Repeat(`{"a":[`, 50_000)
	tests := []struct {
		name, file, content string
		cfg                 func(*Config)
		want                []inventory.Package // from the hostile file
		warn                string
	}{
		{name: "truncated", file: bad, content: goodJSON[:40], warn: "unexpected end of JSON"},
		{name: "empty", file: bad, content: "", warn: "unexpected end of JSON"},
		{name: "not JSON", file: bad, content: "\x00\x01PK\x03\x04", warn: "invalid character"},
		{name: "NUL inside a string", file: bad, content: "{\"libraries\": {\"A\x00/1.0\": {\"type\": \"package\"}}}", warn: "invalid character"},
		{name: "escaped NUL in a name", file: bad, content: `{"libraries": {"A\u0000B/1.0": {"type": "package"}, "B/2.0": {"type": "package"}}}`,
			want: []inventory.Package{nuget("B", "2.0", bad)}, warn: `not "ID/version"`},
		{name: "libraries is an array", file: bad, content: `{"libraries": [1, 2]}`, warn: "cannot unmarshal array"},
		{name: "library is a string", file: bad, content: `{"libraries": {"A/1.0": "package", "B/2.0": {"type": "package"}}}`,
			want: []inventory.Package{nuget("B", "2.0", bad)}, warn: "cannot unmarshal string"},
		{name: "type is a number", file: bad, content: `{"libraries": {"A/1.0": {"type": 7}, "B/2.0": {"type": "package"}}}`,
			want: []inventory.Package{nuget("B", "2.0", bad)}, warn: "cannot unmarshal number"},
		{name: "no version", file: bad, content: `{"libraries": {"A": {"type": "package"}, "B/": {"type": "package"}, "C/x y": {"type": "package"}}}`,
			warn: `library "A"`},
		{name: "null", file: bad, content: `null`},
		{name: "deeply nested", file: bad, content: deep, warn: "nested deeper than 64"},
		{name: "deeply nested in a string is fine", file: bad, content: `{"x": "` + strings.Repeat("[", 100_000) + `", "libraries": {"B/2.0": {"type": "package"}}}`,
			want: []inventory.Package{nuget("B", "2.0", bad)}},
		{name: "huge name", file: bad, content: `{"libraries": {"` + strings.Repeat("A", 1<<20) + `/1.0": {"type": "package"}}}`, warn: `AAAA"...`},
		{name: "too large", file: bad, content: goodJSON + strings.Repeat(" ", 100), cfg: func(c *Config) { c.MaxFileSize = 100 }, warn: "file too large"},
		{name: "too many libraries", file: bad, content: `{"libraries": {"A/1.0": {"type": "package"}, "B/2.0": {"type": "package"}, "C/3.0": {"type": "package"}}}`,
			cfg: func(c *Config) { c.MaxEntries = 2 }, warn: "3 libraries, more than 2"},
		{name: "lock: framework is a string", file: lock, content: `{"version": 1, "dependencies": {"net6.0": "x", "net8.0": {"B": {"type": "Direct", "resolved": "2.0"}}}}`,
			want: []inventory.Package{nuget("B", "2.0", lock)}, warn: `target "net6.0"`},
		{name: "lock: entry wrong type", file: lock, content: `{"version": 1, "dependencies": {"net8.0": {"A": {"resolved": 1}, "B": {"type": "Direct", "resolved": "2.0"}}}}`,
			want: []inventory.Package{nuget("B", "2.0", lock)}, warn: "cannot unmarshal number"},
		{name: "lock: no resolved version", file: lock, content: `{"version": 1, "dependencies": {"net8.0": {"A": {"type": "Transitive"}}}}`,
			warn: "invalid ID or resolved version"},
		{name: "lock: dependencies is an array", file: lock, content: `{"version": 1, "dependencies": []}`, warn: "cannot unmarshal array"},
		{name: "lock: too many entries over frameworks", file: lock,
			content: `{"dependencies": {"a": {"A": {"resolved": "1.0"}, "B": {"resolved": "1.0"}}, "b": {"A": {"resolved": "1.0"}}}}`,
			cfg:     func(c *Config) { c.MaxEntries = 2 }, warn: "more than 2 entries"},
		{name: "many bad entries are counted, not each logged", file: bad,
			content: `{"libraries": {` + strings.Repeat(`"x": {"type": "package"}, `, 1) + manyBad(50) + `}}`, warn: "more malformed entries skipped"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			c, logs := newLogged(t, cfg)
			fsys := imagetest.MapFS(imagetest.Files{good: goodJSON, tc.file: tc.content})
			start := time.Now()
			got, err := c.Catalog(t.Context(), fsys)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			want := append([]inventory.Package{nuget("Dapper", "2.0.123", good)}, tc.want...)
			inventory.SortPackages(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			l := logs.String()
			if tc.warn == "" {
				if l != "" {
					t.Errorf("unexpected warnings: %s", l)
				}
				return
			}
			if !strings.Contains(l, "path="+tc.file) || !strings.Contains(l, tc.warn) {
				t.Errorf("warnings do not name %s and %q:\n%.2000s", tc.file, tc.warn, l)
			}
			if len(l) > 20_000 {
				t.Errorf("%d bytes of warnings", len(l))
			}
		})
	}
}

func manyBad(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"bad` + strings.Repeat("x", i) + `/1.0": {"type": 1}`)
	}
	return b.String()
}
