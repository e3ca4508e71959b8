package image

import (
	"path"
	"strings"
	"testing"
)

// refMatch is the definition of a keep pattern (inventory.MatchGlob):
// path.Match on the whole path, a leading "**/" also matching any number
// of leading directories.
func refMatch(pattern, name string) bool {
	if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
		for {
			if ok, _ := path.Match(rest, name); ok {
				return true
			}
			i := strings.IndexByte(name, '/')
			if i < 0 {
				return false
			}
			name = name[i+1:]
		}
	}
	ok, _ := path.Match(pattern, name)
	return ok
}

// TestMatcherKeep: the matcher's shortcuts (literal tail, component count)
// answer as the definition does.
func TestMatcherKeep(t *testing.T) {
	t.Parallel()
	patterns := append([]string{"**/x", "**/a/*", "**/*", "*", "a/**/b", "**/[a/]b", `**/a\/b`, `**/a\*`, "**/a[", "**/",
		"**/?/x", "usr/share/doc/*/copyright", "**/node_modules/@*/*/package.json"}, benchDirKeep...)
	names := []string{"x", "a/x", "a/b/x", "xx", "a/xx", "a/b", "b/a/b", "a", "a/b/c", "a*", "b/a*", "a/", "/x", "a//x",
		"b", "a/]b", "[a/]b", "z/x/x", "usr/share/doc/a/copyright", "usr/share/doc/a/b/copyright",
		"srv/node_modules/@s/p/package.json", "srv/node_modules/p/package.json", "a/node_modules/x/package.json",
		"lib/app.jar", "app.jar", "x.jar/y", "p.dist-info/METADATA", "a/p.dist-info/METADATA", "p.egg-info",
		"a/requirements-dev.txt", "a/requirements/base.txt", "var/lib/dpkg/status", "var/lib/dpkg/status.d/x",
		"a/specifications/default/x.gemspec", "a/Cargo.lock", "Cargo.lock/x"}
	for _, p := range patterns {
		m := newMatcher([]string{p})
		for _, n := range names {
			if got, want := m.keep(n), refMatch(p, n); got != want {
				t.Errorf("keep(%q) with %q = %v, want %v", n, p, got, want)
			}
		}
	}
}

func FuzzMatcherKeep(f *testing.F) {
	for _, s := range [][2]string{{"**/x", "a/x"}, {"**/a/*", "b/a/c"}, {"**/[a/]b", "a/b"}, {`**/a\/b`, "a/b"},
		{"usr/share/doc/*/copyright", "usr/share/doc/a/copyright"}, {"**/node_modules/@*/*/package.json", "n/node_modules/@a/b/package.json"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if got, want := newMatcher([]string{pattern}).keep(name), refMatch(pattern, name); got != want {
			t.Errorf("keep(%q) with %q = %v, want %v", name, pattern, got, want)
		}
	})
}
