package ruby

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
	"github.com/vigil-sec/vigil/internal/inventory/lines"
)

// Config bounds the work Catalog does on one file system.
type Config struct {
	// MaxFileSize caps the bytes read from one file; a larger file is
	// logged and skipped. Installed gemspecs are 1-10 KiB; a Gemfile.lock
	// of a big Rails app is about 30 KiB.
	MaxFileSize int64
	// MaxLine is the longest line kept whole, and the read buffer size; a
	// longer line that holds a field Catalog uses is an error of its entry.
	MaxLine int
	// MaxEntries caps the specs of one Gemfile.lock; more skips the file.
	MaxEntries int
	// MaxFiles caps the files read by one Catalog; the rest are logged and
	// not read.
	MaxFiles int
}

// DefaultConfig is the configuration New uses.
func DefaultConfig() Config {
	return Config{MaxFileSize: 16 << 20, MaxLine: 64 << 10, MaxEntries: 100_000, MaxFiles: 50_000}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.MaxFileSize <= 0:
		return fmt.Errorf("ruby: MaxFileSize %d must be positive", c.MaxFileSize)
	case c.MaxLine < 256:
		return fmt.Errorf("ruby: MaxLine %d must be at least 256", c.MaxLine)
	case c.MaxEntries <= 0:
		return fmt.Errorf("ruby: MaxEntries %d must be positive", c.MaxEntries)
	case c.MaxFiles <= 0:
		return fmt.Errorf("ruby: MaxFiles %d must be positive", c.MaxFiles)
	}
	return nil
}

// Globs of the files read: the specifications RubyGems writes for every
// installed gem (default gems of the Ruby install in their own folder), and
// Bundler's lock file.
const (
	globSpec        = "**/specifications/*.gemspec"
	globDefaultSpec = "**/specifications/default/*.gemspec"
	globLock        = "**/Gemfile.lock"
)

// Cataloger finds the gems of Ruby installs and applications. It implements
// inventory.Cataloger and is safe for concurrent use.
type Cataloger struct {
	cfg Config
	log *slog.Logger
}

var _ inventory.Cataloger = (*Cataloger)(nil)

// New returns a Cataloger with DefaultConfig; log receives warnings about
// malformed files and entries (nil discards them).
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

// Name is "ruby".
func (c *Cataloger) Name() string { return "ruby" }

// Globs lists every file Catalog may read.
func (c *Cataloger) Globs() []string { return []string{globSpec, globDefaultSpec, globLock} }

// Catalog lists the gems of every installed gemspec and Gemfile.lock in
// fsys, sorted. A malformed, oversized or hostile file or entry is logged
// and skipped; Catalog fails only when ctx ends or fsys itself fails.
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	files, truncated, err := inventory.Find(ctx, fsys, inventory.FindOptions{Globs: c.Globs(), Max: c.cfg.MaxFiles})
	if err != nil {
		return nil, fmt.Errorf("ruby: %w", err)
	}
	if truncated {
		c.log.Warn("ruby: too many files, the rest not read", "max", c.cfg.MaxFiles, "last", files[len(files)-1].Path)
	}
	var all []inventory.Package
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := file.Path
		f, err := fsys.Open(p)
		if inventory.Absent(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", p, err)
		}
		var (
			pkgs []inventory.Package
			bad  []error
		)
		if path.Base(p) == "Gemfile.lock" {
			pkgs, bad, err = c.parseLock(f, p)
		} else {
			var pkg inventory.Package
			if pkg, bad, err = c.parseGemspec(f, p); err == nil {
				pkgs = []inventory.Package{pkg}
			}
		}
		f.Close()
		var rerr *readError
		if errors.As(err, &rerr) {
			return nil, fmt.Errorf("read %s: %w", p, rerr.err)
		}
		if err != nil {
			c.log.Warn("ruby: skipped file", "path", p, "err", err)
			continue
		}
		inventory.WarnEntries(c.log, "ruby", p, bad)
		all = append(all, pkgs...)
	}
	inventory.SortPackages(all)
	return all, nil
}

// readError is the file system failing under a parser, as opposed to the
// file being malformed: it fails the catalog.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// errTooLarge marks a file larger than Config.MaxFileSize.
var errTooLarge = errors.New("file too large")

// lineReader reads r by lines of at most cfg.MaxLine bytes, and at most
// cfg.MaxFileSize bytes in all.
type lineReader struct {
	lim *io.LimitedReader
	lr  *lines.Reader
	max int64
}

// The buffer is no larger than the file (when its size is known: r is an
// fs.File), so that 300 gemspecs of 2 KiB do not cost 300 buffers of
// MaxLine; a file that grows while read meets the same caps.
func (c *Cataloger) newLineReader(r io.Reader) *lineReader {
	size := c.cfg.MaxLine
	if f, ok := r.(fs.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Size() >= 0 && fi.Size() < int64(size) {
			size = max(int(fi.Size())+1, 256)
		}
	}
	lim := &io.LimitedReader{R: r, N: c.cfg.MaxFileSize + 1}
	return &lineReader{lim: lim, lr: lines.NewReader(lim, size), max: c.cfg.MaxFileSize}
}

// next returns the next line (valid until the next call), io.EOF at the
// end, errTooLarge past the size cap, or a *readError.
func (l *lineReader) next() (line []byte, truncated bool, err error) {
	line, truncated, err = l.lr.Next()
	switch {
	case l.lim.N <= 0:
		return nil, false, fmt.Errorf("%w: more than %d bytes", errTooLarge, l.max)
	case errors.Is(err, io.EOF):
		return nil, false, io.EOF
	case err != nil:
		return nil, false, &readError{err}
	}
	return line, truncated, nil
}

// validName accepts gem names: letters, digits, '.', '_' and '-', at most
// 256 bytes.
func validName(s string) bool {
	return s != "" && len(s) <= 256 && s != "." && s != ".." && strings.Trim(s, nameChars) == ""
}

// validVersion accepts RubyGems versions: a digit first, then letters,
// digits, '.' and '-', at most 128 bytes.
func validVersion(s string) bool {
	return s != "" && len(s) <= 128 && s[0] >= '0' && s[0] <= '9' && strings.Trim(s, versionChars) == ""
}

const (
	alnum        = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	nameChars    = alnum + "._-"
	versionChars = alnum + ".-"
)
