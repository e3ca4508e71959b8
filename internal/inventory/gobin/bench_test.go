package gobin

import (
	"fmt"
	"testing"
	"testing/fstest"
)

// BenchmarkCatalog reads 20 copies of the test binary (a real Go binary of
// several MB), as an image with a handful of Go programs holds, plus 20
// hand-made binaries with 300 dependencies each, as a big program lists.
func BenchmarkCatalog(b *testing.B) {
	_, self := selfBinary(b)
	var mod string
	mod = "path\tx\nmod\tx\tv1.0.0\t\n"
	for i := range 300 {
		mod += fmt.Sprintf("dep\tgithub.com/org%d/module%d\tv1.%d.0\th1:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=\n", i, i, i)
	}
	big := fakeGoBinary("go1.22.3", mod)
	run := func(b *testing.B, fsys fstest.MapFS, want int) {
		var size int64
		for _, f := range fsys {
			size += int64(len(f.Data))
		}
		c := New(nil)
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			pkgs, err := c.Catalog(b.Context(), fsys)
			if err != nil || len(pkgs) != want {
				b.Fatal(len(pkgs), err)
			}
		}
	}
	b.Run("self-x20", func(b *testing.B) {
		fsys := fstest.MapFS{}
		for i := range 20 {
			fsys[fmt.Sprintf("usr/bin/prog%02d", i)] = exe(self)
		}
		run(b, fsys, 40) // main module and stdlib each
	})
	b.Run("deps300-x20", func(b *testing.B) {
		fsys := fstest.MapFS{}
		for i := range 20 {
			fsys[fmt.Sprintf("usr/bin/prog%02d", i)] = exe(big)
		}
		run(b, fsys, 20*302)
	})
}
