// Package npm catalogs npm lock files and installed node_modules.
//
// STUB: the contract only (New, Name, Globs, Catalog); filled in by its owner.
package npm

import (
	"context"
	"io/fs"
	"log/slog"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Cataloger finds npm lock files and installed node_modules.
type Cataloger struct {
	log *slog.Logger
}

// New returns the cataloger with default limits; log receives warnings
// about malformed records (nil discards them).
func New(log *slog.Logger) *Cataloger {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cataloger{log: log}
}

// Name implements inventory.Cataloger.
func (c *Cataloger) Name() string { return "npm" }

// Globs implements inventory.Cataloger.
func (c *Cataloger) Globs() []string { return nil }

// Catalog implements inventory.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	return nil, nil
}
