package vulndb

import (
	"fmt"
	"io"
)

// Helpers the importers (alpine, debian, kev, osv, oval) share, so that
// each checks and reports hostile input the same way.

// SourceReader wraps the reader an importer is given and records its first
// error other than io.EOF, so that a failing disk or network (returned as
// an error) is told apart from bad data (a Problem) once a decoder above
// it has failed.
type SourceReader struct {
	r   io.Reader
	err error
}

// NewSourceReader returns a SourceReader reading r.
func NewSourceReader(r io.Reader) *SourceReader { return &SourceReader{r: r} }

func (s *SourceReader) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// Err is the first error of the wrapped reader other than io.EOF, or nil.
func (s *SourceReader) Err() error { return s.err }

// Clip shortens s to its first n bytes, followed by "...", for quoting a
// hostile value in an error; a string of at most n bytes is returned as is.
func Clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// TokenClip is how many bytes of a value CheckToken quotes in its errors.
const TokenClip = 80

// CheckToken checks a one-word field (a package name, a version, an ID):
// not empty, at most max bytes, without spaces, control characters, DEL or
// invalid UTF-8 (U+FFFD). what names the field in the error, which quotes s
// clipped to TokenClip bytes.
func CheckToken(what, s string, max int) error {
	switch {
	case s == "":
		return fmt.Errorf("empty %s", what)
	case len(s) > max:
		return fmt.Errorf("%s of %d bytes (limit %d): %q", what, len(s), max, Clip(s, TokenClip))
	}
	for _, c := range s {
		if c <= ' ' || c == 0x7f || c == '\uFFFD' {
			return fmt.Errorf("%s %q holds a space, control or invalid character", what, Clip(s, TokenClip))
		}
	}
	return nil
}
