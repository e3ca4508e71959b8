package inventory

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
)

// ParseFunc parses one whole file read from path: the packages, the
// malformed entries it skipped (each costs only itself), or an error that
// rejects the whole file.
type ParseFunc func(b []byte, path string) (pkgs []Package, bad []error, err error)

// FilesOptions describe a cataloger whose files are each read whole and
// parsed on their own (lock files, manifests).
type FilesOptions struct {
	// Name prefixes log messages and errors ("php").
	Name  string
	Globs []string
	// MaxFiles caps the files read; MaxFileSize one file's bytes.
	MaxFiles    int
	MaxFileSize int64
	// Parser picks the parser of a file by its path.
	Parser func(path string) ParseFunc
	Log    *slog.Logger
}

// CatalogFiles is the Catalog of such a cataloger: Find the files, read each
// whole (at most MaxFileSize), parse it, and return every package sorted.
// A file that is too large or that its parser rejects is logged and skipped,
// as is each malformed entry (the first MaxWarnings one by one, then a
// count); it fails only when ctx ends or fsys itself fails.
func CatalogFiles(ctx context.Context, fsys fs.FS, opts FilesOptions) ([]Package, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	files, truncated, err := Find(ctx, fsys, FindOptions{Globs: opts.Globs, Max: opts.MaxFiles})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Name, err)
	}
	if truncated {
		log.Warn(opts.Name+": too many files, the rest not read", "max", opts.MaxFiles, "last", files[len(files)-1].Path)
	}
	var all []Package
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := f.Path
		b, err := ReadFile(fsys, p, opts.MaxFileSize)
		switch {
		case Absent(err):
			continue
		case errors.Is(err, ErrTooLarge):
			log.Warn(opts.Name+": skipped file", "path", p, "err", err)
			continue
		case err != nil:
			return nil, err
		}
		pkgs, bad, err := opts.Parser(p)(b, p)
		if err != nil {
			log.Warn(opts.Name+": skipped file", "path", p, "err", err)
			continue
		}
		WarnEntries(log, opts.Name, p, bad)
		all = append(all, pkgs...)
	}
	SortPackages(all)
	return all, nil
}

// MaxWarnings is how many malformed entries of one file WarnEntries logs one
// by one; the rest are counted in one more warning.
const MaxWarnings = 10

// WarnEntries logs the malformed entries a parser skipped in file.
func WarnEntries(log *slog.Logger, name, file string, bad []error) {
	for i, e := range bad {
		if i == MaxWarnings {
			log.Warn(name+": more malformed entries skipped", "path", file, "count", len(bad)-MaxWarnings)
			return
		}
		log.Warn(name+": skipped malformed entry", "path", file, "err", e)
	}
}
