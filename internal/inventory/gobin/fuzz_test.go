package gobin

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// FuzzReadBinary feeds arbitrary bytes to the path Catalog takes for one
// executable: the magic check, debug/buildinfo.Read on an io.ReaderAt
// bounded to the data, and the conversion to packages. Panics are not
// recovered anywhere, so any would fail here.
func FuzzReadBinary(f *testing.F) {
	f.Add(fakeGoBinary("go1.22.3", "path\tx\nmod\tx\tv1.0.0\th1:a=\ndep\tgolang.org/x/net\tv0.17.0\t\n=>\tgithub.com/f/net\tv0.18.0\t\n"))
	f.Add(fakeGoBinary("devel go1.23-abc", "path\tx\nmod\tx\t(devel)\t\ndep\ta\tv1\t\n=>\t../a\t(devel)\t\n"))
	f.Add(fakeGoBinary("go1.16", ""))
	f.Add(fakeELF(hostileBlob(0x2, binary.AppendUvarint(nil, 1<<62)), 64))
	f.Add(fakeELF(hostileBlob(0x0, make([]byte, 16)), 1<<40))
	f.Add([]byte("MZ\x90\x00" + Marker))
	f.Add([]byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01" + Marker))
	f.Add([]byte("\xca\xfe\xba\xbe\x00\x00\x00\x01"))
	cfg := DefaultConfig()
	cfg.MaxModules = 100
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := c.readBinary(bytes.NewReader(data), "bin/x")
		if err != nil {
			if pkgs != nil {
				t.Fatalf("packages %v with error %v", pkgs, err)
			}
			return
		}
		if len(pkgs) > cfg.MaxModules+2 {
			t.Fatalf("%d packages past the cap", len(pkgs))
		}
		seen := map[[2]string]bool{}
		for _, p := range pkgs {
			k := [2]string{p.Name, p.Version}
			if p.Name == "" || p.Version == "" || p.Type != inventory.TypeGolang || p.Path != "bin/x" || seen[k] {
				t.Fatalf("bad package %+v in %v", p, pkgs)
			}
			if p.Name == inventory.GoStdlib && !strings.HasPrefix(p.Version, "v") {
				t.Fatalf("bad stdlib %+v", p)
			}
			seen[k] = true
		}
	})
}

func FuzzStdlibVersion(f *testing.F) {
	for _, s := range []string{"go1.22.3", "go1.21rc2", "go1.20beta1", "go1.22.3 X:boringcrypto", "devel go1.23-x", "go1.21.1-bigcorp", "go1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := StdlibVersion(s)
		if !ok {
			if v != "" {
				t.Fatalf("%q: %q with false", s, v)
			}
			return
		}
		if !strings.HasPrefix(v, "v") || strings.Count(strings.SplitN(v, "-", 2)[0], ".") != 2 || strings.ContainsAny(v, " \x00") {
			t.Fatalf("%q -> %q", s, v)
		}
	})
}
