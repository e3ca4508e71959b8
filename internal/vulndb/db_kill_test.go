package vulndb_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// The kill test runs Build in a child process (this test binary, running
// TestKillHelper) over an existing database and SIGKILLs it at random
// moments; after each kill the database must open and hold exactly the old
// or the new content.

const (
	killHelperEnv = "VULNDB_KILL_HELPER" // path of the database to rebuild
	killSourceEnv = "VULNDB_KILL_SOURCE" // database holding the new sources
	killRuns      = 25
)

// killTime is the fixed Build time of the test (Imported and Built stamps
// must not differ between runs).
var killTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// TestKillHelper is the child: it reads the new sources from the source
// database, says "ready", and rebuilds the target over itself, dropping
// synth-go and replacing (or adding) the sources it read.
func TestKillHelper(t *testing.T) {
	path := os.Getenv(killHelperEnv)
	if path == "" {
		t.Skip("helper process of TestBuildKilled")
	}
	src, err := vulndb.Open(os.Getenv(killSourceEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	srcs, err := src.Sources()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Read everything first, so the build itself is what gets killed.
	type advs struct {
		info vulndb.SourceInfo
		as   []*vulndb.Advisory
	}
	var all []advs
	for _, s := range srcs {
		x := advs{info: s}
		err := src.Advisories(ctx, s.Name, func(_ string, a *vulndb.Advisory) error {
			x.as = append(x.as, a)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, x)
	}
	src.Close()
	fmt.Println("ready")
	err = vulndb.Build(ctx, path, vulndb.BuildOptions{Base: path, Drop: []string{"synth-go"}, Now: killTime},
		func(w *vulndb.Writer) error {
			for _, x := range all {
				for _, a := range x.as {
					if err := w.Put(x.info.Name, a); err != nil {
						return err
					}
				}
				if err := w.SetSource(x.info); err != nil {
					return err
				}
			}
			fmt.Println("filled")
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("done")
}

// helper is a running child process.
type helper struct {
	cmd   *exec.Cmd
	lines chan string // "filled", "done"
	exit  chan error
}

// runHelper starts the helper on path and waits for it to be ready.
func runHelper(t *testing.T, path, source string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), killHelperEnv+"="+path, killSourceEnv+"="+source)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "ready" {
	}
	h := &helper{cmd: cmd, lines: make(chan string, 16), exit: make(chan error, 1)}
	go func() {
		for sc.Scan() {
			select {
			case h.lines <- sc.Text():
			default:
			}
		}
		close(h.lines)
		h.exit <- cmd.Wait()
	}()
	return h
}

// waitLine waits for a line of the helper (false if it ended first).
func (h *helper) waitLine(want string) bool {
	for l := range h.lines {
		if l == want {
			return true
		}
	}
	return false
}

// rawFingerprint checks that path opens as a database and sums the bytes
// of every row of every bucket (a Build is deterministic given Now).
func rawFingerprint(t *testing.T, path string) (string, int) {
	t.Helper()
	db, err := vulndb.Open(path)
	if err != nil {
		t.Fatalf("database does not open: %v", err)
	}
	if _, err := db.Sources(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	bdb, err := bolt.Open(path, 0, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	h := sha256.New()
	n := 0
	err = bdb.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			h.Write(binary.AppendUvarint(append([]byte("bucket "), name...), 0))
			return b.ForEach(func(k, v []byte) error {
				if string(name) == "advisories" {
					n++
				}
				var hdr []byte
				hdr = binary.AppendUvarint(binary.AppendUvarint(hdr, uint64(len(k))), uint64(len(v)))
				h.Write(hdr)
				h.Write(k)
				h.Write(v)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	tmp := to + ".copy"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, to); err != nil {
		t.Fatal(err)
	}
}

func TestBuildKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test: not in -short")
	}
	dir := t.TempDir()
	// The new sources: the shared data, else (and under -race, to keep the
	// test near a minute on 2 cores) synthetic records.
	var news []testSource
	if vd := sharedVulndata(t); vd != "" && !raceEnabled {
		news = loadShared(t, vd)
	} else {
		n := 50000
		if raceEnabled {
			n = 8000
		}
		news = synthetic(n, 9)
		for i := range news {
			news[i].info.Name = "new-" + news[i].info.Name
		}
	}
	source := filepath.Join(dir, "source.db")
	buildT(t, source, vulndb.BuildOptions{Now: killTime}, news)

	old := filepath.Join(dir, "old.db")
	nOld := 20000
	if raceEnabled {
		nOld = 3000
	}
	buildT(t, old, vulndb.BuildOptions{Now: killTime.Add(-time.Hour)}, synthetic(nOld, 5))
	oldFP, oldN := rawFingerprint(t, old)

	// One run to the end gives the new content and the build's phases.
	path := filepath.Join(dir, "vulns.db")
	copyFile(t, old, path)
	start := time.Now()
	h := runHelper(t, path, source)
	ready := time.Now()
	if !h.waitLine("filled") {
		t.Fatalf("helper ended before filling: %v", <-h.exit)
	}
	fillTime := time.Since(ready)
	if err := <-h.exit; err != nil {
		t.Fatalf("helper: %v", err)
	}
	buildTime := time.Since(ready)
	newFP, newN := rawFingerprint(t, path)
	if newFP == oldFP {
		t.Fatal("old and new content have the same fingerprint")
	}
	t.Logf("old %d advisories, new %d; helper start %v, build %v (fill %v, write %v)",
		oldN, newN, ready.Sub(start), buildTime, fillTime, buildTime-fillTime)

	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("VULNDB_KILL_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (VULNDB_KILL_SEED=%d repeats it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	outcome := map[string]int{}
	for i := range killRuns {
		copyFile(t, old, path)
		h := runHelper(t, path, source)
		// Even runs: a delay spread over the whole build (and a little
		// past it). Odd runs: over the writing of the file, fsync and
		// rename after fill returned, where the old file is replaced.
		var delay time.Duration
		phase := "build"
		if i%2 == 0 {
			delay = time.Duration(rng.Int64N(int64(buildTime) * 12 / 10))
		} else {
			phase = "write"
			delay = time.Duration(rng.Int64N(int64(buildTime-fillTime)*12/10 + 1))
			h.waitLine("filled")
		}
		time.Sleep(delay)
		_ = h.cmd.Process.Signal(syscall.SIGKILL)
		err := <-h.exit
		fp, n := rawFingerprint(t, path)
		switch fp {
		case oldFP:
			outcome[phase+":old"]++
		case newFP:
			outcome[phase+":new"]++
		default:
			t.Fatalf("run %d, killed %v into the %s (%v): database holds neither the old nor the new content (%d advisories)",
				i, delay, phase, err, n)
		}
	}
	t.Logf("after %d kills: %v", killRuns, outcome)
	left, _ := filepath.Glob(filepath.Join(dir, vulndb.TempPattern))
	vulndb.RemoveStaleTemps(dir, 0)
	after, _ := filepath.Glob(filepath.Join(dir, vulndb.TempPattern))
	t.Logf("temporary files of killed builds: %d, after removing stale ones: %d", len(left), len(after))
	if len(after) != 0 {
		t.Errorf("stale temporary files not removed: %v", after)
	}
}
