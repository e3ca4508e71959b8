package image

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

const memHelperEnv = "VIGIL_IMAGE_MEMORY_HELPER"

// TestWalkPeakMemory walks a gzip bomb, a zstd bomb and two million tiny
// files (in one image, so in parallel) in a child process and checks its
// peak RSS: memory must not grow with what a layer holds.
func TestWalkPeakMemory(t *testing.T) {
	t.Parallel()
	if testing.Short() || raceEnabled {
		t.Skip("slow in -short; the race detector inflates memory")
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestWalkMemoryHelper$", "-test.v")
	cmd.Env = append(os.Environ(), memHelperEnv+"=1", "VIGIL_IMAGE_CACHE="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	t.Logf("peak RSS %d MiB", rss/1024)
	if rss > 200*1024 {
		t.Errorf("peak RSS %d MiB, want under 200 MiB\n%s", rss/1024, out)
	}
}

func TestWalkMemoryHelper(t *testing.T) {
	if os.Getenv(memHelperEnv) != "1" {
		t.Skip("run by TestWalkPeakMemory")
	}
	cfg := DefaultConfig()
	cfg.CacheDir = os.Getenv("VIGIL_IMAGE_CACHE")
	many := streamLayer(func() io.Reader { return manyFiles(2_000_000) })
	for _, layers := range [][]Layer{
		{streamLayer(bombGzip(8 << 30)), streamLayer(bombZstd(16 << 30))},
		{many},
	} {
		v, err := Walk(t.Context(), &Image{Source: "test", Layers: layers}, testKeep, cfg, Observer{})
		var le *LayerError
		switch {
		case len(layers) == 2 && !errors.As(err, &le):
			t.Fatalf("bombs: err = %v", err)
		case len(layers) == 1 && err != nil:
			t.Fatalf("many files: %v", err)
		}
		if v != nil {
			_ = v.Close()
		}
	}
}
