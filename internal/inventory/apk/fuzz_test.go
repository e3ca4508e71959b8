package apk

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory/filelist"
)

func FuzzParseInstalled(f *testing.F) {
	b, err := os.ReadFile("testdata/installed")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("P:a\nV:1\nV:2\n\nP\n \n\x00:x\nP:b\nV:1 2\no:../x\n"))
	f.Add([]byte("P:a\r\nV:1-r0\r\nL:MIT OR (Apache-2.0 AND BSD-3-Clause)\r\n"))
	f.Add([]byte("P:a\nV:1\nR:x\nF:\nR:y\nF:../e\nR:z\nF:u//v\nR:w\nF:ok\nR:..\nR:a/b\nR:f\x00\nR:g\n"))
	cfg := DefaultConfig()
	cfg.MaxLine = 256
	cfg.MaxFiles = 40
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, bad, err := c.parseInstalled(context.Background(), bytes.NewReader(data), installedV2)
		if err != nil {
			t.Fatalf("in-memory parse failed: %v", err)
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; len(pkgs)+len(bad) > lines {
			t.Fatalf("%d packages and %d errors from %d lines", len(pkgs), len(bad), lines)
		}
		files := 0
		for _, p := range pkgs {
			if !validName(p.Name) || p.Version == "" || strings.ContainsAny(p.Version+p.Arch, " \t\n") {
				t.Fatalf("bad package %+v", p)
			}
			if (p.SourceName == "") != (p.SourceVersion == "") || len(p.Licenses) > 1 {
				t.Fatalf("bad package %+v", p)
			}
			for _, f := range p.Files {
				if why := filelist.Problem([]byte(f)); why != "" {
					t.Fatalf("%s: kept %q: %s", p.Name, f, why)
				}
			}
			files += len(p.Files)
		}
		if files > cfg.MaxFiles || files > bytes.Count(data, []byte("R:")) {
			t.Fatalf("%d paths", files)
		}
		for _, e := range bad {
			if !strings.HasPrefix(e.Error(), installedV2+":") {
				t.Fatalf("error does not name the file: %v", e)
			}
		}
	})
}
