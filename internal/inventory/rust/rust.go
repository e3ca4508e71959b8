package rust

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// lockGlob names the lock files Catalog reads.
const lockGlob = "**/Cargo.lock"

// Marker is the name of the section cargo-auditable adds to a binary.
const Marker = ".dep-v0"

// Config bounds the work Catalog does on one file system.
type Config struct {
	// MaxLockSize caps one Cargo.lock; a larger one is skipped with a
	// warning. Big workspaces have lock files of about 1 MB.
	MaxLockSize int64
	// MaxPackages caps the packages of one lock file or one binary; past it
	// the file is skipped with a warning. Big workspaces lock ~1,500.
	MaxPackages int
	// MaxFileSize caps the size of an executable examined; a larger one is
	// skipped with a warning.
	MaxFileSize int64
	// MaxBinaries caps the files examined in one file system, executables
	// and Cargo.lock files together; the rest (in path order) are skipped
	// with one warning.
	MaxBinaries int
	// MaxAuditCompressed caps the .dep-v0 section (zlib-compressed JSON);
	// real ones are a few KiB.
	MaxAuditCompressed int64
	// MaxAuditData caps the decompressed audit data; past it the binary is
	// skipped with a warning (rust-audit-info's default limit is 8 MiB).
	MaxAuditData int64
}

// DefaultConfig is the configuration New uses.
func DefaultConfig() Config {
	return Config{
		MaxLockSize:        16 << 20,
		MaxPackages:        50_000,
		MaxFileSize:        512 << 20,
		MaxBinaries:        100_000,
		MaxAuditCompressed: 8 << 20,
		MaxAuditData:       8 << 20,
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.MaxLockSize <= 0:
		return fmt.Errorf("rust: MaxLockSize %d must be positive", c.MaxLockSize)
	case c.MaxPackages <= 0:
		return fmt.Errorf("rust: MaxPackages %d must be positive", c.MaxPackages)
	case c.MaxFileSize <= 0:
		return fmt.Errorf("rust: MaxFileSize %d must be positive", c.MaxFileSize)
	case c.MaxBinaries <= 0:
		return fmt.Errorf("rust: MaxBinaries %d must be positive", c.MaxBinaries)
	case c.MaxAuditCompressed <= 0:
		return fmt.Errorf("rust: MaxAuditCompressed %d must be positive", c.MaxAuditCompressed)
	case c.MaxAuditData <= 0:
		return fmt.Errorf("rust: MaxAuditData %d must be positive", c.MaxAuditData)
	}
	return nil
}

// Cataloger lists the crates of Cargo.lock files and of binaries built with
// cargo-auditable. It implements inventory.ContentCataloger and is safe for
// concurrent use.
type Cataloger struct {
	cfg Config
	log *slog.Logger
}

var _ inventory.ContentCataloger = (*Cataloger)(nil)

// New returns a Cataloger with DefaultConfig. log receives a warning per
// file or entry skipped; nil discards them.
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

// Name is "rust".
func (c *Cataloger) Name() string { return "rust" }

// Globs names the lock files: every Cargo.lock.
func (c *Cataloger) Globs() []string { return []string{lockGlob} }

// Markers is the name of cargo-auditable's section, which the section
// name table of every such binary holds.
func (c *Cataloger) Markers() [][]byte { return [][]byte{[]byte(Marker)} }

// Catalog finds every Cargo.lock and every executable of fsys
// (inventory.Find), reads the lock files and the .dep-v0 section of the
// executables, and returns their crates, sorted. A malformed, oversized or
// hostile file is logged and skipped; Catalog fails only when fsys fails (a
// directory cannot be read, a file cannot be looked up for another reason
// than absence) and when ctx ends.
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	files, truncated, err := inventory.Find(ctx, fsys, inventory.FindOptions{Globs: c.Globs(), Executables: true, Max: c.cfg.MaxBinaries})
	if err != nil {
		return nil, fmt.Errorf("rust: %w", err)
	}
	if truncated {
		c.log.Warn("rust: too many executables, rest skipped", "limit", c.cfg.MaxBinaries, "last", files[len(files)-1].Path)
	}
	var pkgs []inventory.Package
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if inventory.MatchGlob(lockGlob, f.Path) {
			pkgs = append(pkgs, c.readLockFile(fsys, f.Path)...)
		} else {
			pkgs = append(pkgs, c.readBinaryFile(fsys, f.Path, f.Size)...)
		}
	}
	inventory.SortPackages(pkgs)
	return pkgs, nil
}

// readLockFile reads the Cargo.lock at p.
func (c *Cataloger) readLockFile(fsys fs.FS, p string) []inventory.Package {
	data, err := inventory.ReadFile(fsys, p, c.cfg.MaxLockSize)
	if err != nil {
		c.log.Warn("rust: skipped Cargo.lock", "path", p, "err", err)
		return nil
	}
	pkgs, bad, err := c.parseLock(data, p)
	if err != nil {
		c.log.Warn("rust: skipped Cargo.lock", "path", p, "err", err)
		return nil
	}
	if len(bad) > 0 {
		c.log.Warn("rust: skipped malformed packages", "path", p, "count", len(bad), "first", bad[0])
	}
	return pkgs
}

// readBinaryFile reads the audit data of the executable at p.
func (c *Cataloger) readBinaryFile(fsys fs.FS, p string, size int64) []inventory.Package {
	ra, closer, err := inventory.OpenReaderAt(fsys, p, size, c.cfg.MaxFileSize)
	if err != nil {
		c.log.Warn("rust: skipped executable", "path", p, "err", err)
		return nil
	}
	defer closer.Close()
	pkgs, bad, err := c.readBinary(ra, p)
	switch {
	case errors.Is(err, errNoAuditData):
		c.log.Debug("rust: no audit data", "path", p)
	case err != nil:
		c.log.Warn("rust: skipped executable", "path", p, "err", err)
	case len(bad) > 0:
		c.log.Warn("rust: skipped malformed packages", "path", p, "count", len(bad), "first", bad[0])
	}
	return pkgs
}
