package image

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
)

// Config bounds a walk. Every limit applies per layer unless it says otherwise.
type Config struct {
	// CacheDir holds per-layer results (keyed by verified digest) and the
	// temporary files of a walk. Nothing is written anywhere else. Required.
	CacheDir string
	// NoCache walks every layer even when a cached result exists (results are
	// still written).
	NoCache bool
	// MaxLayerBytes caps the uncompressed size of one layer.
	MaxLayerBytes int64
	// MaxRatio caps uncompressed/compressed bytes once past a small floor
	// (decompression bombs).
	MaxRatio int64
	// MaxFileBytes caps one kept file.
	MaxFileBytes int64
	// MaxEntries caps the tar entries of one layer.
	MaxEntries int64
	// Parallel is how many layers are streamed at once (0 = number of CPUs).
	Parallel int
}

// Observer receives what a walk has to say. Both fields may be nil; Progress
// is called from several goroutines at once.
type Observer struct {
	Log      *slog.Logger
	Progress func(ProgressEvent)
}

// ProgressEvent reports the state of one layer during a walk.
type ProgressEvent struct {
	Layer  int    // index, base first
	Digest string // the layer's blob digest
	Total  int64  // blob size, -1 if unknown
	Done   int64  // blob bytes read so far
	Cached bool   // served from the cache; no bytes will be read
	Final  bool   // last event for this layer
}

// View is the file view of a walked image: the kept files as they stand after
// each layer. It implements inventory.Layered. Close removes its temporary files.
type View struct {
	layers []string
	fss    []fs.FS
}

// NumLayers is the number of layers in the view (1 for a directory).
func (v *View) NumLayers() int { return len(v.fss) }

// LayerID is the diff ID of layer i ("" for a directory).
func (v *View) LayerID(i int) string { return v.layers[i] }

// FS is the merged file system after layers 0..i.
func (v *View) FS(i int) fs.FS { return v.fss[i] }

// Touched lists the kept paths layer i added, replaced or removed.
func (v *View) Touched(i int) []string { return nil }

// Close releases the view's temporary files.
func (v *View) Close() error { return nil }

// Walk streams every layer of img once, keeping only the files that match keep
// (see inventory.Cataloger.Globs for the syntax), and returns the view.
func Walk(ctx context.Context, img *Image, keep []string, cfg Config, obs Observer) (*View, error) {
	return nil, errors.New("image.Walk: not implemented")
}
