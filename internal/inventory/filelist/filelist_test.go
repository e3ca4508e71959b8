package filelist

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, want string
	}{
		{"plain", "usr/bin/x", ""},
		{"one element", "a", ""},
		{"space and non-UTF-8", "a/b c/d\xff", ""},
		{"three dots", "...", ""},
		{"dots in a name", "a/..b/c", ""},
		{"at MaxPath", strings.Repeat("a", MaxPath), ""},
		{"empty", "", "empty path"},
		{"double slash", "a//b", "empty path element"},
		{"trailing slash", "a/", "empty path element"},
		{"leading slash", "/a", "empty path element"},
		{"dot", ".", `"." element in path`},
		{"dot inside", "a/./b", `"." element in path`},
		{"dot dot", "..", `".." element in path`},
		{"dot dot inside", "a/../b", `".." element in path`},
		{"dot dot last", "a/..", `".." element in path`},
		{"NUL", "a\x00b", "NUL byte in path"},
		{"over MaxPath", strings.Repeat("a", MaxPath+1), "path longer than 4096 bytes"},
		{"over MaxPath with NUL", strings.Repeat("\x00", MaxPath+1), "path longer than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Problem([]byte(tt.path)); got != tt.want {
				t.Errorf("Problem(%.40q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestBuilder(t *testing.T) {
	t.Parallel()
	type pkg struct {
		paths []string
		reset bool // Reset instead of Files
	}
	tests := []struct {
		name             string
		maxPaths, maxLen int
		pkgs             []pkg
		want             [][]string // Files per package (nil for a Reset one)
		wantWhy          []string   // Add's problems, "spent" for a spent budget, in order
		spent            bool
	}{
		{"two packages", 10, 100, []pkg{{paths: []string{"usr", "usr/a"}}, {paths: []string{"etc/b"}}},
			[][]string{{"usr", "usr/a"}, {"etc/b"}}, nil, false},
		{"empty package", 10, 100, []pkg{{}, {paths: []string{"x"}}}, [][]string{nil, {"x"}}, nil, false},
		{"bad paths dropped, the rest kept", 10, 100, []pkg{{paths: []string{"../x", "ok", "a//b", ""}}},
			[][]string{{"ok"}}, []string{`".." element in path`, "empty path element", "empty path"}, false},
		{"bad paths take no budget", 1, 2, []pkg{{paths: []string{"a\x00", "/b", "ab"}}},
			[][]string{{"ab"}}, []string{"NUL byte in path", "empty path element"}, false},
		{"over maxPaths", 3, 100, []pkg{{paths: []string{"a", "b"}}, {paths: []string{"c", "d", "e"}}, {paths: []string{"f"}}},
			[][]string{{"a", "b"}, {"c"}, nil}, []string{"spent", "spent", "spent"}, true},
		{"over maxBytes", 10, 5, []pkg{{paths: []string{"ab", "cd", "e", "f"}}},
			[][]string{{"ab", "cd", "e"}}, []string{"spent"}, true},
		{"spent stays spent though a shorter path would fit", 10, 5, []pkg{{paths: []string{"abcd", "efg", "h"}}},
			[][]string{{"abcd"}}, []string{"spent", "spent"}, true},
		{"bad path after spent still named", 1, 10, []pkg{{paths: []string{"a", "b", "."}}},
			[][]string{{"a"}}, []string{"spent", `"." element in path`}, true},
		{"reset discards, budget stays taken", 2, 100, []pkg{{paths: []string{"a", "b"}, reset: true}, {paths: []string{"c"}}},
			[][]string{nil, nil}, []string{"spent"}, true},
		{"zero budget", 0, 0, []pkg{{paths: []string{"a"}}}, [][]string{nil}, []string{"spent"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := New(tt.maxPaths, tt.maxLen)
			var got [][]string
			var why []string
			for _, p := range tt.pkgs {
				for _, s := range p.paths {
					w, ok := l.Add([]byte(s))
					switch {
					case !ok && w == "":
						why = append(why, "spent")
					case !ok:
						why = append(why, w)
					case w != "":
						t.Errorf("Add(%q) kept, with problem %q", s, w)
					}
				}
				if p.reset {
					l.Reset()
					got = append(got, nil)
				} else {
					got = append(got, l.Files())
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Files (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWhy, why); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if l.Spent() != tt.spent {
				t.Errorf("Spent() = %v, want %v", l.Spent(), tt.spent)
			}
		})
	}
}

func TestZeroBuilderKeepsNothing(t *testing.T) {
	t.Parallel()
	var l Builder
	if why, ok := l.Add([]byte("a")); ok || why != "" || !l.Spent() || l.Files() != nil {
		t.Errorf("zero Builder: Add = %q, %v; Spent %v", why, ok, l.Spent())
	}
}

func TestGrowBoundedByBudget(t *testing.T) {
	t.Parallel()
	l := New(4, 100)
	l.Grow(1<<30, 1<<40)
	if cap(l.ends) > 8 || cap(l.buf) > 200 {
		t.Errorf("Grow past the budget: %d ends, %d bytes", cap(l.ends), cap(l.buf))
	}
	l.Grow(-1, -1) // no-op
	for _, p := range []string{"a", "bb"} {
		if _, ok := l.Add([]byte(p)); !ok {
			t.Fatalf("Add(%q) not kept", p)
		}
	}
	if diff := cmp.Diff([]string{"a", "bb"}, l.Files()); diff != "" {
		t.Error(diff)
	}
}

// Not parallel: AllocsPerRun.
func TestFilesShareOneString(t *testing.T) {
	l := New(1<<30, 1<<30)
	add := func(p string) {
		t.Helper()
		if _, ok := l.Add([]byte(p)); !ok {
			t.Fatalf("Add(%q) not kept", p)
		}
	}
	add("usr/a")
	add("usr/bb")
	got := l.Files()
	if diff := cmp.Diff([]string{"usr/a", "usr/bb"}, got); diff != "" {
		t.Error(diff)
	}
	add("c")
	if diff := cmp.Diff([]string{"c"}, l.Files()); diff != "" {
		t.Error(diff)
	}
	if got[0] != "usr/a" || got[1] != "usr/bb" {
		t.Errorf("reuse of the buffer changed earlier paths: %q", got)
	}
	p := []byte("usr/lib/python3/dist-packages/x")
	allocs := testing.AllocsPerRun(100, func() {
		for range 50 {
			l.Add(p)
		}
		_ = l.Files()
	})
	if allocs > 2 {
		t.Errorf("%v allocations for one package of 50 paths, want 2", allocs)
	}
}

// FuzzBuilder adds the lines of data as paths, the first byte choosing how
// many lines make a package, and checks that what is kept passes Problem,
// comes from the input in order, and stays within the caps.
func FuzzBuilder(f *testing.F) {
	f.Add([]byte("\x02usr\nusr/bin/x\n../etc/passwd\na//b\n\n/abs\nok"), uint8(4), uint16(30))
	f.Add([]byte("\x01a\x00b\n.\n..\n...\nx/./y\nlast/"), uint8(2), uint16(3))
	f.Add([]byte("\x00"+strings.Repeat("d", MaxPath+1)+"\nz"), uint8(9), uint16(9000))
	f.Fuzz(func(t *testing.T, data []byte, maxPaths uint8, maxBytes uint16) {
		per := 1
		if len(data) > 0 {
			per, data = int(data[0]%8)+1, data[1:]
		}
		l := New(int(maxPaths), int(maxBytes))
		l.Grow(per, len(data))
		var want, got []string
		kept, total, spentAt := 0, 0, -1
		for i, line := range bytes.Split(data, []byte("\n")) {
			why, ok := l.Add(line)
			switch {
			case ok:
				if spentAt >= 0 {
					t.Fatalf("line %d kept after the budget was spent at line %d", i, spentAt)
				}
				want = append(want, string(line))
				kept++
				total += len(line)
			case why == "" && spentAt < 0:
				spentAt = i
			}
			if (why == "") != (Problem(line) == "") {
				t.Fatalf("Add(%q) problem %q, Problem says %q", line, why, Problem(line))
			}
			if l.Spent() != (spentAt >= 0) {
				t.Fatalf("Spent() = %v at line %d, spent at %d", l.Spent(), i, spentAt)
			}
			if (i+1)%per == 0 {
				got = append(got, l.Files()...)
			}
		}
		got = append(got, l.Files()...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Files (-added +got):\n%s", diff)
		}
		for _, p := range got {
			if why := Problem([]byte(p)); why != "" {
				t.Fatalf("kept %q: %s", p, why)
			}
		}
		if kept > int(maxPaths) || total > int(maxBytes) {
			t.Fatalf("kept %d paths of %d bytes; caps %d, %d", kept, total, maxPaths, maxBytes)
		}
		if l.paths != int(maxPaths)-kept || l.bytes != int(maxBytes)-total {
			t.Fatalf("budget left %d paths, %d bytes; want %d, %d", l.paths, l.bytes, int(maxPaths)-kept, int(maxBytes)-total)
		}
	})
}

// BenchmarkBuilder gathers the Files of 700 packages of 40 paths each, about
// a Debian image's dpkg file lists.
func BenchmarkBuilder(b *testing.B) {
	pkgs := make([][][]byte, 700)
	n := 0
	for i := range pkgs {
		for j := range 40 {
			p := []byte(fmt.Sprintf("usr/lib/x86_64-linux-gnu/pkg%d/share/file-%d.so.1", i, j))
			pkgs[i] = append(pkgs[i], p)
			n += len(p)
		}
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		l := New(2_000_000, 256<<20)
		for _, paths := range pkgs {
			l.Grow(len(paths), 40*64)
			for _, p := range paths {
				if _, ok := l.Add(p); !ok {
					b.Fatalf("Add(%q) not kept", p)
				}
			}
			_ = l.Files()
		}
	}
}

func BenchmarkProblem(b *testing.B) {
	p := []byte("usr/lib/python3/dist-packages/urllib3-1.26.5.egg-info/PKG-INFO")
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if Problem(p) != "" {
			b.Fatal("rejected")
		}
	}
}
