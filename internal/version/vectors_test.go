package version

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/testenv"
)

// TestVectors runs every line of the public comparison vectors in
// ../shared/version-vectors (google/osv-scalibr semantic/testdata) through
// the comparator of its ecosystem, in both directions.
func TestVectors(t *testing.T) {
	t.Parallel()
	dir := testenv.Shared(t, "version-vectors")
	for _, tc := range []struct {
		eco   string
		files []string
	}{
		{"deb", []string{"debian-versions.txt", "debian-versions-generated.txt"}},
		{"rpm", []string{"redhat-versions.txt"}},
		{"apk", []string{"alpine-versions.txt", "alpine-versions-generated.txt"}},
		{"pypi", []string{"pypi-versions.txt", "pypi-versions-generated.txt"}},
		{"maven", []string{"maven-versions.txt", "maven-versions-generated.txt"}},
		{"semver", []string{"semver-versions.txt"}},
		{"nuget", []string{"nuget-versions.txt"}},
		{"gem", []string{"rubygems-versions.txt", "rubygems-versions-generated.txt"}},
		{"composer", []string{"packagist-versions.txt", "packagist-versions-generated.txt"}},
	} {
		for _, name := range tc.files {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c, ok := For(tc.eco)
				if !ok {
					t.Fatalf("For(%q) = false", tc.eco)
				}
				passed := 0
				for _, v := range readVectors(t, filepath.Join(dir, name)) {
					got, err := c.Compare(v.a, v.b)
					if err != nil {
						t.Errorf("%s:%d: %s: %v", name, v.line, v.text, err)
						continue
					}
					back, err := c.Compare(v.b, v.a)
					if err != nil {
						t.Errorf("%s:%d: %s (reversed): %v", name, v.line, v.text, err)
						continue
					}
					if got != v.want || back != -v.want {
						t.Errorf("%s:%d: %s: Compare = %d, reversed %d", name, v.line, v.text, got, back)
						continue
					}
					passed++
				}
				if passed == 0 {
					t.Fatalf("%s: no vectors", name)
				}
				t.Logf("%s: %d vectors passed", name, passed)
			})
		}
	}
}

type vector struct {
	a, b string
	want int
	line int
	text string
}

// readVectors reads "A < B", "A = B", "A > B" lines, skipping blanks and
// '#' and '//' comments (the README names '#'; the semver, maven and
// packagist files also use '//').
func readVectors(t *testing.T, path string) []vector {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open vectors: %v", err)
	}
	defer f.Close()
	var out []vector
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, "//") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 3 {
			t.Fatalf("%s:%d: want \"A op B\", got %q", path, n, text)
		}
		want, ok := map[string]int{"<": -1, "=": 0, ">": 1}[fields[1]]
		if !ok {
			t.Fatalf("%s:%d: unknown operator %q", path, n, fields[1])
		}
		out = append(out, vector{a: fields[0], b: fields[2], want: want, line: n, text: text})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	return out
}
