package vulndb

import "io"

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
