package testenv_test

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
)

func TestLogRecorder(t *testing.T) {
	t.Parallel()
	rec := &testenv.LogRecorder{}
	log := slog.New(rec)
	log.Debug("checked", "path", "a/b")
	log.Warn("skipped file", "path", "a/c", "err", errors.New("file too large"), "n", 3)
	log.With("cataloger", "npm").WithGroup("g").Info("grouped", "k", "v")
	log.Error("failed", slog.Group("limits", "max", 10))

	want := []string{
		"checked path=a/b",
		"skipped file path=a/c err=file too large n=3",
		"grouped cataloger=npm g.k=v",
		"failed limits=[max=10]",
	}
	if diff := cmp.Diff(want, rec.Lines(slog.LevelDebug)); diff != "" {
		t.Errorf("Lines(Debug) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{want[1], want[3]}, rec.Lines(slog.LevelWarn)); diff != "" {
		t.Errorf("Lines(Warn) (-want +got):\n%s", diff)
	}
	if got, want := rec.String(), want[0]+"\n"+want[1]+"\n"+want[2]+"\n"+want[3]; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	recs := rec.Records()
	if len(recs) != 4 || recs[1].Level != slog.LevelWarn || recs[1].Message != "skipped file" || len(recs[1].Attrs) != 3 {
		t.Errorf("Records() = %+v", recs)
	}
	if rec.Logger().Handler() != slog.Handler(rec) {
		t.Error("Logger() does not write to the recorder")
	}
}

func TestLogRecorderLevel(t *testing.T) {
	t.Parallel()
	rec := &testenv.LogRecorder{Level: slog.LevelInfo}
	log := slog.New(rec).With("k", "v")
	log.Debug("dropped")
	log.Info("kept")
	if err := rec.Handle(t.Context(), slog.NewRecord(time.Time{}, slog.LevelDebug, "dropped too", 0)); err != nil {
		t.Fatal(err)
	}
	if got := rec.String(); got != "kept k=v" {
		t.Errorf("String() = %q, want only the Info record", got)
	}
}

// TestLogRecorderConcurrent is for -race: loggers sharing one recorder, and
// its children, log and read at once.
func TestLogRecorderConcurrent(t *testing.T) {
	t.Parallel()
	rec := &testenv.LogRecorder{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			log := slog.New(rec).With("worker", i)
			for j := range 100 {
				log.Warn("msg", "j", j)
				_ = rec.Lines(slog.LevelWarn)
			}
		})
	}
	wg.Wait()
	if n := len(rec.Records()); n != 800 {
		t.Errorf("%d records, want 800", n)
	}
	perWorker := map[string]int{}
	for _, r := range rec.Records() {
		perWorker[r.Attrs[0].String()]++
	}
	for i := range 8 {
		if n := perWorker[fmt.Sprintf("worker=%d", i)]; n != 100 {
			t.Errorf("worker %d: %d records, want 100", i, n)
		}
	}
}

func ExampleLogRecorder() {
	rec := &testenv.LogRecorder{}
	log := rec.Logger()
	log.Info("read file", "path", "app/package-lock.json")
	log.Warn("skipped file", "path", "app/yarn.lock", "err", "file too large")
	fmt.Println(rec.Lines(slog.LevelWarn))
	// Output: [skipped file path=app/yarn.lock err=file too large]
}
