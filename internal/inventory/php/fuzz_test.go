package php

import (
	"os"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func fuzzSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkFuzzed holds for every parse: valid names and release versions, no
// "v" prefix, the file named, sorted, no repeats.
func checkFuzzed(t *testing.T, pkgs []inventory.Package, file string) {
	for i, p := range pkgs {
		if !validName(p.Name) || !validVersion(p.Version) || devVersion(p.Version) || p.Path != file || p.Type != inventory.TypeComposer {
			t.Fatalf("bad package %+v", p)
		}
		for _, l := range p.Licenses {
			if l == "" || len(l) > maxLicense || strings.TrimSpace(l) != l {
				t.Fatalf("bad licence %q", l)
			}
		}
		if i > 0 && inventory.ComparePackages(&pkgs[i-1], &p) >= 0 {
			t.Fatalf("not sorted or repeated: %+v, %+v", pkgs[i-1], p)
		}
	}
}

func fuzzer(f *testing.F) *Cataloger {
	cfg := DefaultConfig()
	cfg.MaxDepth = 16
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	return c
}

func FuzzParseLock(f *testing.F) {
	fuzzSeeds(f, "app/composer.lock")
	f.Add([]byte(`{"packages": [{"name": "a/b", "version": "v1", "license": "MIT"}, {"name": "a/b", "version": "1"}], "packages-dev": [1, null, {"name": "c/d", "version": "dev-x"}]}`))
	c := fuzzer(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _, err := c.parseLock(data, "composer.lock")
		if err != nil && len(pkgs) > 0 {
			t.Fatal("packages with an error")
		}
		checkFuzzed(t, pkgs, "composer.lock")
	})
}

func FuzzParseInstalled(f *testing.F) {
	fuzzSeeds(f, "composer1/installed.json", "composer2/installed.json")
	f.Add([]byte(` [{"name": "a/b", "version": "V2.0-beta+x", "license": ["  ", "MIT"]}, [], "x"]`))
	c := fuzzer(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _, err := c.parseInstalled(data, "vendor/composer/installed.json")
		if err != nil && len(pkgs) > 0 {
			t.Fatal("packages with an error")
		}
		checkFuzzed(t, pkgs, "vendor/composer/installed.json")
	})
}
