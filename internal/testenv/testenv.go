// Package testenv finds the real parts and real data that tests use, and skips
// a test with a clear message where they are absent. With VIGIL_REQUIRE_E2E=1
// (set by .ci/run) a missing part fails the test instead, so CI cannot pass by
// skipping.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// skip skips t, or fails it when VIGIL_REQUIRE_E2E=1.
func skip(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("VIGIL_REQUIRE_E2E") == "1" {
		t.Fatalf("VIGIL_REQUIRE_E2E=1 but: "+format, args...)
	}
	t.Skipf(format, args...)
}

// RepoRoot is the root of the vigil checkout.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("testenv: cannot locate source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Shared is the shared data folder: $VIGIL_SHARED, else ../shared beside the
// checkout. rel, if given, is joined to it and must exist.
func Shared(t testing.TB, rel ...string) string {
	t.Helper()
	dir := os.Getenv("VIGIL_SHARED")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared")
	}
	p := filepath.Join(append([]string{dir}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		skip(t, "shared data %s not found (set VIGIL_SHARED): %v", p, err)
	}
	return p
}

// TestData is the folder where scripts/testdata.sh leaves the heavy real test
// inputs (debootstrap root file systems, rpm test roots): $VIGIL_TESTDATA,
// else /var/cache/vigil-testdata. rel is joined to it and must exist.
func TestData(t testing.TB, rel ...string) string {
	t.Helper()
	dir := os.Getenv("VIGIL_TESTDATA")
	if dir == "" {
		dir = "/var/cache/vigil-testdata"
	}
	p := filepath.Join(append([]string{dir}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		skip(t, "test data %s not found; run scripts/testdata.sh (or set VIGIL_TESTDATA): %v", p, err)
	}
	return p
}

// Tool returns the path of an executable on PATH, skipping t when it is absent.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		skip(t, "%s not installed (.ci/run installs it): %v", name, err)
	}
	return p
}

// Root skips t unless it runs as root.
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		skip(t, "needs root")
	}
}
