package dpkg

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

func FuzzParseStatus(f *testing.F) {
	for _, p := range []string{"testdata/multiarch/var/lib/dpkg/status", "testdata/distroless/var/lib/dpkg/status.d/openssl", "testdata/distroless/var/lib/dpkg/status.d/libc6"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Package: a\nVersion: 1:2-3\nSource: b (4)\n\n \n\x00"))
	f.Add([]byte(" continuation\n#comment\nPackage: a\nVersion: 1\nVersion: 2\n"))
	f.Add([]byte("Package: a\nStatus: install ok config-files\nVersion: 0:1:2\n"))
	cfg := DefaultConfig()
	cfg.MaxLine = 256 // small, so the fuzzer reaches the truncation paths
	cfg.MaxValue = 512
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, bad, err := c.parseStatus(context.Background(), bytes.NewReader(data), statusFile)
		if err != nil {
			t.Fatalf("in-memory parse failed: %v", err)
		}
		stanzas := bytes.Count(data, []byte("\n")) + 1
		if len(pkgs)+len(bad) > stanzas {
			t.Fatalf("%d packages and %d errors from %d lines", len(pkgs), len(bad), stanzas)
		}
		for _, p := range pkgs {
			if !validName(p.Name) || p.Version == "" || p.SourceName == "" || p.SourceVersion == "" {
				t.Fatalf("incomplete package %+v", p)
			}
			if strings.ContainsAny(p.Version+p.Arch+p.SourceVersion, " \t\n") {
				t.Fatalf("blank inside a field: %+v", p)
			}
			if len(p.Version) > cfg.MaxLine {
				t.Fatalf("version longer than a line: %d", len(p.Version))
			}
		}
		for _, e := range bad {
			if !strings.HasPrefix(e.Error(), statusFile+":") {
				t.Fatalf("error does not name the file: %v", e)
			}
		}
	})
}

func FuzzCopyright(f *testing.F) {
	b, err := os.ReadFile("testdata/multiarch/usr/share/doc/bash/copyright")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("Format: dep5\nLicense: a\n\nLicense: a\nLicense: \n"))
	f.Add([]byte("free text\n\nLicense: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := parseCopyright(bytes.NewReader(data), 256)
		seen := map[string]bool{}
		for _, l := range got {
			if l == "" || strings.ContainsAny(l, "\n") || l != strings.TrimSpace(l) && strings.Trim(l, " \t") != l {
				t.Fatalf("bad licence %q", l)
			}
			if seen[l] {
				t.Fatalf("duplicate %q", l)
			}
			seen[l] = true
		}
		if len(got) > 0 && !bytes.Contains(bytes.ToLower(data), []byte("format")) {
			t.Fatalf("licences %q without a Format field", got)
		}
	})
}
