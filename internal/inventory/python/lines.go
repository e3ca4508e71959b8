package python

import (
	"bufio"
	"errors"
	"io"
	"sync"
)

// readBuf is the read buffer of a lineReader: small, so that reading the
// few KiB of a metadata header does not pull in the description after it.
const readBuf = 4 << 10

// lineReader reads lines of at most max bytes through a small buffer: a
// longer line is returned flagged as too long, its content dropped, without
// ever holding more than max bytes of it.
type lineReader struct {
	r    *bufio.Reader
	max  int
	n    int    // number of the line last returned, from 1
	long []byte // holds a line longer than the buffer
}

// newLineReader reads r through br (reset to read r; nil: a new one).
func newLineReader(br *bufio.Reader, r io.Reader, max int) *lineReader {
	if br == nil {
		br = bufio.NewReaderSize(r, readBuf)
	} else {
		br.Reset(r)
	}
	return &lineReader{r: br, max: max}
}

// readers lends the read buffers of line readers, so that a Catalog over
// thousands of metadata files does not allocate a buffer for each.
type readers struct{ pool sync.Pool }

func (p *readers) get() *bufio.Reader {
	if br, ok := p.pool.Get().(*bufio.Reader); ok {
		return br
	}
	return bufio.NewReaderSize(nil, readBuf)
}

// put returns br, which must no longer be used.
func (p *readers) put(br *bufio.Reader) {
	br.Reset(nil)
	p.pool.Put(br)
}

// next returns the next line without "\n" or "\r\n", valid until the next
// call; tooLong reports a line over max bytes (line is then nil). At the end
// it returns io.EOF.
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	b, err := l.r.ReadSlice('\n')
	if err == nil || (errors.Is(err, io.EOF) && len(b) > 0) {
		l.n++
		if len(trimEOL(b)) > l.max {
			return nil, true, nil
		}
		return trimEOL(b), false, nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, false, err
	}
	l.n++
	l.long = append(l.long[:0], b...)
	for {
		b, err = l.r.ReadSlice('\n')
		if len(l.long) <= l.max+2 {
			l.long = append(l.long, b...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			break
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	line = trimEOL(l.long)
	if len(line) > l.max {
		return nil, true, nil
	}
	return line, false, nil
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}
