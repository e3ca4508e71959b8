package osv

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Limits on a tar of records (the golang/vulndb, RustSec and PyPA
// snapshots are a few MB and a few thousand entries).
const (
	// MaxTarEntries caps the entries of one tar; past it the rest is one
	// Problem and not read.
	MaxTarEntries = MaxZipEntries
	// MaxTarTotal caps the bytes decompressed from one tar, skipped entries
	// included; past it the rest is one Problem and not read.
	MaxTarTotal = MaxZipTotal
)

// ImportTarGz parses the OSV records (*.json, *.yaml, *.yml, at any depth)
// in a tar archive read as a stream from r, gzip-compressed (told by its
// magic bytes) or plain, such as a snapshot of golang/vulndb's data/osv or
// of the PyPA advisory database. Nothing is written to disk: each record is
// read in memory up to MaxRecordSize. name names the archive in Problems,
// whose File is name/<entry>. Other files (LICENSE, README) are skipped; a
// record-named entry that is not a regular file, whose name is not a clean
// relative path, or whose header says it is larger than MaxRecordSize is a
// Problem. Past MaxTarEntries entries or MaxTarTotal decompressed bytes the
// rest is one Problem. A stream that breaks off (truncated gzip or tar,
// bad checksum) is one Problem and the records before the break are kept.
// ImportTarGz returns an error when r fails, when the input is neither
// gzip nor tar, when ctx is done or emit fails.
func ImportTarGz(ctx context.Context, r io.Reader, name string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	return importTarCapped(ctx, r, name, MaxTarEntries, MaxTarTotal, emit, problem)
}

// importTarCapped is ImportTarGz with the caps as parameters, so tests can exceed them cheaply.
func importTarCapped(ctx context.Context, r io.Reader, name string, maxEntries int, maxTotal int64,
	emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	if problem == nil {
		problem = func(*vulndb.Problem) {}
	}
	sr := vulndb.NewSourceReader(r)
	br := bufio.NewReaderSize(sr, 64<<10)
	var src io.Reader = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			if sr.Err() != nil {
				return fmt.Errorf("read %s: %w", name, sr.Err())
			}
			return fmt.Errorf("open tar.gz %s: %w", name, err)
		}
		defer zr.Close()
		src = zr
	} else if sr.Err() != nil {
		return fmt.Errorf("read %s: %w", name, sr.Err())
	}
	lr := &io.LimitedReader{R: src, N: maxTotal}
	tr := tar.NewReader(lr)
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF && lr.N <= 0 {
			problem(&vulndb.Problem{File: name, Err: fmt.Errorf("more than %d bytes decompressed: the rest not read", maxTotal)})
			return nil
		}
		if err == io.EOF {
			if i == 0 {
				return fmt.Errorf("open tar %s: no entries (not a tar archive?)", name)
			}
			return nil
		}
		if err != nil {
			switch {
			case sr.Err() != nil:
				return fmt.Errorf("read %s: %w", name, sr.Err())
			case lr.N <= 0:
				problem(&vulndb.Problem{File: name, Err: fmt.Errorf("more than %d bytes decompressed: the rest not read", maxTotal)})
				return nil
			case i == 0:
				return fmt.Errorf("open tar %s: %w", name, err)
			}
			problem(&vulndb.Problem{File: name, Err: fmt.Errorf("archive broken after %d entries (records before it kept): %w", i, err)})
			return nil
		}
		if i >= maxEntries {
			problem(&vulndb.Problem{File: name, Err: fmt.Errorf("more than %d entries: the rest not read", maxEntries)})
			return nil
		}
		entry := strings.TrimPrefix(hdr.Name, "./")
		if hdr.Typeflag == tar.TypeDir || !isRecordName(entry) {
			continue
		}
		file := name + "/" + clip(entry)
		if err := checkTarEntry(entry, hdr); err != nil {
			problem(&vulndb.Problem{File: file, Err: err})
			continue
		}
		data, err := io.ReadAll(io.LimitReader(tr, MaxRecordSize+1))
		if err != nil {
			if sr.Err() != nil {
				return fmt.Errorf("read %s: %w", name, sr.Err())
			}
			if lr.N <= 0 {
				problem(&vulndb.Problem{File: name, Err: fmt.Errorf("more than %d bytes decompressed: the rest not read", maxTotal)})
				return nil
			}
			problem(&vulndb.Problem{File: file, Err: fmt.Errorf("archive broken in this entry (records before it kept): %w", err)})
			return nil
		}
		if err := parseNamed(data, file, emit, problem); err != nil {
			return err
		}
	}
}

// checkTarEntry refuses record entries that are not regular files of a
// sane size at a clean relative path.
func checkTarEntry(name string, hdr *tar.Header) error {
	if !fs.ValidPath(name) || strings.Contains(name, `\`) || path.IsAbs(name) {
		return fmt.Errorf("entry name is not a clean relative path: not read")
	}
	if hdr.Typeflag != tar.TypeReg {
		return fmt.Errorf("entry is not a regular file (type %q): not read", hdr.Typeflag)
	}
	if hdr.Size > MaxRecordSize {
		return fmt.Errorf("entry of %d bytes, more than %d: not read", hdr.Size, MaxRecordSize)
	}
	return nil
}
