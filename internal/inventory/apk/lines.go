package apk

import (
	"bufio"
	"errors"
	"io"
)

// lineReader reads lines of bounded length: a line longer than the buffer is
// returned truncated to the buffer size (and flagged), the rest discarded
// without being held in memory.
type lineReader struct {
	r       *bufio.Reader
	n       int    // number of the line last returned, from 1
	scratch []byte // holds a truncated line while its rest is discarded
}

func newLineReader(r io.Reader, size int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, size)}
}

// next returns the next line without its "\n" or "\r\n". The slice is valid
// until the next call. At the end it returns io.EOF.
func (l *lineReader) next() (line []byte, truncated bool, err error) {
	b, err := l.r.ReadSlice('\n')
	switch {
	case err == nil:
		l.n++
		return trimEOL(b), false, nil
	case errors.Is(err, bufio.ErrBufferFull):
		l.n++
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
		l.n++
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
