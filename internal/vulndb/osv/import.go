package osv

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Limits on a zip of records (OSV's per-ecosystem all.zip). The largest
// published one (npm, with malicious-package reports) holds a few hundred
// thousand entries and a few GiB uncompressed.
const (
	// MaxZipEntries caps the entries of one zip; the entries past it are
	// reported as one Problem and not read.
	MaxZipEntries = 1 << 21
	// MaxZipTotal caps the uncompressed bytes read from one zip; once past
	// it, the rest is reported as one Problem and not read.
	MaxZipTotal = 8 << 30
)

// ImportDir parses every regular file named *.json (or *.yaml, *.yml: see ParseYAML) below the root of fsys
// (for example os.DirFS of a clone of github/advisory-database or of an
// unpacked all.zip), in lexical order. Other files are ignored. A file or
// directory that cannot be read is a Problem; the walk goes on. ImportDir
// returns an error only when ctx is done or emit fails.
func ImportDir(ctx context.Context, fsys fs.FS, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	if problem == nil {
		problem = func(*vulndb.Problem) {}
	}
	return fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			problem(&vulndb.Problem{File: name, Err: fmt.Errorf("walk: %w", err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !isRecordName(name) {
			return nil
		}
		f, err := fsys.Open(name)
		if err != nil {
			problem(&vulndb.Problem{File: name, Err: fmt.Errorf("open: %w", err)})
			return nil
		}
		data, err := io.ReadAll(io.LimitReader(f, MaxRecordSize+1))
		f.Close()
		if err != nil {
			problem(&vulndb.Problem{File: name, Err: fmt.Errorf("read: %w", err)})
			return nil
		}
		return parseNamed(data, name, emit, problem)
	})
}

// ImportZip parses the records in a zip such as OSV's
// https://osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip
// (a flat zip of <ID>.json), reading each entry in memory and never writing
// to disk. name names the zip in Problems, whose File is name/<entry>. An
// entry that is not a *.json regular file, whose name is not a clean
// relative path (absolute, "..", backslashes), that is larger than
// MaxRecordSize (by its header or by what it inflates to) or that fails its
// checksum is a Problem; directory entries are skipped. Past MaxZipEntries
// entries or MaxZipTotal uncompressed bytes the rest is one Problem.
// ImportZip returns an error when ra is not a zip, ctx is done or emit fails.
func ImportZip(ctx context.Context, ra io.ReaderAt, size int64, name string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	return importZip(ctx, ra, size, name, MaxZipEntries, MaxZipTotal, emit, problem)
}

// importZip is ImportZip with the caps as parameters, so tests can exceed them cheaply.
func importZip(ctx context.Context, ra io.ReaderAt, size int64, name string, maxEntries int, maxTotal int64,
	emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	if problem == nil {
		problem = func(*vulndb.Problem) {}
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return fmt.Errorf("open zip %s: %w", name, err)
	}
	var total int64
	for i, zf := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		file := name + "/" + clip(zf.Name)
		if i >= maxEntries {
			problem(&vulndb.Problem{File: name, Err: fmt.Errorf("more than %d entries: the last %d not read", maxEntries, len(zr.File)-i)})
			return nil
		}
		if strings.HasSuffix(zf.Name, "/") && zf.UncompressedSize64 == 0 {
			continue // directory
		}
		if err := checkEntryName(zf); err != nil {
			problem(&vulndb.Problem{File: file, Err: err})
			continue
		}
		if zf.UncompressedSize64 > MaxRecordSize {
			problem(&vulndb.Problem{File: file, Err: fmt.Errorf("entry of %d bytes, more than %d", zf.UncompressedSize64, MaxRecordSize)})
			continue
		}
		if total >= maxTotal {
			problem(&vulndb.Problem{File: name, Err: fmt.Errorf("more than %d bytes uncompressed: the last %d entries not read", maxTotal, len(zr.File)-i)})
			return nil
		}
		data, err := readEntry(zf)
		total += int64(len(data))
		if err != nil {
			problem(&vulndb.Problem{File: file, Err: err})
			continue
		}
		if err := parseNamed(data, file, emit, problem); err != nil {
			return err
		}
	}
	return nil
}

// checkEntryName refuses entries that are not plain *.json or *.yaml files at a clean
// relative path.
func checkEntryName(zf *zip.File) error {
	n := zf.Name
	if !fs.ValidPath(n) || strings.Contains(n, `\`) || path.IsAbs(n) {
		return errors.New("entry name is not a clean relative path: not read")
	}
	if !isRecordName(n) {
		return errors.New("entry is not a .json or .yaml record: not read")
	}
	if !zf.Mode().IsRegular() {
		return fmt.Errorf("entry is a %v, not a regular file: not read", zf.Mode().Type())
	}
	return nil
}

// readEntry inflates one entry, at most MaxRecordSize+1 bytes whatever its
// header says; the checksum is checked only when the entry is read to its end.
func readEntry(zf *zip.File) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("open entry: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxRecordSize+1))
	if err != nil {
		return data, fmt.Errorf("read entry: %w", err)
	}
	if len(data) > MaxRecordSize {
		return data, fmt.Errorf("entry inflates past %d bytes (its header says %d)", MaxRecordSize, zf.UncompressedSize64)
	}
	return data, nil
}
