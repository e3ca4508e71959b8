package apk

import (
	"bytes"
	"fmt"

	"github.com/vigil-sec/vigil/internal/inventory/filelist"
)

// fileState follows the F: (folder) and R: (file in that folder) lines of
// the stanza being read and gathers its Files.
type fileState struct {
	list   *filelist.Builder
	folder []byte // copy of the current F: value
	path   []byte // scratch: the path of the R: line being read
	// folderBad is why the current folder is unusable ("" when it is, or
	// when there is none yet: noFolder).
	folderBad string
	noFolder  bool
	dropped   int
	firstBad  string
	why       string
}

// start resets the state for a new stanza.
func (s *fileState) start() {
	s.list.Reset()
	s.folder, s.folderBad, s.noFolder = s.folder[:0], "", true
	s.dropped, s.firstBad, s.why = 0, "", ""
}

func (s *fileState) drop(line []byte, why string) {
	s.dropped++
	if s.firstBad == "" {
		s.firstBad, s.why = clip(line, 80), why
	}
}

// line takes an F: or R: line (value after "K:"); truncated lines are
// dropped. It reports false when the run's budget is spent: no more paths
// are wanted.
func (s *fileState) line(key byte, line []byte, truncated bool) bool {
	v := line[2:]
	if key == 'F' {
		s.folder, s.noFolder, s.folderBad = append(s.folder[:0], v...), false, ""
		switch {
		case truncated:
			s.folderBad = "folder line too long"
		case len(v) > 0:
			// "F:" alone is the root folder.
			s.folderBad = filelist.Problem(v)
		}
		return true
	}
	switch {
	case s.noFolder:
		s.drop(line, "file before any folder (F:) line")
	case s.folderBad != "":
		s.drop(line, "in a dropped folder: "+s.folderBad)
	case truncated:
		s.drop(line, "line too long")
	case len(v) == 0 || bytes.IndexByte(v, '/') >= 0 || string(v) == "." || string(v) == "..":
		s.drop(line, "not a file name")
	case len(s.folder)+1+len(v) > filelist.MaxPath:
		s.drop(line, fmt.Sprintf("path longer than %d bytes", filelist.MaxPath))
	default:
		s.path = s.path[:0]
		if len(s.folder) > 0 {
			s.path = append(append(s.path, s.folder...), '/')
		}
		s.path = append(s.path, v...)
		// The folder passed Problem and v is one element: of what Problem
		// checks, only a NUL byte is left to find.
		if why, ok := s.list.Add(s.path); !ok {
			if why == "" {
				return false
			}
			s.drop(line, why)
		}
	}
	return true
}
