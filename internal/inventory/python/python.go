package python

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Globs of the files Catalog reads, one format each (see parserFor).
const (
	globDistInfo     = "**/*.dist-info/METADATA"
	globEggInfoDir   = "**/*.egg-info/PKG-INFO"
	globEggInfoFile  = "**/*.egg-info"
	globPoetry       = "**/poetry.lock"
	globUV           = "**/uv.lock"
	globPipfile      = "**/Pipfile.lock"
	globRequirements = "**/requirements*.txt"
	globReqDir       = "**/requirements/*.txt"
)

// Config bounds the work Catalog does on one file system.
type Config struct {
	// MaxFiles caps the files read by one Catalog; the rest are not read
	// (a warning says so).
	MaxFiles int
	// MaxTotalBytes caps the bytes read by one Catalog across all files;
	// files past it are not read (a warning says so).
	MaxTotalBytes int64
	// MaxHeaderBytes caps the bytes read from one core metadata file
	// (METADATA, PKG-INFO, *.egg-info). Only the header section is read,
	// never the description body; a header longer than this keeps the
	// fields read so far.
	MaxHeaderBytes int64
	// MaxLockBytes caps one poetry.lock, uv.lock or Pipfile.lock; a larger
	// file is skipped.
	MaxLockBytes int64
	// MaxRequirementsBytes caps one requirements file; a larger file is
	// skipped.
	MaxRequirementsBytes int64
	// MaxLine is the longest line kept (core metadata header line,
	// requirements line after joining continuations); longer lines are
	// skipped (a metadata field, a requirement).
	MaxLine int
	// MaxLines caps the lines of one requirements file.
	MaxLines int
	// MaxPackages caps the packages of one file (lock entries, requirements).
	MaxPackages int
	// MaxDepth caps the nesting of arrays and tables in a TOML or JSON lock
	// file; a deeper file is skipped before it is parsed.
	MaxDepth int
}

// DefaultConfig is the configuration New uses.
func DefaultConfig() Config {
	return Config{
		// A big image holds some thousands of installed distributions and
		// a few lock files; a virtualenv per service can multiply that.
		MaxFiles: 100_000,
		// Headers are a few KiB each; lock files a few MiB.
		MaxTotalBytes: 1 << 30,
		// Old PKG-INFO files keep the whole long description in a header
		// field; 1 MiB holds all real ones.
		MaxHeaderBytes: 1 << 20,
		// The largest real lock files (uv.lock with every wheel of every
		// package) are some MiB.
		MaxLockBytes:         32 << 20,
		MaxRequirementsBytes: 4 << 20,
		// A requirement with dozens of --hash options joined from its
		// continuation lines stays under a few KiB.
		MaxLine:     64 << 10,
		MaxLines:    200_000,
		MaxPackages: 50_000,
		MaxDepth:    64,
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	for _, l := range []struct {
		name string
		v    int64
	}{
		{"MaxFiles", int64(c.MaxFiles)}, {"MaxTotalBytes", c.MaxTotalBytes},
		{"MaxHeaderBytes", c.MaxHeaderBytes}, {"MaxLockBytes", c.MaxLockBytes},
		{"MaxRequirementsBytes", c.MaxRequirementsBytes}, {"MaxLines", int64(c.MaxLines)},
		{"MaxPackages", int64(c.MaxPackages)}, {"MaxDepth", int64(c.MaxDepth)},
	} {
		if l.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive (see DefaultConfig), got %d", l.name, l.v))
		}
	}
	if c.MaxLine < 256 {
		errs = append(errs, fmt.Errorf("MaxLine must be at least 256, got %d", c.MaxLine))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("python config: %w", err)
	}
	return nil
}

// Cataloger finds Python distributions: installed ones (dist-info,
// egg-info) and those named by lock and pinned requirements files. It
// implements inventory.Cataloger and is safe for concurrent use.
type Cataloger struct {
	cfg     Config
	log     *slog.Logger
	readers readers
}

var _ inventory.Cataloger = (*Cataloger)(nil)

// New returns the cataloger with DefaultConfig; log receives warnings about
// malformed files and records (nil discards them).
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

// Name is "python".
func (c *Cataloger) Name() string { return "python" }

// Globs lists every file Catalog may read.
func (c *Cataloger) Globs() []string {
	return []string{
		globDistInfo, globEggInfoDir, globEggInfoFile,
		globPoetry, globUV, globPipfile, globRequirements, globReqDir,
	}
}

// Catalog lists the Python packages of fsys, sorted, one per file that names
// it (inventory.Catalog merges them across files).
//
// A malformed, oversized or hostile file is logged and skipped; a malformed
// entry of a lock or requirements file is logged and skipped, the rest of the
// file still read. Catalog fails only when ctx ends or fsys itself fails.
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	// A directory named *.egg-info is no regular file: Find leaves it out.
	files, truncated, err := inventory.Find(ctx, fsys, inventory.FindOptions{Globs: c.Globs(), Max: c.cfg.MaxFiles})
	if err != nil {
		return nil, err
	}
	if truncated {
		c.log.Warn("python: too many files, the rest are not read", "max", c.cfg.MaxFiles)
	}
	var (
		pkgs  []inventory.Package
		total int64
	)
	for _, f := range files {
		p := f.Path
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if total >= c.cfg.MaxTotalBytes {
			c.log.Warn("python: read limit reached, the rest are not read", "max", c.cfg.MaxTotalBytes, "path", p)
			break
		}
		got, n, err := c.readFile(fsys, p)
		total += n
		var fe *fileError
		switch {
		case errors.As(err, &fe):
			c.log.Warn("python: skipped file", "path", p, "reason", fe.err)
			continue
		case err != nil:
			return nil, err
		}
		pkgs = append(pkgs, got...)
	}
	inventory.SortPackages(pkgs)
	return pkgs, nil
}

// fileError is what makes one file unusable: it is logged and skipped.
// Any other error from readFile is fsys failing.
type fileError struct{ err error }

func (e *fileError) Error() string { return e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

func skipFile(format string, args ...any) error {
	return &fileError{fmt.Errorf(format, args...)}
}

// parser reads one format from r, which is capped at limit+1 bytes. It
// reports a malformed file as a *fileError and each malformed entry to warn.
type parser struct {
	limit func(Config) int64
	parse func(c *Cataloger, r io.Reader, file string, warn func(string, ...any)) ([]inventory.Package, error)
}

// parserFor picks the format of a file by its name, as Globs names it.
func parserFor(p string) (parser, bool) {
	base := path.Base(p)
	dir := path.Base(path.Dir(p))
	switch {
	case base == "METADATA" && strings.HasSuffix(dir, ".dist-info"),
		base == "PKG-INFO" && strings.HasSuffix(dir, ".egg-info"),
		strings.HasSuffix(base, ".egg-info"):
		return parser{func(c Config) int64 { return c.MaxHeaderBytes }, (*Cataloger).parseMetadataFile}, true
	case base == "poetry.lock":
		return parser{func(c Config) int64 { return c.MaxLockBytes }, (*Cataloger).parsePoetry}, true
	case base == "uv.lock":
		return parser{func(c Config) int64 { return c.MaxLockBytes }, (*Cataloger).parseUV}, true
	case base == "Pipfile.lock":
		return parser{func(c Config) int64 { return c.MaxLockBytes }, (*Cataloger).parsePipfile}, true
	case strings.HasSuffix(base, ".txt"):
		return parser{func(c Config) int64 { return c.MaxRequirementsBytes }, (*Cataloger).parseRequirements}, true
	}
	return parser{}, false
}

// readFile parses file p of fsys and returns its packages and the bytes read.
// A file that vanished gives nothing.
func (c *Cataloger) readFile(fsys fs.FS, p string) ([]inventory.Package, int64, error) {
	ps, ok := parserFor(p)
	if !ok {
		return nil, 0, nil
	}
	f, err := fsys.Open(p)
	if err != nil {
		if inventory.Absent(err) {
			return nil, 0, nil
		}
		return nil, 0, fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	r := &countingReader{r: f}
	lim := io.LimitReader(r, ps.limit(c.cfg)+1)
	warned := 0
	warn := func(format string, args ...any) {
		warned++
		switch {
		case warned <= maxWarnings:
			c.log.Warn("python: skipped entry", "path", p, "reason", fmt.Sprintf(format, args...))
		case warned == maxWarnings+1:
			c.log.Warn("python: more malformed entries, not logged", "path", p)
		}
	}
	pkgs, err := ps.parse(c, lim, p, warn)
	if err != nil {
		var fe *fileError
		if errors.As(err, &fe) {
			return nil, r.n, err
		}
		return nil, r.n, fmt.Errorf("read %s: %w", p, err)
	}
	return dedup(pkgs), r.n, nil
}

// maxWarnings is how many malformed entries of one file are logged one by one.
const maxWarnings = 10

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// readCapped reads r (capped at max+1 bytes by the caller) whole; more than
// max bytes makes the file unusable.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, skipFile("larger than %d bytes", max)
	}
	return b, nil
}

// dedup sorts pkgs and drops repeats of a name and version (one file may
// list a package twice: Pipfile.lock's default and develop).
func dedup(pkgs []inventory.Package) []inventory.Package {
	inventory.SortPackages(pkgs)
	out := pkgs[:0]
	for i, p := range pkgs {
		if i > 0 && p.Name == out[len(out)-1].Name && p.Version == out[len(out)-1].Version {
			continue
		}
		out = append(out, p)
	}
	return out
}
