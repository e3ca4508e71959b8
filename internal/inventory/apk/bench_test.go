package apk

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vigil-sec/vigil/internal/testenv"
)

// synthInstalled is an installed database of n packages of 20 files each,
// shaped like Alpine's.
func synthInstalled(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "C:Q1zgFbqxEs6tnaV8BJvrmCJh0GuB%d=\nP:pkg%d\nV:1.%d.0-r%d\nA:x86_64\nS:411323\nI:667648\n"+
			"T:synthetic package\nU:https://example.org/\nL:MIT AND BSD-2-Clause\no:origin%d\n"+
			"m:Someone <someone@example.org>\nt:1712069010\nc:e1bd4b5e3ba40af5ab6d8c4ee5a67e1c5c1da7b2\n"+
			"D:so:libc.musl-x86_64.so.1\np:so:libpkg%d.so.1=1.0\nF:usr/lib\n", i, i, i, i%7, i/3, i)
		for j := range 20 {
			fmt.Fprintf(&b, "R:libpkg%d.so.%d\na:0:0:755\nZ:Q1nmYPJOFSMGiEVzX0LPa5yVb+Uh0=\n", i, j)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func BenchmarkApk(b *testing.B) {
	// The "-nofiles" runs turn Files off (MaxFiles 0): the difference is
	// the cost of gathering the file lists.
	run := func(b *testing.B, fsys fstest.MapFS, want int) {
		cfg := DefaultConfig()
		if strings.HasSuffix(b.Name(), "-nofiles") {
			cfg.MaxFiles = 0
		}
		c, _ := NewWithConfig(cfg, nil)
		b.SetBytes(int64(len(fsys[installedV2].Data)))
		b.ReportAllocs()
		for b.Loop() {
			pkgs, err := c.Catalog(context.Background(), fsys)
			if err != nil || len(pkgs) != want {
				b.Fatal(len(pkgs), err)
			}
		}
	}
	for _, suffix := range []string{"", "-nofiles"} {
		b.Run("synthetic-1000"+suffix, func(b *testing.B) {
			run(b, fstest.MapFS{installedV2: {Data: synthInstalled(1000)}}, 1000)
		})
		b.Run("alpine-3.20.3"+suffix, func(b *testing.B) {
			fsys := readRootfs(b, filepath.Join(testenv.Shared(b, "rootfs"), "alpine-minirootfs-3.20.3-x86_64.tar.gz"))
			run(b, fsys, 14)
		})
	}
}
