package rpm

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// maxPath is the longest path kept in Files (Linux PATH_MAX); a longer one
// is dropped.
const maxPath = 4096

// fileTags are the header tags that list a package's files (rpm's
// "compressed file names", since rpm 4.0): the i-th file is
// DirNames[DirIndexes[i]] + BaseNames[i], the folder with a trailing slash.
type fileTags struct {
	BaseNames  []string
	DirIndexes []int32
	DirNames   []string
}

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
	l.buf, l.ends = l.buf[:0], l.ends[:0]
	return out
}

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

// fileResult is what files found in one header.
type fileResult struct {
	dropped       int
	firstBad, why string
	// spent is set when the run's budget ran out in this header.
	spent bool
}

// files returns the paths of one header's file tags, relative without the
// leading slash, as `rpm -ql` lists them (rpm joins folder and base name
// as they are). An entry whose folder index is out of range, whose folder is
// not absolute with a trailing slash, or whose path fails pathProblem is
// dropped; tags of different lengths give no files at all.
func files(t fileTags, pl *pathList, b *budget) ([]string, fileResult) {
	var r fileResult
	drop := func(s, why string) {
		r.dropped++
		if r.firstBad == "" {
			r.firstBad, r.why = s, why
			if len(s) > 80 {
				r.firstBad = s[:80] + "..."
			}
		}
	}
	if len(t.BaseNames) != len(t.DirIndexes) {
		drop(fmt.Sprintf("%d base names, %d folder indexes", len(t.BaseNames), len(t.DirIndexes)), "file tags of different lengths")
		r.dropped = len(t.BaseNames)
		return nil, r
	}
	// Grow the buffers once to what the tags need (bounded by what the
	// budget allows) rather than in append's 1.25x steps.
	need := 0
	for i, base := range t.BaseNames {
		need += len(base)
		if idx := t.DirIndexes[i]; idx >= 0 && int(idx) < len(t.DirNames) {
			need += len(t.DirNames[idx])
		}
	}
	pl.buf = slices.Grow(pl.buf[:0], min(need, b.bytes, 64<<20))
	pl.ends = slices.Grow(pl.ends[:0], min(len(t.BaseNames), b.paths))
	for i, base := range t.BaseNames {
		idx := t.DirIndexes[i]
		if idx < 0 || int(idx) >= len(t.DirNames) {
			drop(base, fmt.Sprintf("folder index %d out of range", idx))
			continue
		}
		dir := t.DirNames[idx]
		if !strings.HasPrefix(dir, "/") || !strings.HasSuffix(dir, "/") {
			drop(dir+base, "folder not absolute with a trailing slash")
			continue
		}
		start := len(pl.buf)
		pl.buf = append(append(pl.buf, dir[1:]...), base...)
		p := pl.buf[start:]
		if len(p) == 0 {
			continue // the root folder itself (the filesystem package owns "/")
		}
		if why := pathProblem(p); why != "" {
			pl.buf = pl.buf[:start]
			drop(dir+base, why)
			continue
		}
		if !b.take(len(p)) {
			pl.buf = pl.buf[:start]
			r.spent = true
			break
		}
		pl.ends = append(pl.ends, len(pl.buf))
	}
	return pl.take(), r
}
