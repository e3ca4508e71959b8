package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// EntryType says what a layer entry is, for an Inspector.
type EntryType uint8

const (
	EntryFile     EntryType = iota // regular file
	EntryDir                       // directory
	EntrySymlink                   // symbolic link; Target is its target as written
	EntryHardlink                  // hard link; Target is the cleaned path it links to (its content was seen there)
	EntryOther                     // device node or fifo
	EntryWhiteout                  // Path was deleted: a whiteout of this layer hides it and everything below it
	EntryOpaque                    // Path is an opaque directory: everything lower layers put below it is hidden
)

// EntryInfo describes one entry of a layer (or one file of a directory
// source) as an Inspector sees it. Path is clean, relative to the root and
// confined to it, as for the View.
type EntryInfo struct {
	Path string
	Type EntryType
	// Mode holds the permission bits and fs.ModeSetuid, fs.ModeSetgid and
	// fs.ModeSticky; the type is in Type.
	Mode     fs.FileMode
	Size     int64
	UID, GID int
	Target   string
}

// Inspector looks at every entry of every layer while the walk streams it,
// in the same single pass that builds the View: a secret scanner reads file
// contents, a permission check reads modes. Its per-layer result is opaque
// bytes, cached with the layer: a walk that finds a layer in the cache
// returns the stored result and never opens the blob.
type Inspector interface {
	// Key names the inspector and every setting that changes its result;
	// it is part of the layer's cache key.
	Key() string
	// Layer returns the inspector of layer index (diffID is the diff ID
	// the image config gives, "" for a directory). Layers are walked in
	// parallel: Layer is called from several goroutines, and each
	// LayerInspector from one goroutine at a time.
	Layer(index int, diffID string) LayerInspector
}

// LayerInspector inspects one layer.
type LayerInspector interface {
	// Want reports whether Entry needs the content of the regular file e.
	Want(e EntryInfo) bool
	// Entry is called for every entry of the layer, in tar order (for a
	// directory source: in walk order). content is the whole content of a
	// regular file Want asked for, else nil; Entry may stop reading it
	// early. An error fails the walk.
	Entry(ctx context.Context, e EntryInfo, content io.Reader) error
	// Result is called once the layer has been read and verified; the bytes
	// are cached with the layer and given back by View.Inspected.
	Result() ([]byte, error)
}

// Inspected returns the result the Config.Inspector gave for layer i
// (walked now or read from the cache); nil without an inspector.
func (v *View) Inspected(i int) []byte {
	if v.inspected == nil {
		return nil
	}
	return v.inspected[i]
}

func tarInfo(p string, hdr *tar.Header, t EntryType) EntryInfo {
	m := fs.FileMode(hdr.Mode) & fs.ModePerm
	if hdr.Mode&04000 != 0 {
		m |= fs.ModeSetuid
	}
	if hdr.Mode&02000 != 0 {
		m |= fs.ModeSetgid
	}
	if hdr.Mode&01000 != 0 {
		m |= fs.ModeSticky
	}
	e := EntryInfo{Path: p, Type: t, Mode: m, UID: hdr.Uid, GID: hdr.Gid}
	if t == EntryFile {
		e.Size = hdr.Size
	}
	return e
}

// inspectEntry hands a non-regular entry to the inspector.
func (w *layerWalk) inspectEntry(ctx context.Context, e EntryInfo) error {
	if w.insp == nil {
		return nil
	}
	if err := w.insp.Entry(ctx, e, nil); err != nil {
		return fmt.Errorf("layer %s: inspect %s: %w", w.id, e.Path, err)
	}
	return nil
}

// regular handles a regular file: kept by a keep pattern, kept by content,
// or only recorded, and shown to the inspector. When the inspector wants the
// content and the walk reads it too (kept files, executable candidates), the
// walk's reads are teed to the inspector, which runs in its own goroutine;
// what the walk leaves unread is read for it. Other wanted files are read by
// the inspector straight from the tar stream.
func (w *layerWalk) regular(ctx context.Context, p string, hdr *tar.Header, tr *tar.Reader) error {
	info := EntryInfo{}
	want := false
	if w.insp != nil {
		info = tarInfo(p, hdr, EntryFile)
		want = w.insp.Want(info)
	}
	keep := w.m.keep(p)
	shared := want && (keep || w.contentCandidate(hdr))
	var r io.Reader = tr
	var tee *teeInspect
	if shared {
		tee = w.startTee(ctx, info, tr)
		r = tee
	}
	err := w.regularWalk(p, hdr, r, keep)
	if tee != nil {
		if ierr := tee.finish(err); err == nil && ierr != nil {
			return w.inspectErr(ctx, p, hdr, ierr)
		}
		return err
	}
	if err != nil || w.insp == nil {
		return err
	}
	var content io.Reader
	if want {
		content = &markReader{tr}
	}
	if err := w.insp.Entry(ctx, info, content); err != nil {
		return w.inspectErr(ctx, p, hdr, err)
	}
	return nil
}

// inspectErr is the walk's error for an inspector's failure on the regular
// file p: a corrupt stream the inspector read refuses the layer as the
// walk's own reads do; anything else says which file was being inspected.
func (w *layerWalk) inspectErr(ctx context.Context, p string, hdr *tar.Header, err error) error {
	var le *LayerError
	if errors.As(err, &le) {
		return le
	}
	if ctx.Err() == nil && isReadErr(err) {
		return w.refuse(hdr.Name, "truncated or corrupt file content", err)
	}
	return fmt.Errorf("layer %s: inspect %s: %w", w.id, p, err)
}

func (w *layerWalk) regularWalk(p string, hdr *tar.Header, r io.Reader, keep bool) error {
	if keep {
		return w.keepFile(p, hdr, r)
	}
	if kept, err := w.keepByContent(p, hdr, r); kept || err != nil {
		return err
	}
	if w.m.relevant(p) {
		return w.record(&entry{Path: p, Kind: kindFile, Mode: uint32(hdr.Mode) & 0o7777, Size: hdr.Size, MTime: hdr.ModTime.Unix()})
	}
	return nil
}

// contentCandidate reports whether keepByContent will read hdr's content.
func (w *layerWalk) contentCandidate(hdr *tar.Header) bool {
	return w.search != nil && hdr.Mode&0o111 != 0 && hdr.Size >= minContentSize
}

// readErr marks errors of the tar stream seen by an inspector.
type readErr struct{ err error }

func (e *readErr) Error() string { return e.err.Error() }
func (e *readErr) Unwrap() error { return e.err }

func isReadErr(err error) bool {
	var re *readErr
	return errors.As(err, &re)
}

// markReader marks the errors of the stream it reads as readErr, so that a
// corrupt entry read by the inspector refuses the layer like one read by
// the walk.
type markReader struct{ r io.Reader }

func (m *markReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readErr{err}
	}
	return n, err
}

// teeInspect is the reader the walk reads a shared file through: every
// byte it returns also goes to the inspector's goroutine, through a pipe.
// Once the inspector has stopped reading, the rest is not sent.
type teeInspect struct {
	r    io.Reader
	pw   *io.PipeWriter
	buf  []byte
	dead bool
	done chan error
}

func (w *layerWalk) startTee(ctx context.Context, info EntryInfo, tr io.Reader) *teeInspect {
	pr, pw := io.Pipe()
	t := &teeInspect{r: tr, pw: pw, buf: w.buf, done: make(chan error, 1)}
	go func() {
		err := w.insp.Entry(ctx, info, pr)
		// Unblock the walk's writes and let it know the rest is unwanted.
		_ = pr.CloseWithError(errInspectorDone)
		t.done <- err
	}()
	return t
}

var errInspectorDone = errors.New("inspector done")

func (t *teeInspect) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 && !t.dead {
		if _, werr := t.pw.Write(p[:n]); werr != nil {
			t.dead = true
		}
	}
	return n, err
}

// finish reads what the walk left for the inspector, closes the pipe and
// waits for the inspector. walkErr is the walk's own result for the file;
// it is returned when set, else the inspector's error.
func (t *teeInspect) finish(walkErr error) error {
	if walkErr == nil && !t.dead {
		for !t.dead {
			if _, err := t.Read(t.buf); err != nil {
				if err != io.EOF {
					walkErr = &readErr{err} // the stream's fault, as if the walk had read it
				}
				break
			}
		}
	}
	if walkErr != nil {
		_ = t.pw.CloseWithError(&readErr{walkErr})
	} else {
		_ = t.pw.Close()
	}
	err := <-t.done
	if walkErr != nil {
		return walkErr
	}
	return err
}
