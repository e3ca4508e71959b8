package image

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

const (
	// minContentSize is the smallest file checked for Markers: below it no
	// real executable fits (an ELF header alone is 52 or 64 bytes), and
	// tiny files are the bulk of most layers.
	minContentSize = 128
	// contentMemory is the size up to which an executable is searched in
	// memory and written to the cache only if it holds a marker; bigger
	// ones are written while searched and removed if they hold none. Most
	// executables and libraries are smaller; a buffer this size per
	// layer walked is no more than the read-ahead.
	contentMemory = 1 << 20
	// maxMarkers and maxMarkerLen bound Config.Markers (Validate).
	maxMarkers   = 64
	maxMarkerLen = 256
)

// execMagic reports whether head, the first bytes of a file, starts with
// the magic of an executable format: ELF, Mach-O (32/64-bit, either byte
// order, and fat binaries) or PE ("MZ"). 0xcafebabe is also the magic of
// Java class files; callers only ask for files with an execute bit.
func execMagic(head []byte) bool {
	if len(head) < 4 {
		return len(head) >= 2 && head[0] == 'M' && head[1] == 'Z'
	}
	if head[0] == 'M' && head[1] == 'Z' {
		return true
	}
	switch binary.BigEndian.Uint32(head) {
	case 0x7f454c46, // "\x7fELF"
		0xfeedface, 0xfeedfacf, // Mach-O, big-endian
		0xcefaedfe, 0xcffaedfe, // Mach-O, little-endian
		0xcafebabe: // Mach-O fat
		return true
	}
	return false
}

// normMarkers returns the markers sorted and deduplicated.
func normMarkers(ms [][]byte) [][]byte {
	out := slices.Clone(ms)
	slices.SortFunc(out, bytes.Compare)
	return slices.CompactFunc(out, bytes.Equal)
}

// markerSearch finds any of a set of byte strings in a stream fed chunk by
// chunk, including occurrences that straddle two chunks: it keeps the last
// longest-1 bytes of what it has seen.
type markerSearch struct {
	markers [][]byte
	longest int
	tail    []byte // the last up to longest-1 bytes seen
	edge    []byte // scratch: tail + the head of the next chunk
	found   bool
}

func newMarkerSearch(markers [][]byte) *markerSearch {
	s := &markerSearch{markers: markers}
	for _, m := range markers {
		s.longest = max(s.longest, len(m))
	}
	s.tail = make([]byte, 0, s.longest)
	s.edge = make([]byte, 0, 2*s.longest)
	return s
}

func (s *markerSearch) reset() {
	s.tail, s.found = s.tail[:0], false
}

// feed searches p, the next bytes of the stream, and reports whether some
// marker has been seen so far.
func (s *markerSearch) feed(p []byte) bool {
	if s.found || len(p) == 0 {
		return s.found
	}
	k := s.longest - 1
	if len(s.tail) > 0 {
		// Occurrences that start in the tail end within p's first k bytes.
		s.edge = append(append(s.edge[:0], s.tail...), p[:min(len(p), k)]...)
		for _, m := range s.markers {
			if bytes.Contains(s.edge, m) {
				s.found = true
				return true
			}
		}
	}
	for _, m := range s.markers {
		if bytes.Contains(p, m) {
			s.found = true
			return true
		}
	}
	if len(p) >= k {
		s.tail = append(s.tail[:0], p[len(p)-k:]...)
	} else {
		s.tail = append(s.tail, p...)
		if len(s.tail) > k {
			s.tail = s.tail[:copy(s.tail, s.tail[len(s.tail)-k:])]
		}
	}
	return false
}

// keepByContent handles a regular file that no keep pattern names: if it
// has an execute bit, starts with an executable magic and contains a
// marker, its content is kept as keepFile would keep it. Anything else
// costs one short read. It reports whether it recorded the file.
func (w *layerWalk) keepByContent(p string, hdr *tar.Header, tr io.Reader) (bool, error) {
	if !w.contentCandidate(hdr) {
		return false, nil
	}
	var head [4]byte
	if _, err := io.ReadFull(tr, head[:]); err != nil {
		return false, w.contentErr(hdr, err)
	}
	if !execMagic(head[:]) {
		return false, nil // tar.Reader skips the rest
	}
	s := w.search
	s.reset()
	s.feed(head[:])
	if hdr.Size > w.cfg.MaxFileBytes || w.keptBytes+hdr.Size > w.cfg.MaxKeptBytes {
		// Searched, not kept: it was not asked for by name, so the layer
		// is not refused for it.
		for !s.found {
			n, err := tr.Read(w.buf)
			s.feed(w.buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				return false, w.contentErr(hdr, err)
			}
		}
		if s.found {
			reason := fmt.Sprintf("%d bytes, MaxFileBytes %d", hdr.Size, w.cfg.MaxFileBytes)
			if hdr.Size <= w.cfg.MaxFileBytes {
				reason = fmt.Sprintf("the layer's kept files would exceed MaxKeptBytes %d", w.cfg.MaxKeptBytes)
			}
			w.obs.Log.Warn("executable with a marker too large to keep; skipped", "layer", w.id, "path", hdr.Name, "reason", reason)
		}
		return false, nil
	}
	blob := "f" + strconv.Itoa(w.nblob)
	name := filepath.Join(w.dir, blob)
	var mem []byte
	if hdr.Size <= contentMemory {
		if w.mem == nil {
			w.mem = make([]byte, contentMemory)
		}
		mem = w.mem[:hdr.Size]
		copy(mem, head[:])
		if _, err := io.ReadFull(tr, mem[len(head):]); err != nil {
			return false, w.contentErr(hdr, err)
		}
		if !s.feed(mem[len(head):]) {
			return false, nil
		}
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, fmt.Errorf("layer %s: keep %s: %w", w.id, hdr.Name, err)
	}
	var n int64
	if mem != nil {
		var k int
		if k, err = f.Write(mem); err != nil {
			err = fmt.Errorf("layer %s: keep %s: %w", w.id, hdr.Name, err)
		}
		n = int64(k)
	} else {
		n, err = w.copySearch(f, hdr, tr, head[:])
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("layer %s: keep %s: %w", w.id, hdr.Name, cerr)
	}
	if err == nil && n != hdr.Size {
		err = w.refuse(hdr.Name, "file content shorter than its header", fmt.Errorf("%d of %d bytes", n, hdr.Size))
	}
	if err != nil || !s.found {
		if rerr := os.Remove(name); err == nil && rerr != nil {
			err = fmt.Errorf("layer %s: drop %s: %w", w.id, hdr.Name, rerr)
		}
		return false, err
	}
	w.nblob++
	w.keptBytes += n
	return true, w.record(&entry{Path: p, Kind: kindFile, Mode: uint32(hdr.Mode) & 0o7777, Size: n,
		MTime: hdr.ModTime.Unix(), Blob: blob, Content: true})
}

// copySearch writes head and the rest of the entry to f, feeding w.search,
// and returns the bytes written (at most MaxFileBytes+1).
func (w *layerWalk) copySearch(f *os.File, hdr *tar.Header, tr io.Reader, head []byte) (int64, error) {
	if _, err := f.Write(head); err != nil {
		return 0, fmt.Errorf("layer %s: keep %s: %w", w.id, hdr.Name, err)
	}
	n := int64(len(head))
	r := io.LimitReader(tr, w.cfg.MaxFileBytes+1-n)
	for {
		k, err := r.Read(w.buf)
		if k > 0 {
			w.search.feed(w.buf[:k])
			if _, werr := f.Write(w.buf[:k]); werr != nil {
				return n, fmt.Errorf("layer %s: keep %s: %w", w.id, hdr.Name, werr)
			}
			n += int64(k)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, w.contentErr(hdr, err)
		}
	}
}

// contentErr is the error of a failed read of an entry's content.
func (w *layerWalk) contentErr(hdr *tar.Header, err error) error {
	var le *LayerError
	if errors.As(err, &le) {
		return le
	}
	return w.refuse(hdr.Name, "truncated or corrupt file content", err)
}
