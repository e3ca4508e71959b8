package pkgname

import (
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ eco, in, want string }{
		{"PyPI", "requests", "requests"},
		{"PyPI", "PyYAML", "pyyaml"},
		{"PyPI", "typing_extensions", "typing-extensions"},
		{"PyPI", "zope.interface", "zope-interface"},
		{"PyPI", "Foo__-.Bar", "foo-bar"},
		{"PyPI", "a-b", "a-b"},
		{"PyPI", "a--b", "a-b"},
		{"PyPI", "", ""},
		{"NuGet", "Newtonsoft.Json", "newtonsoft.json"},
		{"Packagist", "Symfony/HTTP-Kernel", "symfony/http-kernel"},
		{"crates.io", "Inflector", "inflector"},
		{"npm", "@Babel/Core", "@Babel/Core"},
		{"Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"},
		{"Maven", "org.Apache:x", "org.Apache:x"},
		{"RubyGems", "Rack", "Rack"},
		{"Debian:11", "Python3-Foo", "Python3-Foo"},
	} {
		if got := Normalize(tc.eco, tc.in); got != tc.want {
			t.Errorf("Normalize(%q, %q) = %q, want %q", tc.eco, tc.in, got, tc.want)
		}
	}
}

func TestNormalizeIdempotent(t *testing.T) {
	t.Parallel()
	for _, eco := range []string{"PyPI", "NuGet", "npm"} {
		for _, s := range []string{"A._-b", "x", "--", "Zz.Y"} {
			once := Normalize(eco, s)
			if twice := Normalize(eco, once); twice != once {
				t.Errorf("Normalize(%q) not idempotent on %q: %q then %q", eco, s, once, twice)
			}
		}
	}
}

func TestEcosystem(t *testing.T) {
	t.Parallel()
	for typ, want := range map[string]string{"pypi": "PyPI", "golang": "Go", "maven": "Maven", "gem": "RubyGems", "cargo": "crates.io", "composer": "Packagist", "nuget": "NuGet", "npm": "npm"} {
		if got, ok := Ecosystem(typ); !ok || got != want {
			t.Errorf("Ecosystem(%q) = %q, %v; want %q", typ, got, ok, want)
		}
	}
	if _, ok := Ecosystem("deb"); ok {
		t.Error("Ecosystem(deb) reported a language ecosystem")
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"PyYAML", "a..b", "Zope.Interface", "\xff_A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, eco := range []string{"PyPI", "NuGet"} {
			once := Normalize(eco, s)
			if Normalize(eco, once) != once {
				t.Fatalf("%s: not idempotent on %q", eco, s)
			}
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Normalize("PyPI", "requests")
		Normalize("PyPI", "PyYAML")
		Normalize("NuGet", "newtonsoft.json")
	}
}
