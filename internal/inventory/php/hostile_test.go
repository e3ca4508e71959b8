package php

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
		good = "good/composer.lock"
		bad  = "bad/composer.lock"
		inst = "bad/vendor/composer/installed.json"
	)
	goodJSON := `{"packages": [{"name": "psr/log", "version": "1.1.4", "license": ["MIT"]}]}`
	b := func(name string) string { return `{"name": "` + name + `", "version": "2.0"}` }
	deep := strings.Repeat(`{"a":[`, 50_000)
	tests := []struct {
		name, file, content string
		cfg                 func(*Config)
		want                []inventory.Package // from the hostile file
		warn                string
	}{
		{name: "truncated", file: bad, content: goodJSON[:40], warn: "unexpected end of JSON"},
		{name: "empty", file: bad, content: "", warn: "unexpected end of JSON"},
		{name: "binary", file: bad, content: "\x00\x01PK\x03\x04", warn: "invalid character"},
		{name: "raw NUL in a string", file: bad, content: "{\"packages\": [{\"name\": \"a/\x00\"}]}", warn: "invalid character"},
		{name: "escaped NUL in a name", file: bad, content: `{"packages": [{"name": "a/b\u0000", "version": "1.0"}, ` + b("b/b") + `]}`,
			want: []inventory.Package{composer("b/b", "2.0", bad)}, warn: `packages[0]: invalid name "a/b\x00"`},
		{name: "packages is an object", file: bad, content: `{"packages": {"a/b": "1.0"}}`, warn: "cannot unmarshal object"},
		{name: "package is a string", file: bad, content: `{"packages": ["a/b", ` + b("b/b") + `]}`,
			want: []inventory.Package{composer("b/b", "2.0", bad)}, warn: "cannot unmarshal string"},
		{name: "version is a number", file: bad, content: `{"packages-dev": [{"name": "a/a", "version": 1.0}, ` + b("b/b") + `]}`,
			want: []inventory.Package{composer("b/b", "2.0", bad)}, warn: "packages-dev[0]: json: cannot unmarshal number"},
		{name: "license of the wrong type keeps the package", file: bad, content: `{"packages": [{"name": "a/a", "version": "1.0", "license": {"x": 1}}]}`,
			want: []inventory.Package{composer("a/a", "1.0", bad)}, warn: "package a/a: license"},
		{name: "license with a control character", file: bad, content: `{"packages": [{"name": "a/a", "version": "1.0", "license": ["MIT\u0007"]}]}`,
			want: []inventory.Package{composer("a/a", "1.0", bad)}, warn: "invalid licence"},
		{name: "bad names and versions", file: bad,
			content: `{"packages": [{"name": "noslash", "version": "1.0"}, {"name": "a/b/c", "version": "1.0"}, {"name": "a/..", "version": "1.0"},` +
				` {"name": "a/b", "version": "latest"}, {"name": "a/c"}, {"name": "a/d", "version": "1.0 || 2.0"}]}`,
			warn: `package a/d: invalid version "1.0 || 2.0"`},
		{name: "many bad entries are counted, not each logged", file: bad,
			content: `{"packages": [` + strings.Repeat(`{"name": 1}, `, 30) + b("b/b") + `]}`,
			want:    []inventory.Package{composer("b/b", "2.0", bad)}, warn: "count=20"},
		{name: "null", file: bad, content: `null`},
		{name: "installed.json is a number", file: inst, content: `42`, warn: "cannot unmarshal number"},
		{name: "installed.json truncated array", file: inst, content: `[` + b("b/b") + `,`, warn: "unexpected end of JSON"},
		{name: "deeply nested", file: bad, content: deep, warn: "nested deeper than 64"},
		{name: "deeply nested installed.json", file: inst, content: strings.Repeat("[", 1_000_000), warn: "nested deeper than 64"},
		{name: "brackets in a string are fine", file: bad, content: `{"x": "` + strings.Repeat("[", 100_000) + `\"{", "packages": [` + b("b/b") + `]}`,
			want: []inventory.Package{composer("b/b", "2.0", bad)}},
		{name: "huge name", file: bad, content: `{"packages": [{"name": "a/` + strings.Repeat("A", 1<<20) + `", "version": "1.0"}]}`, warn: `AAAA"...`},
		{name: "too large", file: bad, content: goodJSON + strings.Repeat(" ", 100), cfg: func(c *Config) { c.MaxFileSize = 100 }, warn: "file too large"},
		{name: "too many packages over both lists", file: bad, content: `{"packages": [` + b("a/a") + `, ` + b("b/b") + `], "packages-dev": [` + b("c/c") + `]}`,
			cfg: func(c *Config) { c.MaxEntries = 2 }, warn: "more than 2 packages"},
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
			want := sorted(append([]inventory.Package{composer("psr/log", "1.1.4", good, "MIT")}, tc.want...))
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
