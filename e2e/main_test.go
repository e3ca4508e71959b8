// Package e2e_test runs the vigil binary end to end against real parts: Debian's
// docker-registry (anonymous and with htpasswd auth) on 127.0.0.1, images built
// from a debootstrap root file system and from the official Alpine minirootfs,
// as registry images, docker-archives, OCI layouts and OCI archives. Expected
// package lists come from the package managers themselves (dpkg-query, the apk
// database), never from vigil's own code.
//
// Needs: docker-registry and htpasswd (apt: docker-registry apache2-utils),
// dpkg-query, gzip, root (to read a debootstrap tree), and the test data that
// scripts/testdata.sh prepares. Missing parts skip, or fail under
// VIGIL_REQUIRE_E2E=1 (CI).
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// suite holds what TestMain prepares once for every test: the vigil binary and
// a scratch directory, plus the registries and images that tests start or build
// on first use (see registry_test.go and images_test.go).
type suite struct {
	dir      string // scratch directory removed after the run
	vigil    string // path of the built binary; "" when buildErr is set
	buildErr error

	regs   registries
	images images
}

var s suite

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "vigil-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	s.dir = dir
	s.vigil, s.buildErr = buildVigil(dir)
	code := m.Run()
	s.regs.stop()
	return code
}

// buildVigil builds cmd/vigil once, without -race: the binary under test is the
// one users run.
func buildVigil(dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "vigil")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/vigil-sec/vigil/cmd/vigil")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/vigil: %w\n%s", err, out)
	}
	return bin, nil
}

// result is one finished vigil run.
type result struct {
	stdout, stderr []byte
	code           int
	elapsed        time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %v\nstderr:\n%s", r.code, r.elapsed.Round(time.Millisecond), r.stderr)
}

// vigil runs the binary with args. env adds to (and overrides) the test's
// environment; DOCKER_CONFIG defaults to an empty directory so that the
// machine's own credentials never leak in.
func vigil(t *testing.T, env []string, args ...string) result {
	t.Helper()
	if s.buildErr != nil {
		t.Fatal(s.buildErr)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.vigil, args...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+t.TempDir(), "VIGIL_CACHE_DIR="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.Bytes(), stderr: stderr.Bytes(), elapsed: time.Since(start)}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	default:
		t.Fatalf("vigil %s: %v", strings.Join(args, " "), err)
	}
	t.Logf("vigil %s: exit %d in %v", strings.Join(args, " "), r.code, r.elapsed.Round(time.Millisecond))
	return r
}

// inventoryOf runs vigil with args plus --format json, requires exit 0 and
// decodes the inventory.
func inventoryOf(t *testing.T, env []string, args ...string) *inventory.Inventory {
	t.Helper()
	r := vigil(t, env, append(args, "--format", "json")...)
	if r.code != 0 {
		t.Fatalf("vigil %s: %v", strings.Join(args, " "), r)
	}
	return decodeInventory(t, r.stdout)
}

// decodeInventory decodes vigil's --format json output strictly.
func decodeInventory(t *testing.T, b []byte) *inventory.Inventory {
	t.Helper()
	var inv inventory.Inventory
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&inv); err != nil {
		t.Fatalf("decode JSON inventory: %v\n%.2000s", err, b)
	}
	return &inv
}

// readInventory decodes an inventory that vigil wrote to a file.
func readInventory(t *testing.T, file string) *inventory.Inventory {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return decodeInventory(t, b)
}
