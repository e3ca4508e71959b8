package rust

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"io/fs"
	"log/slog"
	"testing"
	"testing/fstest"

	"github.com/vigil-sec/vigil/internal/testenv"
)

// elfWithSection is a minimal little-endian ELF64 executable whose only
// sections are the null section, name (SHT_PROGBITS) holding data, and the
// section name table: the layout is header, data, names, section headers.
func elfWithSection(name string, data []byte) []byte {
	const ehsize, shsize = 64, 64
	names := "\x00" + name + "\x00.shstrtab\x00"
	dataOff := ehsize
	namesOff := dataOff + len(data)
	shOff := (namesOff + len(names) + 7) &^ 7
	b := make([]byte, shOff+3*shsize)
	copy(b, "\x7fELF\x02\x01\x01")
	le := binary.LittleEndian
	le.PutUint16(b[16:], 2)  // ET_EXEC
	le.PutUint16(b[18:], 62) // EM_X86_64
	le.PutUint32(b[20:], 1)  // EV_CURRENT
	le.PutUint64(b[40:], uint64(shOff))
	le.PutUint16(b[52:], ehsize)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[58:], shsize)
	le.PutUint16(b[60:], 3) // sections
	le.PutUint16(b[62:], 2) // names section index
	copy(b[dataOff:], data)
	copy(b[namesOff:], names)
	sh := func(i int, nameOff, typ uint32, off, size int) {
		h := b[shOff+i*shsize:]
		le.PutUint32(h[0:], nameOff)
		le.PutUint32(h[4:], typ)
		le.PutUint64(h[24:], uint64(off))
		le.PutUint64(h[32:], uint64(size))
		le.PutUint64(h[48:], 1) // alignment
	}
	sh(1, 1, 1, dataOff, len(data))                     // SHT_PROGBITS
	sh(2, uint32(2+len(name)), 3, namesOff, len(names)) // SHT_STRTAB
	return b
}

// auditJSON is cargo-auditable's JSON for packages given as
// name, version, source triples.
func auditJSON(pkgs ...[3]string) []byte {
	type entry struct {
		Name         string `json:"name"`
		Version      string `json:"version"`
		Source       string `json:"source"`
		Kind         string `json:"kind,omitempty"`
		Dependencies []int  `json:"dependencies,omitempty"`
		Root         bool   `json:"root,omitempty"`
	}
	var doc struct {
		Packages []entry `json:"packages"`
	}
	for i, p := range pkgs {
		e := entry{Name: p[0], Version: p[1], Source: p[2]}
		if i == 0 {
			e.Root = true
			for j := 1; j < len(pkgs); j++ {
				e.Dependencies = append(e.Dependencies, j)
			}
		}
		if p[2] == "builtin" {
			e.Kind = "build"
		}
		doc.Packages = append(doc.Packages, e)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}

// zlibBytes compresses b as cargo-auditable does.
func zlibBytes(b []byte) []byte {
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// auditELF is an executable whose .dep-v0 section holds the packages.
func auditELF(pkgs ...[3]string) []byte {
	return elfWithSection(Marker, zlibBytes(auditJSON(pkgs...)))
}

// exe is an executable file of a MapFS.
func exe(data []byte) *fstest.MapFile { return &fstest.MapFile{Data: data, Mode: 0o755} }

// newRecorded is a Cataloger with cfg whose log is kept.
func newRecorded(t testing.TB, cfg Config) (*Cataloger, *testenv.LogRecorder) {
	t.Helper()
	rec := &testenv.LogRecorder{}
	c, err := NewWithConfig(cfg, slog.New(rec))
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
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
