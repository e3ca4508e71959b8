package ruby

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/image/imagetest"
	"github.com/vigil-sec/vigil/internal/inventory"
)

// TestHostile puts each hostile file beside a good one: the good file's
// gems are all reported, the hostile one costs at most itself, with a
// warning naming its path, and nothing hangs.
func TestHostile(t *testing.T) {
	t.Parallel()
	const (
		good = "specifications/good-1.0.gemspec"
		spec = "specifications/bad-1.0.gemspec"
		lock = "app/Gemfile.lock"
	)
	goodSpec := "Gem::Specification.new do |s|\n  s.name = \"good\".freeze\n  s.version = \"1.0\"\nend\n"
	tests := []struct {
		name, file, content string
		cfg                 func(*Config)
		want                []inventory.Package // from the hostile file
		warn                string
	}{
		{name: "gemspec too large", file: spec, content: goodSpec + strings.Repeat("#", 2000), cfg: func(c *Config) { c.MaxFileSize = 1000 }, warn: "file too large"},
		{name: "gemspec of NULs", file: spec, content: strings.Repeat("\x00", 10_000), warn: "no name"},
		{name: "gemspec with an endless line", file: spec, content: "s.name = \"" + strings.Repeat("a", 1<<20), warn: "line longer than 65536 bytes"},
		{name: "gemspec truncated", file: spec, content: goodSpec[:50], warn: "name: not a literal"},
		{name: "gemspec huge value", file: spec, content: "s.name = \"" + strings.Repeat("a", 60_000) + "\"\ns.version = \"1\"\n", warn: `invalid name "aaaa`},
		{name: "lock of NULs", file: lock, content: strings.Repeat("\x00", 10_000)},
		{name: "lock truncated mid-line", file: lock, content: "GEM\n  specs:\n    a (1.0)\n    b (2.", warn: "line 4: not",
			want: []inventory.Package{gem("a", "1.0", lock)}},
		{name: "lock with many bad lines", file: lock, content: "GEM\n  specs:\n" + strings.Repeat("    x\n", 50) + "    a (1.0)\n", warn: "count=40",
			want: []inventory.Package{gem("a", "1.0", lock)}},
		{name: "lock with too many specs", file: lock, content: "GEM\n  specs:\n    a (1.0)\n    b (1.0)\n    c (1.0)\n",
			cfg: func(c *Config) { c.MaxEntries = 2 }, warn: "more than 2 specs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			c, logs := newLogged(t, cfg)
			fsys := imagetest.MapFS(imagetest.Files{good: goodSpec, tc.file: tc.content})
			start := time.Now()
			got, err := c.Catalog(t.Context(), fsys)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			want := sorted(append([]inventory.Package{gem("good", "1.0", good)}, tc.want...))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			l := logs.String()
			if tc.warn == "" {
				if l != "" {
					t.Errorf("unexpected warnings: %s", l)
				}
				return
			}
			if !strings.Contains(l, "path="+tc.file) || !strings.Contains(l, tc.warn) {
				t.Errorf("warnings do not name %s and %q:\n%.2000s", tc.file, tc.warn, l)
			}
			if len(l) > 20_000 {
				t.Errorf("%d bytes of warnings", len(l))
			}
		})
	}
}

// failingFS fails every read of its files: the file system failing, which
// must fail Catalog, not be taken for a malformed file.
type failingFS struct{ fstest.MapFS }

var errDisk = errors.New("disk read error")

func (f failingFS) Open(name string) (fs.File, error) {
	file, err := f.MapFS.Open(name)
	if err != nil || strings.HasSuffix(name, "/") || name == "." {
		return file, err
	}
	if fi, _ := file.Stat(); fi.IsDir() {
		return file, nil
	}
	return failingFile{file}, nil
}

type failingFile struct{ fs.File }

func (failingFile) Read([]byte) (int, error) { return 0, errDisk }

func TestReadError(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"specifications/a-1.gemspec", "Gemfile.lock"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			_, err := New(nil).Catalog(t.Context(), failingFS{fstest.MapFS{p: {Data: []byte("x")}}})
			if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v, want %v naming %s", err, errDisk, p)
			}
		})
	}
}
