package java

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Config bounds the work Catalog does. The per-file limits apply to one
// archive file of the file system together with everything nested in it.
type Config struct {
	// MaxFileSize caps the size of an archive file of the file system. Only
	// its central directory and a few small entries are read (nested archives
	// stored uncompressed are read in place), so it may be large.
	MaxFileSize int64
	// MaxNestedSize caps a nested archive that is compressed and so must be
	// inflated into memory, and a file of the file system that cannot be read
	// at random (no io.ReaderAt), which is read into memory too.
	MaxNestedSize int64
	// MaxTotalBytes caps the bytes inflated into memory for one file of the
	// file system: nested archives, pom.properties and manifests.
	MaxTotalBytes int64
	// MaxMetaSize caps one pom.properties or MANIFEST.MF.
	MaxMetaSize int64
	// MaxEntries caps the entries of one archive, nested or not.
	MaxEntries int
	// MaxTotalEntries caps the entries of one file of the file system and
	// all archives nested in it.
	MaxTotalEntries int
	// MaxDepth is how deep nested archives are opened: 1 reads the jars in a
	// war, 2 the jars in a war in an ear. Deeper ones are skipped (logged).
	MaxDepth int
	// MaxArchives caps the archive files read from one file system; the
	// first ones in path order are read, the rest logged and skipped.
	MaxArchives int
}

// DefaultConfig is the configuration New uses.
func DefaultConfig() Config {
	return Config{
		MaxFileSize:     8 << 30,
		MaxNestedSize:   256 << 20,
		MaxTotalBytes:   1 << 30,
		MaxMetaSize:     1 << 20,
		MaxEntries:      100_000,
		MaxTotalEntries: 1_000_000,
		MaxDepth:        4,
		MaxArchives:     100_000,
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.MaxFileSize <= 0:
		return fmt.Errorf("java: MaxFileSize %d must be positive", c.MaxFileSize)
	case c.MaxNestedSize <= 0:
		return fmt.Errorf("java: MaxNestedSize %d must be positive", c.MaxNestedSize)
	case c.MaxTotalBytes <= 0:
		return fmt.Errorf("java: MaxTotalBytes %d must be positive", c.MaxTotalBytes)
	case c.MaxMetaSize <= 0:
		return fmt.Errorf("java: MaxMetaSize %d must be positive", c.MaxMetaSize)
	case c.MaxEntries <= 0:
		return fmt.Errorf("java: MaxEntries %d must be positive", c.MaxEntries)
	case c.MaxTotalEntries <= 0:
		return fmt.Errorf("java: MaxTotalEntries %d must be positive", c.MaxTotalEntries)
	case c.MaxDepth < 0:
		return fmt.Errorf("java: MaxDepth %d must not be negative", c.MaxDepth)
	case c.MaxArchives <= 0:
		return fmt.Errorf("java: MaxArchives %d must be positive", c.MaxArchives)
	}
	return nil
}

// Cataloger lists the Maven packages in Java archives. It implements
// inventory.Cataloger and is safe for concurrent use.
type Cataloger struct {
	cfg Config
	log *slog.Logger
}

var _ inventory.Cataloger = (*Cataloger)(nil)

// New returns a Cataloger with DefaultConfig. log receives a warning per
// archive or entry skipped; nil discards them.
func New(log *slog.Logger) *Cataloger {
	c, _ := NewWithConfig(DefaultConfig(), log)
	return c
}

// NewWithConfig returns a Cataloger with cfg, or the error of cfg.Validate.
func NewWithConfig(cfg Config, log *slog.Logger) (*Cataloger, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cataloger{cfg: cfg, log: log}, nil
}

// Name is "java".
func (c *Cataloger) Name() string { return "java" }

// Globs lists every file Catalog may read: Java archives anywhere.
func (c *Cataloger) Globs() []string {
	return []string{"**/*.jar", "**/*.war", "**/*.ear", "**/*.jpi", "**/*.hpi"}
}

// Catalog lists the Maven packages of every archive that Globs names in
// fsys, sorted, each with the Path of the archive it was read from
// ("app/app.war!/WEB-INF/lib/x.jar" for a nested one).
//
// An archive that is not a zip, is corrupt, or passes a limit of Config is
// logged and skipped, keeping what was found in it before; Catalog fails only
// when ctx ends or fsys itself fails (a directory or file that cannot be read
// for another reason than absence).
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	files, err := c.find(ctx, fsys)
	if err != nil {
		return nil, err
	}
	var pkgs []inventory.Package
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		got, err := c.catalogFile(ctx, fsys, p)
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, got...)
	}
	inventory.SortPackages(pkgs)
	return pkgs, nil
}

// find lists the archives of fsys that Globs names, in path order, at most
// Config.MaxArchives of them. A symbolic link is not read: the archive it
// points to is read at its own path (Debian's /usr/share/java/x.jar is a
// link to x-1.2.jar, and would otherwise be read twice).
func (c *Cataloger) find(ctx context.Context, fsys fs.FS) ([]string, error) {
	found, truncated, err := inventory.Find(ctx, fsys, inventory.FindOptions{Globs: c.Globs(), Max: c.cfg.MaxArchives})
	if err != nil {
		return nil, fmt.Errorf("java: %w", err)
	}
	if truncated {
		c.log.Warn("java: too many archives, skipping the rest", "max", c.cfg.MaxArchives, "last", found[len(found)-1].Path)
	}
	files := make([]string, 0, len(found))
	for _, f := range found {
		fi, err := fs.Lstat(fsys, f.Path)
		if err != nil {
			if inventory.Absent(err) {
				continue
			}
			return nil, fmt.Errorf("java: %w", err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			files = append(files, f.Path)
		}
	}
	return files, nil
}

// catalogFile reads one archive file of fsys. Its error is for ctx and for
// fsys failing; a bad archive is logged.
func (c *Cataloger) catalogFile(ctx context.Context, fsys fs.FS, p string) ([]inventory.Package, error) {
	f, err := fsys.Open(p)
	if err != nil {
		if inventory.Absent(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", p, err)
	}
	size := fi.Size()
	if !fi.Mode().IsRegular() {
		return nil, nil
	}
	switch {
	case size == 0:
		c.log.Warn("java: skipped archive", "path", p, "err", "empty file")
		return nil, nil
	case size > c.cfg.MaxFileSize:
		c.log.Warn("java: skipped archive", "path", p, "err", fmt.Sprintf("%d bytes, more than %d", size, c.cfg.MaxFileSize))
		return nil, nil
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		if size > c.cfg.MaxNestedSize {
			c.log.Warn("java: skipped archive", "path", p, "err", fmt.Sprintf("not seekable and %d bytes, more than %d", size, c.cfg.MaxNestedSize))
			return nil, nil
		}
		b, err := io.ReadAll(io.LimitReader(f, c.cfg.MaxNestedSize))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		ra, size = bytes.NewReader(b), int64(len(b))
	}
	rec := &recorder{r: ra, size: size}
	pkgs, err := c.readArchive(ctx, rec, size, p)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	if rec.err != nil {
		return nil, fmt.Errorf("read %s: %w", p, rec.err)
	}
	if err != nil {
		c.log.Warn("java: skipped archive", "path", p, "err", err)
	}
	return pkgs, nil
}

// readArchive reads the archive ra of size bytes found at p, and the
// archives nested in it. It returns what it found even with an error, which
// says why it stopped early.
func (c *Cataloger) readArchive(ctx context.Context, ra io.ReaderAt, size int64, p string) ([]inventory.Package, error) {
	w := &walk{cfg: &c.cfg, log: c.log}
	pkgs, err := w.archive(ctx, ra, size, p, path.Base(p), 0)
	return dedupe(pkgs), err
}

// recorder passes reads to the file of fsys and keeps the first error that
// is the file's own (not the end of file), to tell a failing file system
// from a corrupt archive. It refuses offsets outside the file without asking
// the file, which would report them as its own errors.
type recorder struct {
	r    io.ReaderAt
	size int64
	err  error
}

var errOffset = errors.New("offset outside the file")

func (r *recorder) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > r.size {
		return 0, errOffset
	}
	n, err := r.r.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) && r.err == nil {
		r.err = err
	}
	return n, err
}

func dedupe(pkgs []inventory.Package) []inventory.Package {
	inventory.SortPackages(pkgs)
	out := pkgs[:0]
	for i := range pkgs {
		if i > 0 && inventory.ComparePackages(&pkgs[i], &pkgs[i-1]) == 0 && pkgs[i].Confidence == pkgs[i-1].Confidence {
			continue
		}
		out = append(out, pkgs[i])
	}
	return out
}
