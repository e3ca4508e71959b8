package image

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"
)

var benchImage = sync.OnceValue(func() []benchLayer {
	words := strings.Fields("package version depends library install status config usr share doc copyright " +
		"license debian upstream maintainer description amd64 priority optional section utils source the of and to in " +
		"a is for that with on by this be are from or as an at it not which but have")
	rng := rand.New(rand.NewPCG(1, 2))
	var out []benchLayer
	for l := range 3 {
		var tb bytes.Buffer
		tw := tar.NewWriter(&tb)
		var text bytes.Buffer
		for tb.Len() < 80<<20 {
			n := rng.IntN(64 << 10)
			if rng.IntN(50) == 0 {
				n = rng.IntN(4 << 20)
			}
			text.Reset()
			for text.Len() < n {
				text.WriteString(words[rng.IntN(len(words))])
				if rng.IntN(12) == 0 {
					fmt.Fprintf(&text, " %d\n", rng.Uint32())
				} else {
					text.WriteByte(' ')
				}
			}
			name := fmt.Sprintf("usr/lib/pkg%d/dir%d/file%d.txt", l, rng.IntN(200), rng.Uint32())
			if rng.IntN(200) == 0 {
				name = fmt.Sprintf("usr/share/doc/pkg%d-%d/copyright", l, rng.Uint32())
			}
			_ = tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: int64(text.Len()), Mode: 0o644})
			_, _ = tw.Write(text.Bytes())
		}
		_ = tw.WriteHeader(&tar.Header{Name: "var/lib/dpkg/status", Typeflag: tar.TypeReg, Size: 5, Mode: 0o644})
		_, _ = tw.Write([]byte("x: y\n"))
		_ = tw.Close()
		var gb bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gb, gzip.DefaultCompression)
		_, _ = zw.Write(tb.Bytes())
		_ = zw.Close()
		out = append(out, benchLayer{blob: gb.Bytes(), diffID: digestOf(tb.Bytes())})
	}
	return out
})

type benchLayer struct {
	blob   []byte
	diffID string
}

func benchImg(ls []benchLayer) (*Image, int64) {
	img := &Image{Source: "bench"}
	var n int64
	for _, l := range ls {
		blob := l.blob
		n += int64(len(blob))
		img.Layers = append(img.Layers, Layer{Digest: digestOf(blob), DiffID: l.diffID, Size: int64(len(blob)),
			Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(blob)), nil }})
	}
	return img, n
}

// BenchmarkWalk walks a 3-layer gzip image of about 60 MB compressed (240 MB
// of text-like files of mixed sizes) with the cache off; MB/s is of
// compressed bytes.
func BenchmarkWalk(b *testing.B) {
	img, n := benchImg(benchImage())
	b.Logf("image: %d layers, %.1f MB compressed", len(img.Layers), float64(n)/1e6)
	for _, par := range []int{0, 1} {
		b.Run(fmt.Sprintf("parallel=%d", par), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.CacheDir = b.TempDir()
			cfg.NoCache = true
			cfg.Parallel = par
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				v, err := Walk(b.Context(), img, testKeep, cfg, Observer{})
				if err != nil {
					b.Fatal(err)
				}
				_ = v.Close()
			}
		})
	}
}

// BenchmarkWalkCached walks the same image with every layer cached.
func BenchmarkWalkCached(b *testing.B) {
	img, n := benchImg(benchImage())
	cfg := DefaultConfig()
	cfg.CacheDir = b.TempDir()
	v, err := Walk(b.Context(), img, testKeep, cfg, Observer{})
	if err != nil {
		b.Fatal(err)
	}
	_ = v.Close()
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		v, err := Walk(b.Context(), img, testKeep, cfg, Observer{})
		if err != nil {
			b.Fatal(err)
		}
		_ = v.Close()
	}
}

// execLayer is a gzip layer of 200 ELF-like executables of 64 KiB to 2 MiB
// (1 MiB on average, 5 of them with a Go marker near their end) beside text
// files, as a layer of binaries would look.
var execLayer = sync.OnceValue(func() benchLayer {
	rng := rand.New(rand.NewPCG(5, 6))
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	buf := make([]byte, 2<<20)
	for i := range 200 {
		body := buf[:64<<10+rng.IntN(2<<20-64<<10)]
		// Machine-code-like bytes: compressible about 2-3x, like real text.
		for j := range body {
			body[j] = byte(rng.IntN(16)) * byte(1+rng.IntN(16))
		}
		copy(body, "\x7fELF")
		if i%40 == 0 {
			copy(body[len(body)-4096:], "\xff Go buildinf:")
		}
		_ = tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("usr/bin/tool%d", i), Typeflag: tar.TypeReg, Size: int64(len(body)), Mode: 0o755})
		_, _ = tw.Write(body)
		_ = tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("usr/share/doc/tool%d/README", i), Typeflag: tar.TypeReg, Size: 4096, Mode: 0o644})
		_, _ = tw.Write(body[:4096])
	}
	_ = tw.Close()
	var gb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gb, gzip.BestSpeed)
	_, _ = zw.Write(tb.Bytes())
	_ = zw.Close()
	return benchLayer{blob: gb.Bytes(), diffID: digestOf(tb.Bytes())}
})

// BenchmarkWalkMarkers walks execLayer with and without Markers (cache off):
// the difference is the cost of searching and writing every executable.
func BenchmarkWalkMarkers(b *testing.B) {
	img, n := benchImg([]benchLayer{execLayer()})
	b.Logf("layer: %.1f MB compressed", float64(n)/1e6)
	for _, tc := range []struct {
		name    string
		markers [][]byte
	}{{"none", nil}, {"go+rust", [][]byte{[]byte("\xff Go buildinf:"), []byte(".dep-v0")}}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.CacheDir = b.TempDir()
			cfg.NoCache = true
			cfg.Markers = tc.markers
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				v, err := Walk(b.Context(), img, testKeep, cfg, Observer{})
				if err != nil {
					b.Fatal(err)
				}
				if got := len(v.Touched(0)); tc.markers != nil && got != 5 {
					b.Fatalf("kept %d files, want 5", got)
				}
				_ = v.Close()
			}
		})
	}
}
