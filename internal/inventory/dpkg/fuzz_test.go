package dpkg

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory/filelist"
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

func FuzzParseList(f *testing.F) {
	b, err := os.ReadFile("testdata/multiarch/var/lib/dpkg/info/bash.list")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b, false)
	f.Add([]byte("/.\n/usr\r\n//x\n/a/../b\n/c/\x00\nrel\n\n/d"), false)
	f.Add([]byte("0123456789abcdef0123456789abcdef  usr/x\n0123456789abcdef0123456789abcdef */y\nzz  z\n"), true)
	cfg := DefaultConfig()
	cfg.MaxListLines = 64
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, md5 bool) {
		format := formatList
		if md5 {
			format = formatMD5
		}
		l := filelist.New(50, 1000)
		r := c.parseList(data, format, l)
		got := l.Files()
		if len(got) != r.kept || r.kept+r.dropped > bytes.Count(data, []byte("\n"))+1 || r.kept > 50 {
			t.Fatalf("kept %d (%d paths), dropped %d", r.kept, len(got), r.dropped)
		}
		total := 0
		for _, p := range got {
			if why := filelist.Problem([]byte(p)); why != "" {
				t.Fatalf("kept %q: %s", p, why)
			}
			if !bytes.Contains(data, []byte(p)) {
				t.Fatalf("kept %q, not in the input", p)
			}
			total += len(p)
		}
		if total > 1000 {
			t.Fatalf("budget: %d bytes kept", total)
		}
	})
}
