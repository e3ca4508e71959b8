package dotnet

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
	// logged and skipped. Real deps.json files are 10 KiB to a few MiB
	// (ASP.NET apps with hundreds of libraries and their targets).
	MaxFileSize int64
	// MaxEntries caps the libraries of one deps.json, or the entries over
	// all target frameworks of one packages.lock.json; more skips the file.
	MaxEntries int
	// MaxDepth caps JSON nesting (real files nest about 5 deep).
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
		return fmt.Errorf("dotnet: MaxFileSize %d must be positive", c.MaxFileSize)
	case c.MaxEntries <= 0:
		return fmt.Errorf("dotnet: MaxEntries %d must be positive", c.MaxEntries)
	case c.MaxDepth < 8:
		return fmt.Errorf("dotnet: MaxDepth %d must be at least 8", c.MaxDepth)
	case c.MaxFiles <= 0:
		return fmt.Errorf("dotnet: MaxFiles %d must be positive", c.MaxFiles)
	}
	return nil
}

// Globs of the files read: the dependency manifest an app is published
// with, and NuGet's lock file in a project left in the image.
const (
	globDeps = "**/*.deps.json"
	globLock = "**/packages.lock.json"
)

// Cataloger finds the NuGet packages of .NET applications. It implements
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

// Name is "dotnet".
func (c *Cataloger) Name() string { return "dotnet" }

// Globs lists every file Catalog may read.
func (c *Cataloger) Globs() []string { return []string{globDeps, globLock} }

// Catalog lists the NuGet packages of every *.deps.json and
// packages.lock.json in fsys, sorted. A malformed, oversized or hostile file
// or entry is logged and skipped; Catalog fails only when ctx ends or fsys
// itself fails.
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	return inventory.CatalogFiles(ctx, fsys, inventory.FilesOptions{
		Name: "dotnet", Globs: c.Globs(), MaxFiles: c.cfg.MaxFiles, MaxFileSize: c.cfg.MaxFileSize, Log: c.log,
		Parser: func(p string) inventory.ParseFunc {
			if path.Base(p) == "packages.lock.json" {
				return c.parseLock
			}
			return c.parseDeps
		},
	})
}

// validID accepts NuGet package IDs: letters, digits, '.', '_' and '-', at
// most 256 bytes (NuGet allows 100; older packages were longer).
func validID(s string) bool {
	return s != "" && len(s) <= 256 && strings.Trim(s, idChars) == "" && s[0] != '.' && s[0] != '-'
}

// validVersion accepts NuGet versions: letters, digits, '.', '-' and '+',
// at most 128 bytes, starting with a digit.
func validVersion(s string) bool {
	return s != "" && len(s) <= 128 && s[0] >= '0' && s[0] <= '9' && strings.Trim(s, versionChars) == ""
}

const (
	alnum        = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	idChars      = alnum + "._-"
	versionChars = alnum + ".-+"
)
