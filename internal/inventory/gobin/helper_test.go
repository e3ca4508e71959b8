package gobin

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// fakeELF is a minimal little-endian ELF64 executable with one writable
// PT_LOAD segment at vaddr 0x1000 holding segment; memsz is the segment's
// size in memory (at least len(segment) for a sane file).
func fakeELF(segment []byte, memsz uint64) []byte {
	const ehsize, phsize = 64, 56
	off := ehsize + phsize
	b := make([]byte, off+len(segment))
	copy(b, "\x7fELF\x02\x01\x01")
	le := binary.LittleEndian
	le.PutUint16(b[16:], 2)  // ET_EXEC
	le.PutUint16(b[18:], 62) // EM_X86_64
	le.PutUint32(b[20:], 1)  // EV_CURRENT
	le.PutUint64(b[32:], ehsize)
	le.PutUint16(b[52:], ehsize)
	le.PutUint16(b[54:], phsize)
	le.PutUint16(b[56:], 1)
	le.PutUint16(b[58:], 64)
	ph := b[ehsize:]
	le.PutUint32(ph[0:], 1) // PT_LOAD
	le.PutUint32(ph[4:], 6) // PF_R|PF_W
	le.PutUint64(ph[8:], uint64(off))
	le.PutUint64(ph[16:], 0x1000)
	le.PutUint64(ph[24:], 0x1000)
	le.PutUint64(ph[32:], uint64(len(segment)))
	le.PutUint64(ph[40:], memsz)
	le.PutUint64(ph[48:], 0x1000)
	copy(b[off:], segment)
	return b
}

// buildInfoBlob is the Go 1.18+ inline build information blob: the 32-byte
// header, then the toolchain version and the module information, each
// length-prefixed (uvarint), as cmd/link writes them.
func buildInfoBlob(goVersion, modinfo string) []byte {
	var b bytes.Buffer
	b.WriteString(Marker)
	b.WriteByte(8)   // pointer size
	b.WriteByte(0x2) // flags: inline strings, little endian
	b.Write(make([]byte, 16))
	for _, s := range []string{goVersion, modinfo} {
		b.Write(binary.AppendUvarint(nil, uint64(len(s))))
		b.WriteString(s)
	}
	return b.Bytes()
}

// framed wraps module information in the 16-byte sentinels cmd/go puts
// around it (debug/buildinfo strips them).
func framed(mod string) string {
	sentinel := strings.Repeat("\xa5", 16)
	return sentinel + mod + sentinel
}

// fakeGoBinary is an ELF that debug/buildinfo reads as a Go binary built by
// goVersion with the module information mod (lines of "go version -m").
func fakeGoBinary(goVersion, mod string) []byte {
	blob := buildInfoBlob(goVersion, framed(mod))
	return fakeELF(blob, uint64(len(blob)))
}

// exe is an executable file of a MapFS.
func exe(data []byte) *fstest.MapFile { return &fstest.MapFile{Data: data, Mode: 0o755} }

// selfBinary is the content of the running test binary, a real Go binary.
func selfBinary(t testing.TB) (string, []byte) {
	t.Helper()
	p, err := os.Executable()
	if err != nil {
		t.Skipf("no executable path: %v", err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, b
}

// noReaderAt hides io.ReaderAt of the files of an fs.FS.
type noReaderAt struct{ fs.FS }

func (n noReaderAt) Open(name string) (fs.File, error) {
	f, err := n.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return struct{ fs.File }{f}, nil
}

func (n noReaderAt) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(n.FS, name) }
