package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// ErrTooLarge marks a file over the size cap its cataloger reads: it costs
// that file (a warning), never the catalog. The error wrapping it names the
// file's size where known and the cap.
var ErrTooLarge = errors.New("file too large")

// ErrNotRegular marks a path that is not a regular file (a directory, a
// device, a FIFO), which is never opened: opening a FIFO would block.
var ErrNotRegular = errors.New("not a regular file")

// tooLarge is ErrTooLarge for a file of size bytes (negative: not known, the
// read went past max) over max.
func tooLarge(size, max int64) error {
	if size >= 0 {
		return fmt.Errorf("%w: %d bytes, more than the limit of %d", ErrTooLarge, size, max)
	}
	return fmt.Errorf("%w: more than the limit of %d bytes", ErrTooLarge, max)
}

// OpenFile opens regular file p of fsys to read at most max bytes of it,
// and returns it with its size. It stats p first, so that a file whose size
// is over max is refused (ErrTooLarge) and a path that is not a regular file
// (ErrNotRegular) is refused before either is opened. The size is what the
// file system states: a reader must still stop past max bytes (ReadAll
// does), since a file can grow or lie. Errors of fsys are returned as it
// gives them (an *fs.PathError naming the path); Absent tells one that
// means the file is not there.
func OpenFile(fsys fs.FS, p string, max int64) (fs.File, int64, error) {
	fi, err := fs.Stat(fsys, p)
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, &fs.PathError{Op: "open", Path: p, Err: ErrNotRegular}
	}
	if fi.Size() > max {
		return nil, 0, tooLarge(fi.Size(), max)
	}
	f, err := fsys.Open(p)
	if err != nil {
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// ReadAll reads r to its end, at most max bytes: past them it stops and
// returns ErrTooLarge, having read max+1 bytes at most. size is the
// expected size (negative if not known), a hint that sizes the buffer once;
// a wrong one costs time, never more memory than max+1 bytes and the
// buffer's growth. An error of r is returned as it is.
func ReadAll(r io.Reader, size, max int64) ([]byte, error) {
	if size < 0 {
		size = 512
	}
	r = io.LimitReader(r, max+1)
	b := make([]byte, 0, min(size, max)+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > max {
			return nil, tooLarge(-1, max)
		}
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// ReadFile reads regular file p of fsys whole, at most max bytes (OpenFile,
// then ReadAll). A file over max is ErrTooLarge; a read error is wrapped
// with the path.
func ReadFile(fsys fs.FS, p string, max int64) ([]byte, error) {
	f, size, err := OpenFile(fsys, p, max)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := ReadAll(f, size, max)
	if err != nil && !errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, err
}

// OpenReaderAt opens file p of fsys, of size bytes (as Find states it), as
// an io.ReaderAt over at most max bytes: for an executable, whose formats
// are read by offset. A size over max is ErrTooLarge before p is opened.
// The file's own ReadAt serves the reads where it has one (the image view
// and os.DirFS do), limited to size bytes; any other file is read into
// memory, at most max bytes (ErrTooLarge past them). The caller closes the
// io.Closer when done with the io.ReaderAt. Errors of fsys are returned as
// it gives them.
func OpenReaderAt(fsys fs.FS, p string, size, max int64) (io.ReaderAt, io.Closer, error) {
	if size > max {
		return nil, nil, tooLarge(size, max)
	}
	f, err := fsys.Open(p)
	if err != nil {
		return nil, nil, err
	}
	if ra, ok := f.(io.ReaderAt); ok {
		return io.NewSectionReader(ra, 0, size), f, nil
	}
	defer f.Close()
	b, err := ReadAll(f, size, max)
	if err != nil {
		return nil, nil, err
	}
	return bytes.NewReader(b), noClose{}, nil
}

// noClose is the io.Closer of a file already read into memory.
type noClose struct{}

func (noClose) Close() error { return nil }

// Clip quotes s for a log message, cut to its first n bytes.
func Clip(s string, n int) string {
	if len(s) > n {
		return fmt.Sprintf("%q...", s[:n])
	}
	return fmt.Sprintf("%q", s)
}
