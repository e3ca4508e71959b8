package dotnet

import (
	"os"
	"slices"
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

// checkFuzzed holds for every parse: valid IDs and versions, the file
// named, sorted, no repeats.
func checkFuzzed(t *testing.T, pkgs []inventory.Package, file string) {
	for i, p := range pkgs {
		if !validID(p.Name) || !validVersion(p.Version) || p.Path != file || p.Type != inventory.TypeNuGet {
			t.Fatalf("bad package %+v", p)
		}
		if i > 0 && inventory.ComparePackages(&pkgs[i-1], &p) >= 0 {
			t.Fatalf("not sorted or repeated: %+v, %+v", pkgs[i-1], p)
		}
	}
}

func FuzzParseDeps(f *testing.F) {
	fuzzSeeds(f, "webapp/WebApp.deps.json", "selfcontained/Worker.deps.json")
	f.Add([]byte(`{"libraries": {"A/1": {"type": "package"}, "runtimepack./2": {"type": "runtimepack"}, "B": 3}}`))
	f.Add([]byte(`{"libraries": {"A\u0000/1": {"type": "package"}}, "x": [[[[[[[[[]]]]]]]]]}`))
	cfg := DefaultConfig()
	cfg.MaxDepth = 16
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _, err := c.parseDeps(data, "a.deps.json")
		if err != nil && len(pkgs) > 0 {
			t.Fatal("packages with an error")
		}
		checkFuzzed(t, pkgs, "a.deps.json")
	})
}

func FuzzParseLock(f *testing.F) {
	fuzzSeeds(f, "src/packages.lock.json", "central/packages.lock.json")
	f.Add([]byte(`{"version": 3, "dependencies": {"net8.0": {"A": {"type": "Project", "resolved": "1"}, "B": {"resolved": "1.0-x+y"}}, "n": 1}}`))
	cfg := DefaultConfig()
	cfg.MaxDepth = 16
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _, err := c.parseLock(data, "packages.lock.json")
		if err != nil && len(pkgs) > 0 {
			t.Fatal("packages with an error")
		}
		checkFuzzed(t, pkgs, "packages.lock.json")
		if slices.ContainsFunc(pkgs, func(p inventory.Package) bool { return p.Version == "" }) {
			t.Fatal("empty version")
		}
	})
}
