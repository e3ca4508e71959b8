package python

import (
	"bufio"
	"errors"
	"io"
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

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, readBuf), max: max}
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
