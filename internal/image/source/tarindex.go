package source

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// maxTarEntries bounds the number of entries indexed in an image archive. A
// docker save or OCI archive holds a few files per layer.
const maxTarEntries = 1 << 16

// maxLinkHops bounds how many symbolic or hard links a lookup follows.
const maxLinkHops = 8

// readerAtSeeker is what indexing an archive needs: a file, or a wrapper of one
// in tests.
type readerAtSeeker interface {
	io.ReaderAt
	io.ReadSeeker
}

// tarEntry is a regular file or a link in an archive.
type tarEntry struct {
	name   string
	offset int64 // offset of the data in the archive
	size   int64
	link   string // resolved target name for symlinks and hardlinks; empty otherwise
	dup    bool   // the name occurs more than once
	sparse bool   // sparse files have no contiguous data
}

// tarIndex maps clean entry names to where their data lies in the archive. It
// is built once, reading only the headers; the data is read later through
// io.SectionReader.
type tarIndex struct {
	entries map[string]*tarEntry
}

// cleanEntryName normalises a tar entry name ("./a//b" -> "a/b") and reports
// whether it stays inside the archive.
func cleanEntryName(name string) (string, bool) {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") {
		return "", false
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return "", false
		}
	}
	c := path.Clean(name)
	if c == "." || c == "" {
		return "", false
	}
	return c, true
}

// indexTar reads the headers of the tar archive in r and records every regular
// file and link. Names that would escape the archive are not indexed, so they
// can never be found. The data of entries is skipped (Seek), not read.
func indexTar(ctx context.Context, r io.ReadSeeker) (*tarIndex, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seek archive: %w", err)
	}
	tr := tar.NewReader(r)
	idx := &tarIndex{entries: map[string]*tarEntry{}}
	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if n >= maxTarEntries {
			return nil, fmt.Errorf("archive has more than %d entries", maxTarEntries)
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read archive header %d: %w", n, err)
		}
		name, ok := cleanEntryName(hdr.Name)
		if !ok {
			continue
		}
		e := &tarEntry{name: name}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse:
			off, err := r.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, fmt.Errorf("archive entry %q: %w", name, err)
			}
			e.offset, e.size = off, hdr.Size
			e.sparse = hdr.Typeflag == tar.TypeGNUSparse || isPAXSparse(hdr)
		case tar.TypeSymlink:
			if strings.HasPrefix(hdr.Linkname, "/") {
				continue
			}
			target, ok := cleanEntryName(path.Join(path.Dir(name), hdr.Linkname))
			if !ok || hdr.Linkname == "" {
				continue
			}
			e.link = target
		case tar.TypeLink:
			target, ok := cleanEntryName(hdr.Linkname)
			if !ok {
				continue
			}
			e.link = target
		default:
			continue
		}
		if old, ok := idx.entries[name]; ok {
			old.dup = true
			continue
		}
		idx.entries[name] = e
	}
	return idx, nil
}

func isPAXSparse(hdr *tar.Header) bool {
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// errNotInArchive reports a name the archive does not hold.
var errNotInArchive = errors.New("not in archive")

// lookup finds the regular file called name, following links inside the
// archive. It refuses duplicated names and sparse files.
func (idx *tarIndex) lookup(name string) (*tarEntry, error) {
	clean, ok := cleanEntryName(name)
	if !ok {
		return nil, fmt.Errorf("archive path %q escapes the archive", name)
	}
	for hop := 0; hop <= maxLinkHops; hop++ {
		e, ok := idx.entries[clean]
		if !ok {
			if hop == 0 {
				return nil, fmt.Errorf("archive path %q: %w", name, errNotInArchive)
			}
			return nil, fmt.Errorf("archive path %q: link target %q: %w", name, clean, errNotInArchive)
		}
		if e.dup {
			return nil, fmt.Errorf("archive path %q occurs more than once in the archive", clean)
		}
		if e.link == "" {
			if e.sparse {
				return nil, fmt.Errorf("archive path %q is a sparse file", clean)
			}
			return e, nil
		}
		clean = e.link
	}
	return nil, fmt.Errorf("archive path %q: more than %d links", name, maxLinkHops)
}

// has reports whether name is in the archive, as any kind of entry.
func (idx *tarIndex) has(name string) bool {
	_, ok := idx.entries[name]
	return ok
}

// readEntry reads a whole entry into memory, refusing entries over limit bytes.
func readEntry(r io.ReaderAt, e *tarEntry, limit int64, what string) ([]byte, error) {
	if e.size > limit {
		return nil, fmt.Errorf("%s %q is %d bytes, more than the %d allowed", what, e.name, e.size, limit)
	}
	b := make([]byte, e.size)
	if _, err := io.ReadFull(io.NewSectionReader(r, e.offset, e.size), b); err != nil {
		return nil, fmt.Errorf("read %s %q: %w", what, e.name, err)
	}
	return b, nil
}

// archiveFile opens the archive at path for one reader of an entry, checking
// that it is still the file that was indexed.
type archiveFile struct {
	path string
	info os.FileInfo
}

// section returns a ReadCloser over the entry's bytes on its own file
// descriptor, so that any number of entries can be read at once.
func (a archiveFile) section(e *tarEntry) (io.ReadCloser, error) {
	f, err := os.Open(a.path)
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat archive: %w", err)
	}
	if a.info != nil && (!os.SameFile(st, a.info) || st.Size() != a.info.Size() || !st.ModTime().Equal(a.info.ModTime())) {
		f.Close()
		return nil, fmt.Errorf("archive %s changed since it was opened", a.path)
	}
	return sectionCloser{SectionReader: io.NewSectionReader(f, e.offset, e.size), f: f}, nil
}

type sectionCloser struct {
	*io.SectionReader
	f *os.File
}

func (s sectionCloser) Close() error { return s.f.Close() }
