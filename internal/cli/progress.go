package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/image"
)

// progress draws one status line for a layer walk on a terminal, redrawn a
// few times a second; stop clears it.
type progress struct {
	w      io.Writer
	mu     sync.Mutex
	layers []image.ProgressEvent
	start  time.Time
	done   chan struct{}
	wg     sync.WaitGroup
}

func newProgress(w io.Writer, layers int) *progress {
	p := &progress{w: w, layers: make([]image.ProgressEvent, layers), start: time.Now(), done: make(chan struct{})}
	for i := range p.layers {
		p.layers[i].Total = -1
	}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *progress) update(ev image.ProgressEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ev.Layer >= 0 && ev.Layer < len(p.layers) {
		p.layers[ev.Layer] = ev
	}
}

func (p *progress) loop() {
	defer p.wg.Done()
	t := time.NewTicker(150 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			fmt.Fprint(p.w, "\r\x1b[2K")
			return
		case <-t.C:
			fmt.Fprint(p.w, "\r\x1b[2K"+p.line())
		}
	}
}

// line summarises the walk: layers finished, cached, bytes and rate.
func (p *progress) line() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var finished, cached int
	var done, total int64
	known := true
	for _, l := range p.layers {
		if l.Final {
			finished++
		}
		if l.Cached {
			cached++
			continue
		}
		done += l.Done
		if l.Total < 0 {
			known = false
		} else {
			total += l.Total
		}
	}
	secs := time.Since(p.start).Seconds()
	rate := float64(done) / 1e6 / max(secs, 0.001)
	size := fmt.Sprintf("%.1f MB", float64(done)/1e6)
	if known && total > 0 {
		size = fmt.Sprintf("%.1f/%.1f MB", float64(done)/1e6, float64(total)/1e6)
	}
	s := fmt.Sprintf("layers %d/%d", finished, len(p.layers))
	if cached > 0 {
		s += fmt.Sprintf(" (%d cached)", cached)
	}
	return fmt.Sprintf("%s  %s  %.1f MB/s", s, size, rate)
}

func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
}
