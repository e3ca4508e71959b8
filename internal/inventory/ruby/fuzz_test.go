package ruby

import (
	"bytes"
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

func fuzzer(f *testing.F) *Cataloger {
	cfg := DefaultConfig()
	cfg.MaxLine = 256
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	return c
}

func checkGem(t *testing.T, p inventory.Package, file string) {
	if !validName(p.Name) || !validVersion(p.Version) || p.Path != file || p.Type != inventory.TypeGem {
		t.Fatalf("bad gem %+v", p)
	}
	for _, l := range p.Licenses {
		if strings.TrimSpace(l) == "" || len(l) > maxLicense {
			t.Fatalf("bad licence %q", l)
		}
	}
}

func FuzzParseGemspec(f *testing.F) {
	fuzzSeeds(f, "specifications/rake-13.0.6.gemspec", "specifications/default/json-2.6.1.gemspec", "specifications/mygem-0.1.0.gemspec")
	f.Add([]byte("# stub: a 1 ruby\ns.version = Gem::Version.new('2'\ns.licenses = %w<A B>.freeze\nx.license = [\"a\\\"\", 'b',]"))
	c := fuzzer(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, bad, err := c.parseGemspec(bytes.NewReader(data), "x.gemspec")
		if err != nil {
			if len(bad) > 0 {
				t.Fatal("field errors with a file error")
			}
			return
		}
		checkGem(t, p, "x.gemspec")
	})
}

func FuzzParseLock(f *testing.F) {
	fuzzSeeds(f, "app/Gemfile.lock")
	f.Add([]byte("GIT\r\n  specs:\r\n    a (1-b-c)\r\n\t  specs:\n    (1)\n    b ((2))\nPATH\n  specs:\n     c (3)\n    d (4) \n"))
	c := fuzzer(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, bad, err := c.parseLock(bytes.NewReader(data), "Gemfile.lock")
		if err != nil {
			t.Fatalf("in-memory parse failed: %v", err)
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; len(pkgs)+len(bad) > lines {
			t.Fatalf("%d gems and %d errors from %d lines", len(pkgs), len(bad), lines)
		}
		for i, p := range pkgs {
			checkGem(t, p, "Gemfile.lock")
			if strings.Contains(p.Version, "-") {
				t.Fatalf("platform left in %+v", p)
			}
			if i > 0 && inventory.ComparePackages(&pkgs[i-1], &p) >= 0 {
				t.Fatalf("not sorted or repeated: %+v, %+v", pkgs[i-1], p)
			}
		}
	})
}
