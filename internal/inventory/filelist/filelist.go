package filelist

import (
	"bytes"
	"fmt"
	"slices"
)

// MaxPath is the longest path kept (Linux PATH_MAX).
const MaxPath = 4096

// Problem says why p (relative, no leading slash) cannot be kept in Files, or
// "" when it can: it must be non-empty, at most MaxPath bytes, without NUL,
// and clean: no empty, "." or ".." element.
func Problem(p []byte) string {
	switch {
	case len(p) == 0:
		return "empty path"
	case len(p) > MaxPath:
		return fmt.Sprintf("path longer than %d bytes", MaxPath)
	case bytes.IndexByte(p, 0) >= 0:
		return "NUL byte in path"
	}
	for rest := p; ; {
		el, after, more := bytes.Cut(rest, []byte("/"))
		switch {
		case len(el) == 0:
			return "empty path element"
		case string(el) == ".":
			return `"." element in path`
		case string(el) == "..":
			return `".." element in path`
		}
		if !more {
			return ""
		}
		rest = after
	}
}

// Builder gathers the paths of one package at a time within what is left of
// one run's caps. The zero Builder has no budget: it keeps nothing.
type Builder struct {
	// paths and bytes are what is left of the run's caps; spent is set once
	// a path did not fit.
	paths, bytes int
	spent        bool
	// buf holds the paths of the current package end to end; ends[i] is
	// where the i-th ends.
	buf  []byte
	ends []int
}

// New returns a Builder for one run that keeps at most maxPaths paths of
// maxBytes bytes in all.
func New(maxPaths, maxBytes int) *Builder {
	return &Builder{paths: maxPaths, bytes: maxBytes}
}

// Add keeps p (copied) as the next path of the current package. It returns
// the reason p is not kept: Problem(p), or "" with ok false when the run's
// budget is spent (by p or before it).
func (l *Builder) Add(p []byte) (problem string, ok bool) {
	if why := Problem(p); why != "" {
		return why, false
	}
	if l.spent || l.paths <= 0 || l.bytes < len(p) {
		l.spent = true
		return "", false
	}
	l.paths--
	l.bytes -= len(p)
	l.buf = append(l.buf, p...)
	l.ends = append(l.ends, len(l.buf))
	return "", true
}

// Spent reports whether the run's budget ran out: no later path is kept.
func (l *Builder) Spent() bool { return l.spent }

// Grow makes room for paths more paths of bytes bytes in all (each bounded by
// what is left of the budget), so that a package's paths are gathered without
// reallocating. Capacity at least doubles when it must grow: buffers reused
// across packages then reach the largest package's size in a few steps.
func (l *Builder) Grow(paths, bytes int) {
	l.ends = grow(l.ends, min(paths, l.paths))
	l.buf = grow(l.buf, min(bytes, l.bytes))
}

func grow[T any](s []T, n int) []T {
	if n <= 0 || cap(s)-len(s) >= n {
		return s
	}
	return slices.Grow(s, max(n, cap(s)))
}

// Files returns the paths added since the last Files or Reset (nil if none),
// all substrings of one string, and starts the next package.
func (l *Builder) Files() []string {
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
	l.Reset()
	return out
}

// Reset discards the paths added since the last Files or Reset; what they
// took from the budget stays taken.
func (l *Builder) Reset() { l.buf, l.ends = l.buf[:0], l.ends[:0] }
