package gobin

import (
	"bytes"
	"encoding/binary"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// hostileBlob is a build information header followed by raw bytes.
func hostileBlob(flags byte, rest []byte) []byte {
	var b bytes.Buffer
	b.WriteString(Marker)
	b.WriteByte(8)
	b.WriteByte(flags)
	b.Write(make([]byte, 16))
	b.Write(rest)
	return b.Bytes()
}

// TestHostile puts hostile files beside one good binary: each is skipped
// (quietly when it is no Go binary, with a warning when it is a broken
// one), and the good binary is still read.
func TestHostile(t *testing.T) {
	t.Parallel()
	_, self := selfBinary(t)
	good := fakeGoBinary("go1.22.3", "path\tgood\nmod\tgood\tv1.0.0\t\n")
	wantGood := []inventory.Package{golang("good", "v1.0.0", "z/good"), golang("stdlib", "v1.22.3", "z/good")}

	hugeLen := binary.AppendUvarint(nil, 1<<62)
	absurdPtrs := binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1<<63), 1<<62)
	hugePhnum := fakeELF(nil, 0)
	binary.LittleEndian.PutUint16(hugePhnum[56:], 0xffff)
	phoffPast := fakeELF(nil, 0)
	binary.LittleEndian.PutUint64(phoffPast[32:], 1<<40)
	tooManyDeps := "path\tx\nmod\tx\tv1.0.0\t\n" + strings.Repeat("dep\tgithub.com/a/b\tv1.0.0\t\n", 20)
	badModinfo := "path\tx\nmod\tx\tv1.0.0\t\nbuild\tno-equals-sign\n"

	tests := []struct {
		name string
		data []byte
		mode os.FileMode
		warn string // substring of the one warning expected; "" for none
	}{
		{"truncated ELF header", self[:20], 0o755, ""},
		{"truncated ELF 4 KiB", self[:4096], 0o755, ""},
		{"truncated ELF half", self[:len(self)/2], 0o755, ""},
		{"huge string length", fakeELF(hostileBlob(0x2, hugeLen), 64), 0o755, ""},
		{"string length past segment", fakeELF(hostileBlob(0x2, []byte{0x7f, 'g', 'o'}), 64), 0o755, ""},
		{"absurd pointers (pre-1.18 layout)", fakeELF(hostileBlob(0x0, absurdPtrs), 64), 0o755, ""},
		{"bad pointer size", fakeELF(hostileBlob(0x0|0, nil), 64), 0o755, ""},
		{"absurd segment memsz", fakeELF([]byte("no magic here"), 1<<62), 0o755, ""},
		{"magic at end of segment", fakeELF([]byte(Marker), 1<<40), 0o755, ""},
		{"65535 program headers", hugePhnum, 0o755, ""},
		{"program headers past EOF", phoffPast, 0o755, ""},
		{"NUL bytes", make([]byte, 1<<16), 0o755, ""},
		{"shell script", []byte("#!/bin/sh\necho \xff Go buildinf:\n"), 0o755, ""},
		{"PE stub", []byte("MZ\x90\x00" + Marker), 0o755, ""},
		{"Mach-O stub", []byte("\xcf\xfa\xed\xfe" + Marker), 0o755, ""},
		{"Go binary without execute bit", fakeGoBinary("go1.22.3", "path\tn\nmod\tn\tv1.0.0\t\n"), 0o644, ""},
		{"too many dependencies", fakeGoBinary("go1.22.3", tooManyDeps), 0o755, "dependencies, more than the limit of 10"},
		{"malformed module information", fakeGoBinary("go1.22.3", badModinfo), 0o755, "read build information"},
		{"over the size cap", append(bytes.Repeat([]byte{0}, 8<<20), good...), 0o755, "more than the limit of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig()
			cfg.MaxModules = 10
			cfg.MaxFileSize = 8 << 20
			fsys := fstest.MapFS{"a/hostile": {Data: tc.data, Mode: tc.mode}, "z/good": exe(good)}
			for name, fsys := range map[string]fstest.MapFS{"map": fsys, "no ReadAt": nil} {
				c, rec := newRecorded(t, cfg)
				start := time.Now()
				var got []inventory.Package
				var err error
				if fsys == nil {
					got, err = c.Catalog(t.Context(), noReaderAt{fstest.MapFS{"a/hostile": {Data: tc.data, Mode: tc.mode}, "z/good": exe(good)}})
				} else {
					got, err = c.Catalog(t.Context(), fsys)
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("%s: took %v", name, d)
				}
				if diff := cmp.Diff(wantGood, got); diff != "" {
					t.Errorf("%s: packages (-want +got):\n%s", name, diff)
				}
				w := rec.Lines(slog.LevelWarn)
				switch {
				case tc.warn == "" && len(w) != 0:
					t.Errorf("%s: unexpected warnings %q", name, w)
				case tc.warn != "" && (len(w) != 1 || !strings.Contains(w[0], tc.warn) || !strings.Contains(w[0], "path=a/hostile")):
					t.Errorf("%s: warnings %q, want one naming a/hostile with %q", name, w, tc.warn)
				}
			}
		})
	}
}

// TestHugeFile checks that a sparse 600 MiB executable (past the default
// 512 MiB cap) costs nothing: it is skipped with a warning, unread.
func TestHugeFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f, err := os.OpenFile(filepath.Join(dir, "huge"), os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("\x7fELF")); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(600 << 20); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	c, rec := newRecorded(t, DefaultConfig())
	got, err := c.Catalog(t.Context(), os.DirFS(dir))
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
	if w := rec.Lines(slog.LevelWarn); len(w) != 1 || !strings.Contains(w[0], "path=huge") {
		t.Errorf("warnings %q, want one for huge", w)
	}
}

func TestMaxBinaries(t *testing.T) {
	t.Parallel()
	bin := func(name string) []byte { return fakeGoBinary("go1.22.3", "path\t"+name+"\nmod\t"+name+"\tv1.0.0\t\n") }
	fsys := fstest.MapFS{"a": exe(bin("a")), "b": exe(bin("b")), "c": exe(bin("c")), "notes": {Data: []byte("x")}}
	cfg := DefaultConfig()
	cfg.MaxBinaries = 2
	c, rec := newRecorded(t, cfg)
	got, err := c.Catalog(t.Context(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{golang("a", "v1.0.0", "a"), golang("b", "v1.0.0", "b"), golang("stdlib", "v1.22.3", "a"), golang("stdlib", "v1.22.3", "b")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if w := rec.Lines(slog.LevelWarn); len(w) != 1 || !strings.Contains(w[0], "too many executables") {
		t.Errorf("warnings %q", w)
	}
}
