package image

import (
	"os"
	"testing"
)

// TestPseudoFS: /proc and /sys are told apart from an ordinary directory.
func TestPseudoFS(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dir, want string
	}{{"/proc", "proc"}, {"/sys", "sysfs"}, {t.TempDir(), ""}} {
		f, err := os.Open(tc.dir)
		if err != nil {
			t.Skipf("%s: %v", tc.dir, err)
		}
		got, ok := pseudoFS(f)
		_ = f.Close()
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("pseudoFS(%s) = %q, %v; want %q", tc.dir, got, ok, tc.want)
		}
	}
}
