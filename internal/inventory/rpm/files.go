package rpm

import (
	"fmt"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory/filelist"
)

// fileTags are the header tags that list a package's files (rpm's
// "compressed file names", since rpm 4.0): the i-th file is
// DirNames[DirIndexes[i]] + BaseNames[i], the folder with a trailing slash.
type fileTags struct {
	BaseNames  []string
	DirIndexes []int32
	DirNames   []string
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
// not absolute with a trailing slash, or whose path fails filelist.Problem is
// dropped; tags of different lengths give no files at all.
func files(t fileTags, l *filelist.Builder) ([]string, fileResult) {
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
	l.Grow(len(t.BaseNames), min(need, 64<<20))
	var scratch [256]byte
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
		p := append(append(scratch[:0], dir[1:]...), base...)
		if len(p) == 0 {
			continue // the root folder itself (the filesystem package owns "/")
		}
		if why, ok := l.Add(p); !ok {
			if why == "" {
				r.spent = true
				break
			}
			drop(dir+base, why)
		}
	}
	return l.Files(), r
}
