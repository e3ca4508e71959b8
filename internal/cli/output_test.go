package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	t.Run("stdout", func(t *testing.T) {
		var b bytes.Buffer
		if err := writeOutput("", &b, write("hello")); err != nil || b.String() != "hello" {
			t.Fatalf("got %q, %v", b.String(), err)
		}
	})
	t.Run("failed write keeps the old file", func(t *testing.T) {
		p := filepath.Join(dir, "keep.json")
		if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		err := writeOutput(p, nil, func(w io.Writer) error {
			io.WriteString(w, "half")
			return errors.New("encoder broke")
		})
		if err == nil || read(p) != "old" {
			t.Fatalf("err %v, content %q; want an error and the old content", err, read(p))
		}
		if err := writeOutput(p, nil, write("new")); err != nil || read(p) != "new" {
			t.Fatalf("rewrite: %v %q", err, read(p))
		}
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want the old file's 0600", fi.Mode().Perm())
		}
		if m, _ := filepath.Glob(filepath.Join(dir, ".keep.json.*")); len(m) != 0 {
			t.Errorf("temporary files left: %v", m)
		}
	})
	t.Run("symlink target replaced, link kept", func(t *testing.T) {
		target := filepath.Join(dir, "target.json")
		link := filepath.Join(dir, "link.json")
		if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if err := writeOutput(link, nil, write("new")); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 || read(target) != "new" {
			t.Fatalf("link %v %v, target %q", fi, err, read(target))
		}
	})
	t.Run("device written in place", func(t *testing.T) {
		if err := writeOutput(os.DevNull, nil, write("x")); err != nil {
			t.Fatal(err)
		}
	})
}
