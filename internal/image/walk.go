package image

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
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
	// MaxKeptEntries caps what one layer may record: kept files, and the
	// symlinks, directories and whiteouts on the way to them. It bounds the
	// memory of a walk, which holds these records (never the skipped ones).
	MaxKeptEntries int64
	// MaxKeptBytes caps the total content one layer writes to CacheDir:
	// every kept file, a replaced one included (MaxFileBytes alone lets a
	// layer of many kept files fill the disk).
	MaxKeptBytes int64
	// Parallel is how many layers are streamed at once (0 = number of CPUs).
	Parallel int
	// Markers select files by content: a regular file with an execute bit
	// whose content starts with an executable magic (ELF, Mach-O, PE) and
	// contains one of these byte strings is kept as if a keep pattern named
	// it (Go binaries, cargo-auditable binaries: see
	// inventory.ContentCataloger). Empty keeps no file by content. Such a
	// file over MaxFileBytes, or past MaxKeptBytes, is skipped with a
	// warning instead of refusing the layer: no one asked for it by name.
	// At most 64 markers of 1 to 256 bytes.
	Markers [][]byte
	// Inspector, if set, sees every entry of every layer (and every file
	// of a directory source) during the walk; see Inspector. Its Key is
	// part of each layer's cache key.
	Inspector Inspector
}

// ratioFloor is the uncompressed size of a layer below which MaxRatio is not
// checked: small layers of zeros or repeated text are normal, and a bomb
// has cost nothing yet.
const ratioFloor = 64 << 20

// DefaultConfig returns limits that pass real images and stop bombs early.
// CacheDir must still be set.
func DefaultConfig() Config {
	return Config{
		// The largest real layers (CUDA, ML frameworks, game servers) reach
		// 10-20 GB uncompressed; 32 GiB leaves room without letting a
		// bomb run for minutes.
		MaxLayerBytes: 32 << 30,
		// Whole layers compress 2-10x with gzip and rarely beyond 30x; the
		// ratio is over the whole layer so far, so one big file of zeros in
		// a normal layer passes. gzip cannot exceed ~1030x, zstd has no
		// bound: 200 stops both after 64 MiB of output.
		MaxRatio: 200,
		// Package databases are the biggest files kept (an rpmdb.sqlite or
		// Packages is 10-200 MB); 1 GiB is far past any real one.
		MaxFileBytes: 1 << 30,
		// Real layers hold up to ~2 million entries (node_modules, Python
		// site-packages); 10 million bounds time, not memory (skipped
		// entries cost nothing).
		MaxEntries: 10_000_000,
		// A big Debian image records ~3 paths per package (doc directory,
		// copyright, status), some tens of thousands; 250 000 records cost
		// at most ~50 MB.
		MaxKeptEntries: 250_000,
		// The kept files of a real layer are package databases (at most a
		// few hundred MB: rpmdb.sqlite, Packages) plus small copyright and
		// release files; 2 GiB is several times the largest real one and
		// bounds the disk a layer can take (times Parallel for a walk).
		MaxKeptBytes: 2 << 30,
	}
}

// Validate reports a Config that cannot be walked with.
func (c Config) Validate() error {
	var errs []error
	if c.CacheDir == "" {
		errs = append(errs, errors.New("CacheDir is required"))
	}
	for _, l := range []struct {
		name string
		v    int64
	}{
		{"MaxLayerBytes", c.MaxLayerBytes}, {"MaxRatio", c.MaxRatio}, {"MaxFileBytes", c.MaxFileBytes},
		{"MaxEntries", c.MaxEntries}, {"MaxKeptEntries", c.MaxKeptEntries}, {"MaxKeptBytes", c.MaxKeptBytes},
	} {
		if l.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive (see DefaultConfig), got %d", l.name, l.v))
		}
	}
	if c.Parallel < 0 {
		errs = append(errs, fmt.Errorf("Parallel must not be negative, got %d", c.Parallel))
	}
	if len(c.Markers) > maxMarkers {
		errs = append(errs, fmt.Errorf("at most %d Markers, got %d", maxMarkers, len(c.Markers)))
	}
	for _, m := range c.Markers {
		if len(m) == 0 || len(m) > maxMarkerLen {
			errs = append(errs, fmt.Errorf("a marker must be 1 to %d bytes, got %d", maxMarkerLen, len(m)))
			break
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("image walk config: %w", err)
	}
	return nil
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
	layers  []string
	fss     []fs.FS
	touched [][]string
	tmp     string
	root    *os.Root
	// inspected holds Config.Inspector's result per layer; nil without one.
	inspected [][]byte
	once      sync.Once
	err       error
}

// NumLayers is the number of layers in the view (1 for a directory).
func (v *View) NumLayers() int { return len(v.fss) }

// LayerID is the diff ID of layer i ("" for a directory).
func (v *View) LayerID(i int) string { return v.layers[i] }

// FS is the merged file system after layers 0..i. It implements fs.StatFS,
// fs.ReadDirFS, fs.ReadFileFS and fs.ReadLinkFS; symlinks resolve as if its
// root were "/".
func (v *View) FS(i int) fs.FS { return v.fss[i] }

// Touched lists the kept paths layer i added, replaced or removed, sorted;
// nil means unknown (a directory, or a change that cannot be named).
func (v *View) Touched(i int) []string { return v.touched[i] }

// Close releases the view's temporary files. The cache stays.
func (v *View) Close() error {
	v.once.Do(func() {
		var errs []error
		if v.root != nil {
			errs = append(errs, v.root.Close())
		}
		if v.tmp != "" {
			errs = append(errs, os.RemoveAll(v.tmp))
		}
		v.err = errors.Join(errs...)
	})
	return v.err
}

// Walk streams every layer of img once, keeping only the files that match keep
// (see inventory.Cataloger.Globs for the syntax), and returns the view.
//
// A directory source ("dir") is walked once, in place: nothing is copied,
// and its view shows the kept files as they are in the directory (see
// walkDir). The cache is not used for it.
//
// Layers are walked in parallel and each is verified against its digest
// before its result is used or cached. A layer whose result is cached under
// the same digest and keep patterns is not opened at all. A refused layer
// fails the walk with a *LayerError.
func Walk(ctx context.Context, img *Image, keep []string, cfg Config, obs Observer) (*View, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if img == nil {
		return nil, errors.New("walk image: no image")
	}
	if obs.Log == nil {
		obs.Log = slog.New(slog.DiscardHandler)
	}
	if obs.Progress == nil {
		obs.Progress = func(ProgressEvent) {}
	}
	keep = slices.Compact(slices.Sorted(slices.Values(keep)))
	cfg.Markers = normMarkers(cfg.Markers)
	if img.Source == "dir" {
		return walkDirSource(ctx, img, keep, cfg, obs)
	}
	if len(img.Layers) == 0 {
		return nil, fmt.Errorf("walk %s: image has no layers", img.Name)
	}
	w := &walker{cfg: cfg, obs: obs, keep: keep, m: newMatcher(keep)}
	for _, d := range []string{w.layersDir(), filepath.Join(cfg.CacheDir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create cache directory: %w", err)
		}
	}
	tmp, err := os.MkdirTemp(filepath.Join(cfg.CacheDir, "tmp"), "walk-")
	if err != nil {
		return nil, fmt.Errorf("create temporary directory: %w", err)
	}
	w.tmp = tmp
	view, err := w.walk(ctx, img)
	if err != nil {
		_ = os.RemoveAll(tmp)
		return nil, err
	}
	return view, nil
}

// walkDirSource walks the directory of img and returns its view.
func walkDirSource(ctx context.Context, img *Image, keep []string, cfg Config, obs Observer) (*View, error) {
	root, err := os.OpenRoot(img.Dir)
	if err != nil {
		return nil, fmt.Errorf("open root file system: %w", err)
	}
	m := newMatcher(keep)
	d, skipped, err := walkDir(ctx, root, m, &cfg, obs.Log)
	if err != nil {
		_ = root.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("walk %s: %w", img.Dir, ctx.Err())
		}
		return nil, fmt.Errorf("walk %s: %w", img.Dir, err)
	}
	v := newDirView(root, d, m, skipped)
	view := &View{layers: []string{""}, fss: []fs.FS{v}, touched: [][]string{nil}, root: root}
	if cfg.Inspector != nil {
		view.inspected = [][]byte{d.inspected}
	}
	return view, nil
}

// walker is the state shared by the layers of one walk.
type walker struct {
	cfg    Config
	obs    Observer
	keep   []string
	m      *matcher
	tmp    string
	trashN atomic.Int64
}

func (w *walker) layersDir() string { return filepath.Join(w.cfg.CacheDir, "layers") }

func (w *walker) walk(ctx context.Context, img *Image) (*View, error) {
	n := len(img.Layers)
	results := make([]*layerData, n)
	first := make([]int, n) // index of the first layer with the same cache key
	seen := map[string]int{}
	for i, l := range img.Layers {
		first[i] = i
		if d, raw, err := layerDigest(l); err == nil {
			d = digestKind(raw) + ":" + d
			if j, ok := seen[d]; ok {
				first[i] = j
			} else {
				seen[d] = i
			}
		}
	}
	par := w.cfg.Parallel
	if par == 0 {
		par = runtime.NumCPU()
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(par)
	for i := range n {
		if first[i] != i {
			continue
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			d, err := w.layer(gctx, i, img.Layers[i])
			results[i] = d
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("walk %s: %w", img.Name, ctx.Err())
		}
		return nil, err
	}
	for i, l := range img.Layers {
		// Checked here for every layer: walked, cached or a repeat of
		// another with the same digest.
		if l.DiffID != "" && results[first[i]].diffID != l.DiffID {
			id := l.Digest
			if id == "" {
				id = l.DiffID
			}
			return nil, &LayerError{Layer: id, Reason: "diff ID mismatch",
				Err: fmt.Errorf("the layer's content was verified as %s, the image config says %s", results[first[i]].diffID, l.DiffID)}
		}
	}
	for i := range n {
		if first[i] != i {
			results[i] = results[first[i]]
			l := img.Layers[i]
			w.obs.Progress(ProgressEvent{Layer: i, Digest: l.Digest, Total: l.Size, Cached: true, Final: true})
		}
	}
	v := &View{tmp: w.tmp}
	if w.cfg.Inspector != nil {
		v.inspected = make([][]byte, n)
		for i := range n {
			v.inspected[i] = results[i].inspected
		}
	}
	for i, l := range img.Layers {
		v.layers = append(v.layers, l.DiffID)
		v.fss = append(v.fss, &mergedFS{layers: results[:i+1], m: w.m})
		v.touched = append(v.touched, w.touched(results, i, l))
	}
	return v, nil
}

// layerDigest returns the digest that identifies l (Digest, else DiffID)
// and whether it is the digest of the raw blob.
func layerDigest(l Layer) (string, bool, error) {
	d, raw := l.Digest, true
	if d == "" {
		d, raw = l.DiffID, false
	}
	if d == "" {
		return "", false, errors.New("layer has neither a digest nor a diff ID")
	}
	if !validSHA256(d) {
		return "", false, fmt.Errorf("unsupported digest %q (want sha256:<64 hex>)", d)
	}
	return d, raw, nil
}

func validSHA256(d string) bool {
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// layer returns the walked layer i, from the cache or by streaming it.
func (w *walker) layer(ctx context.Context, i int, l Layer) (*layerData, error) {
	digest, raw, err := layerDigest(l)
	if err != nil {
		id := l.Digest
		if id == "" {
			id = l.DiffID
		}
		return nil, &LayerError{Layer: id, Reason: "cannot verify layer", Err: err}
	}
	spec := cacheSpec{keep: w.keep, markers: w.cfg.Markers}
	if w.cfg.Inspector != nil {
		spec.inspector = w.cfg.Inspector.Key()
	}
	final := filepath.Join(w.layersDir(), cacheKey(digest, raw, spec))
	replace := w.cfg.NoCache
	if !w.cfg.NoCache {
		d, err := loadCached(final, digest, raw, spec)
		if err == nil {
			w.obs.Progress(ProgressEvent{Layer: i, Digest: l.Digest, Total: l.Size, Cached: true, Final: true})
			return d, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			w.obs.Log.Warn("layer cache entry unusable; walking the layer again", "layer", digest, "err", err)
			replace = true
		}
	}
	if l.Open == nil {
		return nil, &LayerError{Layer: digest, Reason: "layer cannot be opened"}
	}
	dir := filepath.Join(w.tmp, fmt.Sprintf("layer-%d", i))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("walk layer %s: %w", digest, err)
	}
	lw := &layerWalk{cfg: &w.cfg, obs: w.obs, m: w.m, index: i, layer: l, id: digest, verifyRaw: raw, dir: dir, data: newLayerData()}
	if len(w.cfg.Markers) > 0 {
		lw.search = newMarkerSearch(w.cfg.Markers)
	}
	if w.cfg.Inspector != nil {
		lw.insp = w.cfg.Inspector.Layer(i, l.DiffID)
	}
	d, err := lw.run(ctx)
	if err == nil && lw.insp != nil {
		if d.inspected, err = lw.insp.Result(); err != nil {
			err = fmt.Errorf("layer %s: inspection result: %w", digest, err)
		} else if d.inspected == nil {
			d.inspected = []byte{}
		}
	}
	if err != nil {
		_ = os.RemoveAll(dir) // now, not when the other layers are done
		return nil, err
	}
	d.index()
	if err := writeIndex(dir, digest, raw, spec, d); err != nil {
		return nil, fmt.Errorf("cache layer %s: %w", digest, err)
	}
	trash := filepath.Join(w.tmp, fmt.Sprintf("old-%d", w.trashN.Add(1)))
	if err := publish(dir, final, trash, replace); err != nil {
		return nil, fmt.Errorf("cache layer %s: %w", digest, err)
	}
	d.setDir(final)
	return d, nil
}
