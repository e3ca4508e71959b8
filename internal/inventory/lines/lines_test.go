package lines

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type line struct {
	N         int
	Text      string
	Truncated bool
}

func readAll(t *testing.T, in string, size int) []line {
	t.Helper()
	r := NewReader(strings.NewReader(in), size)
	var out []line
	for {
		b, trunc, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, line{r.N, string(b), trunc})
	}
}

func TestReader(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100)
	tests := []struct {
		name string
		in   string
		want []line
	}{
		{"empty", "", nil},
		{"lf and crlf", "a\r\nb\n\nc", []line{{1, "a", false}, {2, "b", false}, {3, "", false}, {4, "c", false}}},
		{"long line truncated, rest dropped", "a\n" + long + "\nb\n", []line{{1, "a", false}, {2, long[:16], true}, {3, "b", false}}},
		{"long last line", long, []line{{1, long[:16], true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, readAll(t, tt.in, 16)); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzReader(f *testing.F) {
	f.Add("a\nb\r\n", 16)
	f.Add(strings.Repeat("y", 40)+"\n", 16)
	f.Fuzz(func(t *testing.T, in string, size int) {
		size = 16 + abs(size)%64
		r := NewReader(strings.NewReader(in), size)
		total := 0
		for {
			b, _, err := r.Next()
			if err != nil {
				break
			}
			if len(b) > size {
				t.Fatalf("line of %d bytes exceeds buffer %d", len(b), size)
			}
			total++
		}
		if total > strings.Count(in, "\n")+1 {
			t.Fatalf("%d lines from %d newlines", total, strings.Count(in, "\n"))
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
