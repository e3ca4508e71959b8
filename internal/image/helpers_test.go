package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// tent is one tar entry of a test layer.
type tent struct {
	name string
	typ  byte
	body string
	link string
	mode int64 // 0: 0o644 for files, 0o755 for directories
}

func file(name, body string) tent { return tent{name: name, typ: tar.TypeReg, body: body} }
func dir(name string) tent        { return tent{name: name, typ: tar.TypeDir} }
func exe(name, body string) tent  { return tent{name: name, typ: tar.TypeReg, body: body, mode: 0o755} }
func symlink(name, target string) tent {
	return tent{name: name, typ: tar.TypeSymlink, link: target}
}
func hardlink(name, target string) tent {
	return tent{name: name, typ: tar.TypeLink, link: target}
}

func mkTar(t testing.TB, ents ...tent) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range ents {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: 0o644, ModTime: time.Unix(1700000000, 0)}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if e.typ == tar.TypeDir {
			h.Mode = 0o755
		}
		if e.mode != 0 {
			h.Mode = e.mode
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func zst(t testing.TB, b []byte) []byte {
	t.Helper()
	zw, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zw.Close()
	return zw.EncodeAll(b, nil)
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// opener counts Open calls per test.
type opener struct{ n atomic.Int64 }

// layerOf is a layer over blob (compressed) with tarball the uncompressed tar.
func (o *opener) layerOf(blob, tarball []byte) Layer {
	return Layer{
		Digest: digestOf(blob), DiffID: digestOf(tarball), Size: int64(len(blob)),
		Open: func(context.Context) (io.ReadCloser, error) {
			o.n.Add(1)
			return io.NopCloser(bytes.NewReader(blob)), nil
		},
	}
}

func testConfig(t testing.TB) Config {
	c := DefaultConfig()
	c.CacheDir = t.TempDir()
	return c
}

// events collects progress events.
type events struct {
	mu  sync.Mutex
	evs []ProgressEvent
}

func (e *events) add(ev ProgressEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.evs = append(e.evs, ev)
}

func (e *events) cached() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.evs {
		if ev.Cached {
			n++
		}
	}
	return n
}

// logBuf is an slog logger writing into a buffer, safe for concurrent use.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuf) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }
