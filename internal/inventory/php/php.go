package php

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Config bounds the work Catalog does on one file system.
type Config struct {
	// MaxFileSize caps the bytes read from one file; a larger file is
	// logged and skipped. Real composer.lock files are 10 KiB to a few MiB
	// (a Laravel or Symfony app with 150 packages is about 300 KiB).
	MaxFileSize int64
	// MaxEntries caps the packages of one file; more skips the file.
	MaxEntries int
	// MaxDepth caps JSON nesting (real files nest about 6 deep).
	MaxDepth int
	// MaxFiles caps the files read by one Catalog; the rest are logged and
	// not read.
	MaxFiles int
}

// DefaultConfig is the configuration New uses.
func DefaultConfig() Config {
	return Config{MaxFileSize: 64 << 20, MaxEntries: 100_000, MaxDepth: 64, MaxFiles: 10_000}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.MaxFileSize <= 0:
		return fmt.Errorf("php: MaxFileSize %d must be positive", c.MaxFileSize)
	case c.MaxEntries <= 0:
		return fmt.Errorf("php: MaxEntries %d must be positive", c.MaxEntries)
	case c.MaxDepth < 8:
		return fmt.Errorf("php: MaxDepth %d must be at least 8", c.MaxDepth)
	case c.MaxFiles <= 0:
		return fmt.Errorf("php: MaxFiles %d must be positive", c.MaxFiles)
	}
	return nil
}

// Globs of the files read: Composer's lock file, and the record of what
// Composer installed into a vendor directory.
const (
	globLock      = "**/composer.lock"
	globInstalled = "**/vendor/composer/installed.json"
)

// Cataloger finds the Composer packages of PHP applications. It implements
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

// Name is "php".
func (c *Cataloger) Name() string { return "php" }

// Globs lists every file Catalog may read.
func (c *Cataloger) Globs() []string { return []string{globLock, globInstalled} }

// Catalog lists the Composer packages of every composer.lock and
// vendor/composer/installed.json in fsys, sorted. A malformed, oversized or
// hostile file or entry is logged and skipped; Catalog fails only when ctx
// ends or fsys itself fails.
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	return inventory.CatalogFiles(ctx, fsys, inventory.FilesOptions{
		Name: "php", Globs: c.Globs(), MaxFiles: c.cfg.MaxFiles, MaxFileSize: c.cfg.MaxFileSize, Log: c.log,
		Parser: func(p string) inventory.ParseFunc {
			if path.Base(p) == "installed.json" {
				return c.parseInstalled
			}
			return c.parseLock
		},
	})
}

// validName accepts "vendor/package": two non-empty parts of letters,
// digits, '.', '_' and '-', at most 256 bytes in all. (Composer itself
// wants lower case; older packages are not.)
func validName(s string) bool {
	v, p, ok := strings.Cut(s, "/")
	return ok && len(s) <= 256 && validPart(v) && validPart(p)
}

func validPart(s string) bool {
	return s != "" && s != "." && s != ".." && strings.Trim(s, nameChars) == ""
}

// validVersion accepts a release version as reported: it starts with a
// digit and holds letters, digits, '.', '_', '-' and '+', at most 128 bytes.
func validVersion(s string) bool {
	return s != "" && len(s) <= 128 && s[0] >= '0' && s[0] <= '9' && strings.Trim(s, versionChars) == ""
}

const (
	alnum        = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	nameChars    = alnum + "._-"
	versionChars = alnum + "._-+"
)
