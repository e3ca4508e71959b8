package npm

import (
	"context"
	"errors"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// fuzzParser runs the parser for file over the fuzzer's input with small
// limits and checks the invariants every parser keeps: no panic or hang, and
// every package reported has a valid name and SemVer version, once.
func fuzzParser(f *testing.F, file string, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	cfg := DefaultConfig()
	cfg.MaxLine = 256
	cfg.MaxDepth = 8
	cfg.MaxYAMLNodes = 20_000
	cfg.MaxPackages = 1000
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := parseAs(t, cfg, nil, file, data)
		if err != nil {
			if errors.Is(err, context.Canceled) || err.Error() == "" {
				t.Fatalf("unexpected error: %v", err)
			}
			return // the file is skipped with a warning
		}
		checkPackages(t, pkgs, file)
	})
}

func checkPackages(t *testing.T, pkgs []inventory.Package, file string) {
	t.Helper()
	seen := map[nameVersion]bool{}
	for _, p := range pkgs {
		if !validName(p.Name) || !validSemver(p.Version) || p.Type != inventory.TypeNPM || p.Path != file {
			t.Fatalf("bad package %+v", p)
		}
		k := nameVersion{p.Name, p.Version}
		if seen[k] {
			t.Fatalf("duplicate %s@%s", p.Name, p.Version)
		}
		seen[k] = true
		if len(p.Licenses) > 2*maxLicenses {
			t.Fatalf("%d licences", len(p.Licenses))
		}
	}
}

func fixture(f *testing.F, name string) string {
	return string(readFixture(f, name))
}

func FuzzPackageLock(f *testing.F) {
	fuzzParser(f, "package-lock.json",
		fixture(f, "lock-v1.json"), fixture(f, "lock-v3.json"), fixture(f, "lock-v1-edge.json"), fixture(f, "lock-v3-edge.json"),
		`{"packages":{"node_modules/a":{"version":"npm:b@1.0.0","license":[{"type":"MIT"}]}}}`,
		`{"dependencies":{"a":{"version":"1.0.0","dependencies":{"b":{"version":"1.0.0","dependencies":{"c":{"version":"1.0.0"}}}}}}}`)
}

func FuzzPackageJSON(f *testing.F) {
	fuzzParser(f, "node_modules/@s/a/package.json",
		`{"name":"@s/a","version":"1.0.0","license":"MIT"}`,
		`{"name":"a","version":"v1.0.0-rc.1+b","licenses":[{"type":"MIT"},"ISC"]}`,
		`{"name":"a","version":"1.0.0","license":{"type":"MIT"}}`,
		`{"name":5}`)
}

func FuzzYarnV1(f *testing.F) {
	fuzzParser(f, "yarn.lock",
		fixture(f, "yarn-v1.lock"),
		"a@^1:\n  version \"1.0.0\"\n  version \"1.0.1\"\n\"b@npm:@s/c@^2\", b@^2:\n  version 2.0.0\n  dependencies:\n    x \"1\"\n")
}

func FuzzYarnBerry(f *testing.F) {
	fuzzParser(f, "yarn.lock",
		fixture(f, "yarn-berry.lock"),
		"__metadata:\n  version: 8\n\"a@patch:a@npm%3A1.0.0#x\":\n  version: 1.0.0\n  resolution: \"a@patch:a@npm%3A1.0.0#x::v=1\"\n")
}

func FuzzPnpm(f *testing.F) {
	fuzzParser(f, "pnpm-lock.yaml",
		fixture(f, "pnpm-v5.yaml"), fixture(f, "pnpm-v6.yaml"), fixture(f, "pnpm-v9.yaml"),
		"lockfileVersion: 5.3\npackages:\n  /a/1.0.0_b@1.0.0+c@2.0.0: {}\n---\npackages: {'/@s/x@1.0.0(y@1)': {}}\n")
}
