// Package lines reads text databases (dpkg status, apk installed) line by
// line with a bounded buffer, so that a hostile file with an endless line
// costs no more memory than the buffer.
package lines

import (
	"bufio"
	"errors"
	"io"
)

// Reader reads lines of bounded length: a line longer than the buffer is
// returned truncated to the buffer size (and flagged), the rest discarded
// without being held in memory.
type Reader struct {
	r       *bufio.Reader
	N       int    // number of the line last returned, from 1
	scratch []byte // holds a truncated line while its rest is discarded
}

// NewReader reads r with a buffer of size bytes, the longest line kept whole.
func NewReader(r io.Reader, size int) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, size)}
}

// Next returns the next line without its "\n" or "\r\n". The slice is valid
// until the next call. At the end it returns io.EOF.
func (l *Reader) Next() (line []byte, truncated bool, err error) {
	b, err := l.r.ReadSlice('\n')
	switch {
	case err == nil:
		l.N++
		return trimEOL(b), false, nil
	case errors.Is(err, bufio.ErrBufferFull):
		l.N++
		l.scratch = append(l.scratch[:0], b...)
		for {
			_, err = l.r.ReadSlice('\n')
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false, err
		}
		return l.scratch, true, nil
	case errors.Is(err, io.EOF):
		if len(b) == 0 {
			return nil, false, io.EOF
		}
		l.N++
		return trimEOL(b), false, nil
	default:
		return nil, false, err
	}
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
