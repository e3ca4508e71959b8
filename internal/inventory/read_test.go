package inventory_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// lyingFS states every regular file to be 1 byte long, whatever it holds,
// and hides io.ReaderAt: the LimitReader, not the size, has to stop a read.
type lyingFS struct{ fstest.MapFS }

func (l lyingFS) Stat(p string) (fs.FileInfo, error) {
	fi, err := l.MapFS.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return fi, err
	}
	return lyingInfo{fi}, nil
}

func (l lyingFS) Open(p string) (fs.File, error) {
	f, err := l.MapFS.Open(p)
	if err != nil {
		return nil, err
	}
	return plainFile{f}, nil
}

type lyingInfo struct{ fs.FileInfo }

func (lyingInfo) Size() int64 { return 1 }

// plainFile hides every method of an fs.File but its own three.
type plainFile struct{ f fs.File }

func (p plainFile) Stat() (fs.FileInfo, error) { return p.f.Stat() }
func (p plainFile) Read(b []byte) (int, error) { return p.f.Read(b) }
func (p plainFile) Close() error               { return p.f.Close() }

// failingFS opens files whose reads fail.
type failingFS struct{ fstest.MapFS }

var errDisk = errors.New("disk error")

func (f failingFS) Open(p string) (fs.File, error) {
	file, err := f.MapFS.Open(p)
	if err != nil {
		return nil, err
	}
	return failingFile{plainFile{file}}, nil
}

type failingFile struct{ plainFile }

func (failingFile) Read([]byte) (int, error) { return 0, errDisk }

func readFS() fstest.MapFS {
	return fstest.MapFS{
		"empty":     {},
		"four":      {Data: []byte("abcd")},
		"five":      {Data: []byte("abcde")},
		"dir":       {Mode: fs.ModeDir | 0o755},
		"fifo":      {Mode: fs.ModeNamedPipe},
		"link":      {Data: []byte("four"), Mode: fs.ModeSymlink},
		"dangling":  {Data: []byte("gone"), Mode: fs.ModeSymlink},
		"big/file":  {Data: bytes.Repeat([]byte("x"), 100_000)},
		"big/exact": {Data: bytes.Repeat([]byte("y"), 4)},
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fsys    fs.FS
		path    string
		want    string
		err     error  // errors.Is
		absent  bool   // inventory.Absent(err)
		message string // in err.Error()
	}{
		{name: "empty", fsys: readFS(), path: "empty", want: ""},
		{name: "under the cap", fsys: readFS(), path: "big/exact", want: "yyyy"},
		{name: "at the cap", fsys: readFS(), path: "four", want: "abcd"},
		{name: "symlink", fsys: readFS(), path: "link", want: "abcd"},
		{name: "over the cap by its size", fsys: readFS(), path: "five", err: inventory.ErrTooLarge, message: "file too large: 5 bytes, more than the limit of 4"},
		{name: "over the cap by a lying size", fsys: lyingFS{readFS()}, path: "big/file", err: inventory.ErrTooLarge, message: "file too large: more than the limit of 4 bytes"},
		{name: "lying size at the cap", fsys: lyingFS{readFS()}, path: "four", want: "abcd"},
		{name: "directory", fsys: readFS(), path: "dir", err: inventory.ErrNotRegular, message: "open dir: not a regular file"},
		{name: "fifo", fsys: readFS(), path: "fifo", err: inventory.ErrNotRegular},
		{name: "not there", fsys: readFS(), path: "nothing", err: fs.ErrNotExist, absent: true},
		{name: "dangling symlink", fsys: readFS(), path: "dangling", err: fs.ErrNotExist, absent: true},
		{name: "read error", fsys: failingFS{readFS()}, path: "four", err: errDisk, message: "read four: disk error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := inventory.ReadFile(tc.fsys, tc.path, 4)
			if tc.err == nil {
				if err != nil || string(got) != tc.want {
					t.Fatalf("ReadFile = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if !errors.Is(err, tc.err) || got != nil {
				t.Fatalf("ReadFile = %q, %v; want error %v", got, err, tc.err)
			}
			if inventory.Absent(err) != tc.absent {
				t.Errorf("Absent(%v) = %v, want %v", err, !tc.absent, tc.absent)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("err = %q, want it to hold %q", err, tc.message)
			}
		})
	}
}

// TestReadFileFIFO checks that a FIFO of a real directory is refused before
// it is opened: opening it would wait for a writer for ever.
func TestReadFileFIFO(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := exec.Command("mkfifo", filepath.Join(dir, "fifo")).Run(); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := inventory.ReadFile(os.DirFS(dir), "fifo", 10)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, inventory.ErrNotRegular) {
			t.Errorf("err = %v, want ErrNotRegular", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadFile blocked on a FIFO")
	}
}

func TestReadAll(t *testing.T) {
	t.Parallel()
	for _, size := range []int64{-1, 0, 3, 4, 5, 1 << 40} {
		for _, in := range []string{"", "abc", "abcd", "abcde", strings.Repeat("z", 10_000)} {
			got, err := inventory.ReadAll(strings.NewReader(in), size, 4)
			if len(in) > 4 {
				if !errors.Is(err, inventory.ErrTooLarge) || got != nil {
					t.Errorf("ReadAll(%d bytes, size %d) = %q, %v; want ErrTooLarge", len(in), size, got, err)
				}
				continue
			}
			if err != nil || string(got) != in {
				t.Errorf("ReadAll(%q, size %d) = %q, %v", in, size, got, err)
			}
		}
	}
	// A reader is never asked for more than max+1 bytes.
	r := &countReader{r: strings.NewReader(strings.Repeat("z", 10_000))}
	if _, err := inventory.ReadAll(r, -1, 100); !errors.Is(err, inventory.ErrTooLarge) || r.n != 101 {
		t.Errorf("read %d bytes, err %v; want 101, ErrTooLarge", r.n, err)
	}
	if _, err := inventory.ReadAll(failingFile{}, 4, 4); !errors.Is(err, errDisk) {
		t.Errorf("err = %v, want %v", err, errDisk)
	}
}

type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += n
	return n, err
}

func TestOpenReaderAt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "exe"), []byte("\x7fELF rest"), 0o755); err != nil {
		t.Fatal(err)
	}
	mapFS := fstest.MapFS{"exe": {Data: []byte("\x7fELF rest"), Mode: 0o755}}
	for name, fsys := range map[string]fs.FS{"dir": os.DirFS(dir), "map": mapFS, "no ReadAt": lyingFS{mapFS}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ra, closer, err := inventory.OpenReaderAt(fsys, "exe", 9, 9)
			if err != nil {
				t.Fatal(err)
			}
			defer closer.Close()
			b := make([]byte, 4)
			if _, err := ra.ReadAt(b, 5); err != nil || string(b) != "rest" {
				t.Errorf("ReadAt = %q, %v", b, err)
			}
			if n, err := ra.ReadAt(b, 8); n != 1 || !errors.Is(err, io.EOF) {
				t.Errorf("ReadAt past the end = %d, %v; want 1, EOF", n, err)
			}
		})
	}
	t.Run("size over the cap", func(t *testing.T) {
		t.Parallel()
		_, _, err := inventory.OpenReaderAt(failingFS{mapFS}, "exe", 9, 8)
		if !errors.Is(err, inventory.ErrTooLarge) || err.Error() != "file too large: 9 bytes, more than the limit of 8" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("lying size, no ReadAt", func(t *testing.T) {
		t.Parallel()
		_, _, err := inventory.OpenReaderAt(lyingFS{mapFS}, "exe", 1, 8)
		if !errors.Is(err, inventory.ErrTooLarge) || err.Error() != "file too large: more than the limit of 8 bytes" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("read error, no ReadAt", func(t *testing.T) {
		t.Parallel()
		if _, _, err := inventory.OpenReaderAt(failingFS{mapFS}, "exe", 9, 9); !errors.Is(err, errDisk) {
			t.Errorf("err = %v, want %v", err, errDisk)
		}
	})
	t.Run("not there", func(t *testing.T) {
		t.Parallel()
		if _, _, err := inventory.OpenReaderAt(mapFS, "gone", 9, 9); !inventory.Absent(err) {
			t.Errorf("err = %v, want absent", err)
		}
	})
}

func TestClip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"abc", `"abc"`},
		{"abcd", `"abcd"`},
		{"abcde", `"abcd"...`},
		{"a\x00\"", `"a\x00\""`},
	} {
		if got := inventory.Clip(tc.in, 4); got != tc.want {
			t.Errorf("Clip(%q, 4) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func BenchmarkReadFile(b *testing.B) {
	dir := b.TempDir()
	data := bytes.Repeat([]byte("{\"name\": \"x\", \"version\": \"1.0.0\"},\n"), 2000) // ~70 KB, a lock file
	if err := os.WriteFile(filepath.Join(dir, "lock"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	fsys := os.DirFS(dir)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := inventory.ReadFile(fsys, "lock", 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}
