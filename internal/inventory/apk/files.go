package apk

import (
	"bytes"
	"fmt"
)

// maxPath is the longest path kept in Files (Linux PATH_MAX); a longer one
// is dropped.
const maxPath = 4096

// budget is what is left of Config.MaxFiles and Config.MaxFilesBytes in one
// Catalog run; once either is spent, no more paths are kept.
type budget struct {
	paths, bytes int
	spent        bool
}

// take reserves one path of n bytes; false when the budget does not allow it.
func (b *budget) take(n int) bool {
	if b.spent || b.paths <= 0 || b.bytes < n {
		b.spent = true
		return false
	}
	b.paths--
	b.bytes -= n
	return true
}

// pathList gathers the paths of one package in one buffer, so that the
// package's Files are substrings of a single string: one allocation per
// package instead of one per path.
type pathList struct {
	buf  []byte
	ends []int
}

// add appends dir + "/" + name, or name alone when dir is empty.
func (l *pathList) add(dir, name []byte) {
	if len(dir) > 0 {
		l.buf = append(append(l.buf, dir...), '/')
	}
	l.buf = append(l.buf, name...)
	l.ends = append(l.ends, len(l.buf))
}

// take returns the gathered paths (nil if none) and empties the list.
func (l *pathList) take() []string {
	if len(l.ends) == 0 {
		return nil
	}
	s := string(l.buf)
	out := make([]string, len(l.ends))
	start := 0
	for i, e := range l.ends {
		out[i] = s[start:e]
		start = e
	}
	l.reset()
	return out
}

func (l *pathList) reset() { l.buf, l.ends = l.buf[:0], l.ends[:0] }

// pathProblem says why p (relative, no leading slash) cannot be kept in
// Files, or "" when it can: it must be non-empty, at most maxPath bytes,
// without NUL, and clean: no empty, "." or ".." element, so no "//", no
// leading or trailing "/" and no way out of the root.
func pathProblem(p []byte) string {
	switch {
	case len(p) == 0:
		return "empty path"
	case len(p) > maxPath:
		return fmt.Sprintf("path longer than %d bytes", maxPath)
	case bytes.IndexByte(p, 0) >= 0:
		return "NUL byte in path"
	}
	for rest := p; ; {
		el, after, more := bytes.Cut(rest, []byte("/"))
		switch {
		case len(el) == 0:
			return "empty path element"
		case string(el) == "." || string(el) == "..":
			return fmt.Sprintf("%q element in path", el)
		}
		if !more {
			return ""
		}
		rest = after
	}
}

// fileState follows the F: (folder) and R: (file in that folder) lines of
// the stanza being read and gathers its Files.
type fileState struct {
	pl     pathList
	folder []byte // copy of the current F: value
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
	s.pl.reset()
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
// dropped. It reports false when b is spent: no more paths are wanted.
func (s *fileState) line(key byte, line []byte, truncated bool, b *budget) bool {
	v := line[2:]
	if key == 'F' {
		s.folder, s.noFolder, s.folderBad = append(s.folder[:0], v...), false, ""
		switch {
		case truncated:
			s.folderBad = "folder line too long"
		case len(v) > 0:
			// "F:" alone is the root folder.
			s.folderBad = pathProblem(v)
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
	case len(s.folder)+1+len(v) > maxPath:
		s.drop(line, fmt.Sprintf("path longer than %d bytes", maxPath))
	case bytes.IndexByte(v, 0) >= 0:
		s.drop(line, "NUL byte in path")
	default:
		n := len(v)
		if len(s.folder) > 0 {
			n += len(s.folder) + 1
		}
		if !b.take(n) {
			return false
		}
		s.pl.add(s.folder, v)
	}
	return true
}
