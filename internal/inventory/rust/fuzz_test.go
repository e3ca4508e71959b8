package rust

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func checkPackages(t *testing.T, pkgs []inventory.Package, p string, limit int) {
	t.Helper()
	if len(pkgs) > limit {
		t.Fatalf("%d packages past the cap %d", len(pkgs), limit)
	}
	seen := map[[2]string]bool{}
	for _, pkg := range pkgs {
		k := [2]string{pkg.Name, pkg.Version}
		if !validName(pkg.Name) || !validVersion(pkg.Version) || pkg.Type != inventory.TypeCargo || pkg.Path != p || seen[k] {
			t.Fatalf("bad package %+v", pkg)
		}
		seen[k] = true
	}
}

func FuzzParseLock(f *testing.F) {
	fixtures, err := filepath.Glob("testdata/*.Cargo.lock")
	if err != nil || len(fixtures) == 0 {
		f.Fatal(fixtures, err)
	}
	for _, fx := range fixtures {
		b, err := os.ReadFile(fx)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("version = 4\n[[package]]\nname = 5\nversion = [1]\n[[package]]\nname = \"a\"\nversion = \"1\"\n"))
	f.Add([]byte("x = [[[[{a=[\"]\"]}]]]]\ny = '''[[['''\n# [[[\n"))
	f.Add([]byte("package = 3\n"))
	cfg := DefaultConfig()
	cfg.MaxPackages = 1000
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, bad, err := c.parseLock(data, "Cargo.lock")
		if err != nil {
			if pkgs != nil || bad != nil {
				t.Fatal("results with an error")
			}
			return
		}
		checkPackages(t, pkgs, "Cargo.lock", cfg.MaxPackages)
		if n := bytes.Count(data, []byte("[")); len(pkgs) > n {
			t.Fatalf("%d packages from %d brackets", len(pkgs), n)
		}
	})
}

// FuzzDecodeAudit decodes arbitrary audit data; compress says whether the
// input is zlib-compressed first (reaching the JSON decoder) or given raw
// (reaching the zlib decoder).
func FuzzDecodeAudit(f *testing.F) {
	f.Add(auditJSON(auditPackages...), true)
	f.Add(zlibBytes(auditJSON(auditPackages...)), false)
	f.Add([]byte(`{"packages":[{"name":5},{"name":"a","version":"1","source":"git","kind":"build","dependencies":[9,-1],"root":"x"}]}`), true)
	f.Add([]byte(`{"packages":null,"format":2}`), true)
	f.Add([]byte(strings.Repeat("[", 100)), true)
	cfg := DefaultConfig()
	cfg.MaxPackages = 1000
	cfg.MaxAuditData = 1 << 20
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, compress bool) {
		if compress {
			data = zlibBytes(data)
		}
		pkgs, _, err := c.decodeAudit(data, "bin/x")
		if err != nil {
			if pkgs != nil {
				t.Fatal("packages with an error")
			}
			return
		}
		checkPackages(t, pkgs, "bin/x", cfg.MaxPackages)
	})
}

// FuzzReadBinary feeds arbitrary bytes to the executable readers (ELF, PE,
// Mach-O section lookup) and everything after them.
func FuzzReadBinary(f *testing.F) {
	z := zlibBytes(auditJSON(auditPackages...))
	f.Add(auditELF(auditPackages...))
	f.Add(machoWithSection("__DATA", Marker, z))
	f.Add(sectionPastEOF())
	f.Add(append([]byte("MZ\x90\x00"), z...))
	f.Add([]byte("\xca\xfe\xba\xbe\x00\x00\x00\x01"))
	cfg := DefaultConfig()
	cfg.MaxPackages = 1000
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _, err := c.readBinary(bytes.NewReader(data), "bin/x")
		if err != nil {
			if pkgs != nil {
				t.Fatal("packages with an error")
			}
			return
		}
		checkPackages(t, pkgs, "bin/x", cfg.MaxPackages)
	})
}
