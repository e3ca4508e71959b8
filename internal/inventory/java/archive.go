package java

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// errBudget stops the reading of one file of the file system: a total
// limit of Config is spent.
var errBudget = errors.New("limit reached")

// walk is the reading of one file of the file system and all archives
// nested in it, with what it has spent of the per-file limits.
type walk struct {
	cfg     *Config
	log     *slog.Logger
	bytes   int64 // inflated into memory
	entries int   // seen in all archives
}

// archive reads the zip ra of size bytes, whose path (for packages and
// logs) is where and whose base name is base, at nesting depth (0 for a file
// of the file system). It returns the packages found before any error.
// Errors of nested archives are logged and skipped, except errBudget and
// ctx, which stop the whole file.
func (w *walk) archive(ctx context.Context, ra io.ReaderAt, size int64, where, base string, depth int) ([]inventory.Package, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("read zip: %w", err)
	}
	if len(zr.File) > w.cfg.MaxEntries {
		return nil, fmt.Errorf("%d entries, more than %d", len(zr.File), w.cfg.MaxEntries)
	}
	w.entries += len(zr.File)
	if w.entries > w.cfg.MaxTotalEntries {
		return nil, fmt.Errorf("%w: more than %d entries in all nested archives", errBudget, w.cfg.MaxTotalEntries)
	}
	var (
		poms   []*zip.File
		mf     *zip.File
		nested []*zip.File
	)
	for i, f := range zr.File {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		switch {
		case isPomProperties(f.Name):
			poms = append(poms, f)
		case mf == nil && strings.EqualFold(f.Name, "META-INF/MANIFEST.MF"):
			mf = f
		case archiveExt(f.Name) != "" && !strings.HasSuffix(f.Name, "/"):
			nested = append(nested, f)
		}
	}
	pkgs, err := w.identify(where, base, poms, mf)
	if err != nil {
		return pkgs, err
	}
	deep := 0
	for _, f := range nested {
		if err := ctx.Err(); err != nil {
			return pkgs, err
		}
		inner := where + "!/" + f.Name
		if !cleanEntryName(f.Name) {
			w.log.Warn("java: skipped nested archive", "path", inner, "err", "unclean entry name")
			continue
		}
		if depth+1 > w.cfg.MaxDepth {
			deep++
			continue
		}
		nra, nsize, err := w.open(ra, size, f, w.cfg.MaxNestedSize)
		if err == nil {
			var got []inventory.Package
			got, err = w.archive(ctx, nra, nsize, inner, path.Base(f.Name), depth+1)
			pkgs = append(pkgs, got...)
		}
		if err != nil {
			if errors.Is(err, errBudget) || ctx.Err() != nil {
				return pkgs, fmt.Errorf("%s: %w", inner, err)
			}
			w.log.Warn("java: skipped nested archive", "path", inner, "err", err)
		}
	}
	if deep > 0 {
		w.log.Warn("java: skipped nested archives", "path", where, "count", deep, "err", fmt.Sprintf("nested more than %d deep", w.cfg.MaxDepth))
	}
	return pkgs, nil
}

// identify returns the packages an archive declares: one per readable
// pom.properties, and, when none of those is the archive's own (selfIndex),
// the identity inferred from its manifest and base name, marked
// ConfidenceLow. A bad pom.properties or manifest is logged and skipped; the
// error is errBudget only.
func (w *walk) identify(where, base string, poms []*zip.File, mf *zip.File) ([]inventory.Package, error) {
	var coords []coord
	for _, f := range poms {
		b, err := w.readSmall(f)
		if err != nil {
			if errors.Is(err, errBudget) {
				return nil, err
			}
			w.log.Warn("java: skipped pom.properties", "path", where+"!/"+f.Name, "err", err)
			continue
		}
		parts := strings.Split(f.Name, "/") // META-INF/maven/<g>/<a>/pom.properties
		c, err := pomCoord(parseProperties(b), parts[2], parts[3])
		if err != nil {
			w.log.Warn("java: skipped pom.properties", "path", where+"!/"+f.Name, "err", err)
			continue
		}
		coords = append(coords, c)
	}
	slices.SortFunc(coords, func(a, b coord) int {
		return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.artifact, b.artifact), cmp.Compare(a.version, b.version))
	})
	coords = slices.Compact(coords)
	pkgs := make([]inventory.Package, 0, len(coords)+1)
	for _, c := range coords {
		pkgs = append(pkgs, inventory.Package{Name: c.name(), Version: c.version, Type: inventory.TypeMaven, Path: where})
	}
	var m manifest
	if mf != nil {
		b, err := w.readSmall(mf)
		switch {
		case errors.Is(err, errBudget):
			return pkgs, err
		case err != nil:
			w.log.Warn("java: skipped manifest", "path", where+"!/"+mf.Name, "err", err)
		default:
			m = parseManifest(b)
		}
	}
	c, ok := inferCoord(m, base)
	if len(coords) > 0 {
		fileArtifact, fileVersion := parseFileName(base)
		var versions []string
		for _, v := range []string{fileVersion, c.version} {
			if v != "" && !slices.Contains(versions, v) {
				versions = append(versions, v)
			}
		}
		if selfIndex(coords, base[:len(base)-len(archiveExt(base))], fileArtifact, versions) >= 0 {
			return pkgs, nil
		}
	}
	if !ok {
		return pkgs, nil
	}
	for _, p := range coords {
		if strings.EqualFold(p.artifact, c.artifact) {
			return pkgs, nil // a shaded copy of itself, or a renamed one: the pom.properties says more
		}
	}
	return append(pkgs, inventory.Package{
		Name: c.name(), Version: c.version, Type: inventory.TypeMaven, Path: where,
		Confidence: inventory.ConfidenceLow,
	}), nil
}

// isPomProperties reports whether name is META-INF/maven/<g>/<a>/pom.properties.
func isPomProperties(name string) bool {
	rest, ok := strings.CutPrefix(name, "META-INF/maven/")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	return len(parts) == 3 && parts[0] != "" && parts[1] != "" && parts[2] == "pom.properties"
}

// cleanEntryName reports whether an entry name is a plain relative path
// ("WEB-INF/lib/x.jar"): no "..", ".", empty or absolute parts, no
// backslashes or NULs. Others only name nested archives in paths; nothing is
// ever written, but such names are refused so that a Path cannot pretend to
// be elsewhere.
func cleanEntryName(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00") || path.Clean(name) != name || strings.HasPrefix(name, "/") {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." || part == "." {
			return false
		}
	}
	return true
}

// readSmall reads a metadata entry (pom.properties, manifest) into memory.
func (w *walk) readSmall(f *zip.File) ([]byte, error) {
	if err := w.checkDeclared(f, w.cfg.MaxMetaSize); err != nil {
		return nil, err
	}
	return w.inflate(f)
}

// open returns a nested archive as a ReaderAt: the stored bytes in place
// when the entry is stored uncompressed (as Spring Boot requires of
// BOOT-INF/lib), else the entry inflated into memory, at most limit bytes.
func (w *walk) open(ra io.ReaderAt, size int64, f *zip.File, limit int64) (io.ReaderAt, int64, error) {
	if f.Method == zip.Store && f.CompressedSize64 == f.UncompressedSize64 && f.Flags&0x1 == 0 {
		off, err := f.DataOffset()
		if err != nil {
			return nil, 0, fmt.Errorf("entry header: %w", err)
		}
		n := int64(f.CompressedSize64)
		if off < 0 || n < 0 || off > size || n > size-off {
			return nil, 0, fmt.Errorf("stored entry of %d bytes at %d outside the %d-byte archive", f.CompressedSize64, off, size)
		}
		return io.NewSectionReader(ra, off, n), n, nil
	}
	if err := w.checkDeclared(f, limit); err != nil {
		return nil, 0, err
	}
	b, err := w.inflate(f)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(b), int64(len(b)), nil
}

// checkDeclared refuses an entry whose declared size is over limit or over
// what is left of MaxTotalBytes, before anything is inflated.
func (w *walk) checkDeclared(f *zip.File, limit int64) error {
	if f.UncompressedSize64 > uint64(limit) {
		return fmt.Errorf("declares %d bytes, more than %d", f.UncompressedSize64, limit)
	}
	if w.bytes+int64(f.UncompressedSize64) > w.cfg.MaxTotalBytes {
		return fmt.Errorf("%w: more than %d bytes inflated", errBudget, w.cfg.MaxTotalBytes)
	}
	return nil
}

// inflate reads the entry f (whose declared size checkDeclared passed). The
// buffer is allocated at once, at the declared size but no more than deflate
// can expand the compressed bytes to (1032:1), so a lying header costs no
// memory. archive/zip itself fails an entry that inflates to more than its
// declared size, and checks the CRC at the end, which the extra read reaches.
func (w *walk) inflate(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open entry: %w", err)
	}
	defer rc.Close()
	n, most := f.UncompressedSize64, f.CompressedSize64
	if f.Method != zip.Store {
		most = most*1032 + 64
	}
	if n > most {
		return nil, fmt.Errorf("declares %d bytes from %d compressed", n, f.CompressedSize64)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rc, b); err != nil {
		return nil, fmt.Errorf("inflate: %w", err)
	}
	w.bytes += int64(n)
	var one [1]byte
	if _, err := io.ReadFull(rc, one[:]); err != io.EOF { //nolint:errorlint // ReadFull returns io.EOF bare
		if err == nil {
			err = errors.New("more bytes than declared")
		}
		return nil, fmt.Errorf("inflate: %w", err)
	}
	return b, nil
}
