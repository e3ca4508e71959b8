package version

import (
	"fmt"
	"testing"
)

// TestCachedAgrees: the cached comparator orders every pair as the plain
// one does, errors included, across a memo reset.
func TestCachedAgrees(t *testing.T) {
	t.Parallel()
	vs := map[string][]string{
		"pypi":     {"1.0", "1.0.post1", "1.0rc1", "2!1.0", "1.0+local", "not a version", "1.0.dev0", "0.9"},
		"maven":    {"1.0", "1.0-SNAPSHOT", "1.0.RELEASE", "1.0-alpha-1", "2.12.6.1", "2.13.4"},
		"npm":      {"1.2.3", "1.2.3-beta.1", "1.2.10", "v1.2.3", "0.0.0"},
		"deb":      {"1:1.0-1", "1.0-1", "1.0~rc1-1"},
		"gem":      {"1.0", "1.0.a", "1.0.0.1"},
		"composer": {"1.0", "1.0-dev", "v1.0.1"},
	}
	for typ, list := range vs {
		plain, ok := For(typ)
		if !ok {
			t.Fatalf("For(%q)", typ)
		}
		cached := Cached(plain)
		for round := range 2 {
			for _, a := range list {
				for _, b := range list {
					want, werr := plain.Compare(a, b)
					got, gerr := cached.Compare(a, b)
					if want != got || (werr == nil) != (gerr == nil) {
						t.Errorf("%s round %d: Compare(%q, %q) = %d, %v; plain %d, %v", typ, round, a, b, got, gerr, want, werr)
					}
				}
			}
			if c, ok := cached.(*cachedLang); ok {
				clear(c.memo) // the second round starts from an empty memo
			}
		}
	}
}

func BenchmarkCachedPyPI(b *testing.B) {
	events := make([]string, 50)
	for i := range events {
		events[i] = fmt.Sprintf("1.%d.%d", i/10, i%10)
	}
	for _, tc := range []struct {
		name string
		c    Comparator
	}{{"plain", Lang{Ecosystem: "PyPI"}}, {"cached", Cached(Lang{Ecosystem: "PyPI"})}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, e := range events {
					if _, err := tc.c.Compare(e, "1.2.5"); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
