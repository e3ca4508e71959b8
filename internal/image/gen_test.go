package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Generators of large hostile layers, streamed so that tests stay small.

// bombGzip returns a gzip stream of a tar holding one file of size zeros:
// one member with the header, then identical members of 1 MiB of zeros
// (a valid multi-member gzip), generated lazily.
func bombGzip(size int64) func() io.Reader {
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	_ = tw.WriteHeader(&tar.Header{Name: "var/lib/dpkg/zeros", Typeflag: tar.TypeReg, Size: size, Mode: 0o644})
	_ = tw.Flush()
	head := gzipBytes(hdr.Bytes())
	block := gzipBytes(make([]byte, 1<<20))
	return func() io.Reader {
		return io.MultiReader(bytes.NewReader(head), &repeatReader{block: block, n: size >> 20})
	}
}

func bombZstd(size int64) func() io.Reader { return bombZstdSized(size, size) }

// bombZstdSized is a zstd stream of size bytes: a tar header announcing a
// file of fileSize, then zeros.
func bombZstdSized(fileSize, size int64) func() io.Reader {
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	_ = tw.WriteHeader(&tar.Header{Name: "var/lib/dpkg/zeros", Typeflag: tar.TypeReg, Size: fileSize, Mode: 0o644})
	_ = tw.Flush()
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	head := enc.EncodeAll(hdr.Bytes(), nil)
	block := enc.EncodeAll(make([]byte, 4<<20), nil)
	_ = enc.Close()
	return func() io.Reader {
		return io.MultiReader(bytes.NewReader(head), &repeatReader{block: block, n: size >> 22})
	}
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

// repeatReader yields block n times.
type repeatReader struct {
	block []byte
	n     int64
	off   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	c := copy(p, r.block[r.off:])
	r.off += c
	if r.off == len(r.block) {
		r.off, r.n = 0, r.n-1
	}
	return c, nil
}

// manyFiles streams a plain tar of n empty files, written block by block
// (no tar.Writer per entry) so that producing it costs far less than
// reading it.
func manyFiles(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		var tmpl [512]byte
		var h bytes.Buffer
		tw := tar.NewWriter(&h)
		_ = tw.WriteHeader(&tar.Header{Name: "usr/share/misc/f0000000", Typeflag: tar.TypeReg, Mode: 0o644, Format: tar.FormatUSTAR})
		_ = tw.Flush()
		copy(tmpl[:], h.Bytes())
		buf := make([]byte, 0, 512*1024)
		for i := range n {
			blk := tmpl
			name := fmt.Sprintf("usr/share/misc/f%07d", i)
			copy(blk[:100], name)
			for j := 148; j < 156; j++ {
				blk[j] = ' '
			}
			sum := 0
			for _, c := range blk {
				sum += int(c)
			}
			copy(blk[148:], fmt.Sprintf("%06o\x00 ", sum))
			buf = append(buf, blk[:]...)
			if len(buf) == cap(buf) {
				if _, err := pw.Write(buf); err != nil {
					return
				}
				buf = buf[:0]
			}
		}
		buf = append(buf, make([]byte, 1024)...)
		_, _ = pw.Write(buf)
		_ = pw.Close()
	}()
	return pr
}

// digestReader hashes a generated stream (to know a digest before walking).
func digestReader(r io.Reader) (string, int64) {
	h := sha256.New()
	n, _ := io.Copy(h, r)
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), n
}

// streamLayer is a layer whose blob is produced by gen on each Open.
func streamLayer(gen func() io.Reader) Layer {
	d, n := digestReader(gen())
	return Layer{Digest: d, DiffID: d, Size: n, Open: func(ctx context.Context) (io.ReadCloser, error) {
		return io.NopCloser(gen()), nil
	}}
}

// rawHeader is a ustar header block with any type flag and size, checksummed.
func rawHeader(name string, typ byte, size int64) []byte {
	var blk [512]byte
	copy(blk[:100], name)
	copy(blk[100:], "0000644\x00")
	copy(blk[124:], fmt.Sprintf("%011o\x00", size))
	copy(blk[136:], "00000000000\x00")
	blk[156] = typ
	copy(blk[257:], "ustar\x0000")
	for j := 148; j < 156; j++ {
		blk[j] = ' '
	}
	sum := 0
	for _, c := range blk {
		sum += int(c)
	}
	copy(blk[148:], fmt.Sprintf("%06o\x00 ", sum))
	return blk[:]
}
