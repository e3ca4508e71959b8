package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

const (
	// maxPath is the longest tar path or link target accepted (PATH_MAX).
	maxPath = 4096
	// progressEvery throttles progress events per layer.
	progressEvery = 1 << 20
	// readBuffer is the read-ahead on the raw blob: large reads keep the
	// source (file, HTTP body) out of the decompressor's way.
	readBuffer = 1 << 20
	// maxZstdWindow bounds the decoder's memory: level 19 uses 8 MiB and
	// --long=26 64 MiB; larger windows are refused as hostile.
	maxZstdWindow = 64 << 20
)

var (
	magicGzip = []byte{0x1f, 0x8b}
	magicZstd = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// layerWalk streams one layer: hash, decompress, read the tar once, keep
// what matches and remember nothing else.
type layerWalk struct {
	cfg       *Config
	obs       Observer
	m         *matcher
	index     int
	layer     Layer
	id        string // digest verified: Digest, else DiffID
	verifyRaw bool   // id is the digest of the raw blob
	dir       string // where kept contents go
	data      *layerData
	search    *markerSearch  // nil: no Config.Markers
	insp      LayerInspector // nil: no Config.Inspector
	mem       []byte         // contentMemory bytes, allocated on first use

	kept      int64
	keptBytes int64 // content written to dir, replaced files included
	nblob     int
	blobRefs  map[string]int
	buf       []byte
	warned    map[string]int // contained problems: reason -> count
	firstBad  map[string]string
}

func (w *layerWalk) refuse(p, reason string, err error) error {
	return &LayerError{Layer: w.id, Path: p, Reason: reason, Err: err}
}

// contain notes a problem that the walk contains rather than refuses. Each
// reason is logged once per layer with its first path; the count comes last.
func (w *layerWalk) contain(reason, p string) {
	if w.warned[reason] == 0 {
		w.firstBad[reason] = p
	}
	w.warned[reason]++
}

func (w *layerWalk) logContained() {
	for reason, n := range w.warned {
		w.obs.Log.Warn("hostile layer entry contained", slog.String("layer", w.id),
			slog.String("reason", reason), slog.String("path", w.firstBad[reason]), slog.Int("count", n))
	}
}

func (w *layerWalk) run(ctx context.Context) (*layerData, error) {
	w.blobRefs = map[string]int{}
	w.warned = map[string]int{}
	w.firstBad = map[string]string{}
	w.buf = make([]byte, 64<<10)
	defer w.logContained()

	rc, err := w.layer.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("open layer %s: %w", w.id, err)
	}
	defer rc.Close()
	// A blocked read (network) is unblocked by closing the blob.
	stop := context.AfterFunc(ctx, func() { _ = rc.Close() })
	defer stop()

	limit := w.layer.Size
	if limit < 0 {
		limit = w.cfg.MaxLayerBytes
	}
	raw := &rawReader{ctx: ctx, r: rc, limit: limit, w: w}
	if w.verifyRaw {
		raw.h = sha256.New()
	}
	defer func() {
		w.obs.Progress(ProgressEvent{Layer: w.index, Digest: w.layer.Digest, Total: w.layer.Size, Done: raw.n, Final: true})
	}()
	br := bufio.NewReaderSize(raw, readBuffer)

	var dec io.Reader
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, magicGzip):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, w.streamErr(ctx, "malformed gzip stream", err)
		}
		defer zr.Close()
		dec = zr
	case bytes.HasPrefix(magic, magicZstd):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow),
			zstd.WithDecoderMaxMemory(uint64(w.cfg.MaxLayerBytes)))
		if err != nil {
			return nil, w.streamErr(ctx, "malformed zstd stream", err)
		}
		defer zr.Close()
		dec = zr
	default:
		dec = br
	}
	// The uncompressed stream is always hashed: it is the diff ID, which
	// the cache entry records and which must match the image config's.
	un := &unReader{r: dec, w: w, raw: raw, br: br, h: sha256.New()}
	if err := w.entries(ctx, tar.NewReader(un)); err != nil {
		return nil, err
	}
	// Read both streams to their ends so the digest covers every byte:
	// tar padding, trailing members, trailing garbage.
	if _, err := io.CopyBuffer(io.Discard, un, w.buf); err != nil {
		return nil, w.streamErr(ctx, "corrupt data after the tar archive", err)
	}
	if _, err := io.CopyBuffer(io.Discard, br, w.buf); err != nil {
		return nil, w.streamErr(ctx, "reading the layer blob", err)
	}
	diffID := "sha256:" + hex.EncodeToString(un.h.Sum(nil))
	if w.verifyRaw {
		if got := "sha256:" + hex.EncodeToString(raw.h.Sum(nil)); got != w.id {
			return nil, w.refuse("", "digest mismatch", fmt.Errorf("content hashes to %s", got))
		}
	}
	if want := w.layer.DiffID; want != "" && diffID != want || !w.verifyRaw && diffID != w.id {
		return nil, w.refuse("", "diff ID mismatch", fmt.Errorf("uncompressed content hashes to %s, the image config says %s", diffID, w.layer.DiffID))
	}
	w.data.diffID = diffID
	return w.data, nil
}

// streamErr turns an error out of the streams into the walk's error: ours
// pass through, cancellation stays cancellation, the rest is the layer's fault.
func (w *layerWalk) streamErr(ctx context.Context, reason string, err error) error {
	var le *LayerError
	if errors.As(err, &le) {
		return le
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		reason = "truncated layer"
	}
	return w.refuse("", reason, err)
}

// entries reads the tar once.
func (w *layerWalk) entries(ctx context.Context, tr *tar.Reader) error {
	var count int64
	last := ""
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			e := w.streamErr(ctx, "malformed tar", err)
			if le, ok := e.(*LayerError); ok && le.Path == "" {
				le.Path = last // the entry after this one is the broken one
				if le.Reason == "malformed tar" {
					le.Reason = "malformed tar header after this entry"
				}
			}
			return e
		}
		if count++; count > w.cfg.MaxEntries {
			return w.refuse(hdr.Name, "too many tar entries", fmt.Errorf("more than %d", w.cfg.MaxEntries))
		}
		last = hdr.Name
		if err := w.entry(ctx, hdr, tr); err != nil {
			return err
		}
	}
}

// cleanPath makes a tar path relative to the root and clean. It reports
// whether it was absolute and whether it climbs out of the root. It does not
// allocate for the usual "a/b", "./a/b" and "a/b/" forms.
func cleanPath(name string) (p string, abs, escapes bool) {
	for strings.HasPrefix(name, "/") {
		name, abs = name[1:], true
	}
	for strings.HasPrefix(name, "./") {
		name = name[2:]
	}
	p = path.Clean(name)
	escapes = p == ".." || strings.HasPrefix(p, "../")
	return p, abs, escapes
}

func (w *layerWalk) entry(ctx context.Context, hdr *tar.Header, tr *tar.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	name := hdr.Name
	if len(name) > maxPath {
		return w.refuse(name[:64]+"...", "path too long", fmt.Errorf("%d bytes", len(name)))
	}
	if hdr.Size < 0 || hdr.Size > w.cfg.MaxLayerBytes {
		return w.refuse(name, "absurd entry size", fmt.Errorf("%d bytes", hdr.Size))
	}
	p, abs, escapes := cleanPath(name)
	base := path.Base(p)
	if strings.HasPrefix(base, ".wh.") {
		if escapes {
			w.contain("whiteout outside the root ignored", name)
			return nil
		}
		if abs {
			w.contain("absolute whiteout path made relative", name)
		}
		return w.whiteout(ctx, p, base, name)
	}
	if escapes {
		return w.refuse(name, "path escapes the root", nil)
	}
	if abs {
		w.contain("absolute path made relative", name)
	}
	if p == "." {
		return nil
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
		return w.regular(ctx, p, hdr, tr)
	case tar.TypeDir:
		if err := w.inspectEntry(ctx, tarInfo(p, hdr, EntryDir)); err != nil {
			return err
		}
		if w.m.relevant(p) {
			return w.record(&entry{Path: p, Kind: kindDir, Mode: uint32(hdr.Mode) & 0o7777, MTime: hdr.ModTime.Unix()})
		}
	case tar.TypeSymlink:
		if len(hdr.Linkname) > maxPath {
			return w.refuse(name, "symlink target too long", fmt.Errorf("%d bytes", len(hdr.Linkname)))
		}
		if w.insp != nil {
			e := tarInfo(p, hdr, EntrySymlink)
			e.Target = hdr.Linkname
			if err := w.inspectEntry(ctx, e); err != nil {
				return err
			}
		}
		if w.m.relevant(p) {
			t := hdr.Linkname
			if strings.HasPrefix(t, "/") {
				w.contain("absolute symlink resolved inside the root", name)
			} else if c := path.Clean(path.Join(path.Dir(p), t)); c == ".." || strings.HasPrefix(c, "../") {
				w.contain("symlink pointing outside the root resolved inside it", name)
			}
			return w.record(&entry{Path: p, Kind: kindSymlink, Mode: 0o777, Target: t, MTime: hdr.ModTime.Unix()})
		}
	case tar.TypeLink:
		if err := w.hardlink(p, hdr); err != nil || w.insp == nil {
			return err
		}
		e := tarInfo(p, hdr, EntryHardlink)
		e.Target, _, _ = cleanPath(hdr.Linkname)
		return w.inspectEntry(ctx, e)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		if err := w.inspectEntry(ctx, tarInfo(p, hdr, EntryOther)); err != nil {
			return err
		}
		if w.m.keep(p) {
			w.contain("device node or fifo at a kept path recorded, never opened", name)
		}
		if w.m.relevant(p) {
			return w.record(&entry{Path: p, Kind: kindOther, Mode: uint32(hdr.Mode) & 0o7777, MTime: hdr.ModTime.Unix()})
		}
	}
	return nil
}

func (w *layerWalk) whiteout(ctx context.Context, p, base, name string) error {
	dir := path.Dir(p)
	if base == ".wh..wh..opq" {
		if err := w.inspectEntry(ctx, EntryInfo{Path: dir, Type: EntryOpaque}); err != nil {
			return err
		}
		if dir == "." || w.search != nil || w.m.relevant(dir) {
			w.data.opaques[dir] = struct{}{}
			return w.count(name)
		}
		return nil
	}
	if strings.HasPrefix(base, ".wh..wh.") {
		return nil // aufs bookkeeping (.wh..wh.plnk and the like)
	}
	target := base[len(".wh."):]
	if target == "." || target == ".." || target == "" {
		w.contain("malformed whiteout ignored", name)
		return nil
	}
	t := target
	if dir != "." {
		t = dir + "/" + target
	}
	if err := w.inspectEntry(ctx, EntryInfo{Path: t, Type: EntryWhiteout}); err != nil {
		return err
	}
	// With Markers, any path may hold a kept executable of a lower layer.
	if w.search != nil || w.m.relevant(t) {
		w.data.whiteouts[t] = struct{}{}
		return w.count(name)
	}
	return nil
}

func (w *layerWalk) count(name string) error {
	if w.kept++; w.kept > w.cfg.MaxKeptEntries {
		return w.refuse(name, "too many kept entries", fmt.Errorf("more than %d", w.cfg.MaxKeptEntries))
	}
	return nil
}

// record stores e, replacing an earlier entry at the same path.
func (w *layerWalk) record(e *entry) error {
	if err := w.count(e.Path); err != nil {
		return err
	}
	if old := w.data.entries[e.Path]; old != nil {
		w.kept-- // replaced, not added
		if old.Blob != "" {
			if w.blobRefs[old.Blob]--; w.blobRefs[old.Blob] == 0 {
				_ = os.Remove(filepath.Join(w.dir, old.Blob))
			}
		}
	}
	if e.Blob != "" {
		w.blobRefs[e.Blob]++
	}
	for a := path.Dir(e.Path); a != "."; a = path.Dir(a) {
		if s := w.data.entries[a]; s != nil && s.Kind == kindSymlink {
			w.contain("entry below a symlink of the same layer is not written through it", e.Path)
			break
		}
	}
	w.data.entries[e.Path] = e
	return nil
}

func (w *layerWalk) keepFile(p string, hdr *tar.Header, tr io.Reader) error {
	if hdr.Size > w.cfg.MaxFileBytes {
		return w.refuse(hdr.Name, "kept file too large", fmt.Errorf("%d bytes, limit %d", hdr.Size, w.cfg.MaxFileBytes))
	}
	if w.keptBytes += hdr.Size; w.keptBytes > w.cfg.MaxKeptBytes {
		return w.refuse(hdr.Name, "kept files too large in total", fmt.Errorf("more than %d bytes", w.cfg.MaxKeptBytes))
	}
	blob := "f" + strconv.Itoa(w.nblob)
	w.nblob++
	f, err := os.OpenFile(filepath.Join(w.dir, blob), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("layer %s: keep %s: %w", w.id, hdr.Name, err)
	}
	n, err := io.CopyBuffer(onlyWriter{f}, io.LimitReader(tr, w.cfg.MaxFileBytes+1), w.buf)
	if cerr := f.Close(); err == nil && cerr != nil {
		return fmt.Errorf("layer %s: keep %s: %w", w.id, hdr.Name, cerr)
	}
	if err != nil {
		var le *LayerError
		if errors.As(err, &le) {
			return le
		}
		return w.refuse(hdr.Name, "truncated or corrupt file content", err)
	}
	if n != hdr.Size {
		return w.refuse(hdr.Name, "file content shorter than its header", fmt.Errorf("%d of %d bytes", n, hdr.Size))
	}
	return w.record(&entry{Path: p, Kind: kindFile, Mode: uint32(hdr.Mode) & 0o7777, Size: n, MTime: hdr.ModTime.Unix(), Blob: blob})
}

func (w *layerWalk) hardlink(p string, hdr *tar.Header) error {
	t, _, escapes := cleanPath(hdr.Linkname)
	if escapes || len(hdr.Linkname) > maxPath {
		return w.refuse(hdr.Name, "hardlink target outside the root", fmt.Errorf("target %q", hdr.Linkname))
	}
	target := w.data.entries[t]
	// A link to an executable kept by its content is kept too: same content.
	keep := w.m.keep(p) || target != nil && target.Content
	if !keep && !w.m.relevant(p) {
		return nil
	}
	switch {
	case keep && (target == nil || target.Kind == kindDir || target.Kind == kindFile && target.Blob == ""):
		// The content is elsewhere (an unkept file, a lower layer): record
		// the path so that reading it fails loudly with ErrNotKept rather
		// than looking absent.
		w.contain("kept path is a hardlink to a file that was not kept", hdr.Name)
		return w.record(&entry{Path: p, Kind: kindFile, Mode: uint32(hdr.Mode) & 0o7777, MTime: hdr.ModTime.Unix(), Link: t})
	case target == nil || target.Kind == kindDir:
		return w.record(&entry{Path: p, Kind: kindFile, Mode: uint32(hdr.Mode) & 0o7777, MTime: hdr.ModTime.Unix()})
	}
	e := *target
	e.Path = p
	if !keep {
		e.Blob, e.Content = "", false
	}
	return w.record(&e)
}

// onlyWriter hides os.File's ReaderFrom so copies use our buffer.
type onlyWriter struct{ io.Writer }

// rawReader reads the blob: it hashes, counts, reports progress, enforces
// the blob's size and stops on cancellation.
type rawReader struct {
	ctx      context.Context
	r        io.Reader
	h        hash.Hash
	n        int64
	limit    int64
	reported int64
	w        *layerWalk
}

func (r *rawReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(p)
	if n > 0 {
		if r.h != nil {
			r.h.Write(p[:n])
		}
		r.n += int64(n)
		if r.n > r.limit {
			reason := "blob larger than its size"
			if r.w.layer.Size < 0 {
				reason = "layer too large"
			}
			return n, r.w.refuse("", reason, fmt.Errorf("more than %d bytes", r.limit))
		}
		if r.n-r.reported >= progressEvery {
			r.reported = r.n
			r.w.obs.Progress(ProgressEvent{Layer: r.w.index, Digest: r.w.layer.Digest, Total: r.w.layer.Size, Done: r.n})
		}
	}
	if err != nil && r.ctx.Err() != nil {
		return n, r.ctx.Err()
	}
	return n, err
}

// unReader counts uncompressed bytes and stops bombs: past MaxLayerBytes,
// or past ratioFloor with more than MaxRatio times the compressed bytes
// consumed so far.
type unReader struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	w   *layerWalk
	raw *rawReader
	br  *bufio.Reader
}

func (u *unReader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if n > 0 {
		if u.h != nil {
			u.h.Write(p[:n])
		}
		u.n += int64(n)
		if u.n > u.w.cfg.MaxLayerBytes {
			return n, u.w.refuse("", "layer too large when decompressed", fmt.Errorf("more than %d bytes", u.w.cfg.MaxLayerBytes))
		}
		if u.n > ratioFloor {
			in := u.raw.n - int64(u.br.Buffered())
			if u.n/max(in, 1) > u.w.cfg.MaxRatio {
				return n, u.w.refuse("", "decompression bomb", fmt.Errorf("%d bytes from %d compressed, ratio limit %d", u.n, in, u.w.cfg.MaxRatio))
			}
		}
	}
	return n, err
}
