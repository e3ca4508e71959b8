package inventory

import (
	"context"
	"fmt"
	"io/fs"
)

// Found is one file Find returned.
type Found struct {
	// Path is slash-separated, relative to the root, without a leading slash.
	Path string
	// Size and Mode are the file's (after the symlinks the view resolves).
	Size int64
	Mode fs.FileMode
}

// FindOptions says which files Find returns.
type FindOptions struct {
	// Globs select files by path, in the syntax of Cataloger.Globs.
	Globs []string
	// Executables also selects every regular file with an execute bit, for
	// a ContentCataloger.
	Executables bool
	// Max caps the files returned; 0 means no cap. Past it Find stops and
	// reports truncated.
	Max int
}

// Find lists, in lexical order, the regular files of fsys that a cataloger
// reads: those matching opts.Globs, and executables when asked. It is how a
// cataloger with "**/" globs or a ContentCataloger finds its files: the
// image view holds only the files some cataloger's globs or markers kept,
// so the walk is cheap. Symlinked directories are not followed (fs.WalkDir);
// a matching symlink to a regular file is returned. Entries that vanish
// while walking are skipped; ctx is checked as it goes; any other error of
// fsys is returned.
func Find(ctx context.Context, fsys fs.FS, opts FindOptions) (files []Found, truncated bool, err error) {
	n := 0
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != "." && Absent(err) {
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			return err
		}
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if d.IsDir() {
			return nil
		}
		byName := matchAny(opts.Globs, p)
		if !byName && !(opts.Executables && d.Type().IsRegular()) {
			return nil
		}
		fi, err := fs.Stat(fsys, p) // through a symlink
		if err != nil {
			if Absent(err) {
				return nil
			}
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		if !byName && fi.Mode().Perm()&0o111 == 0 {
			return nil
		}
		if opts.Max > 0 && len(files) == opts.Max {
			truncated = true
			return fs.SkipAll
		}
		files = append(files, Found{Path: p, Size: fi.Size(), Mode: fi.Mode()})
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("find files: %w", err)
	}
	return files, truncated, ctx.Err()
}

func matchAny(globs []string, p string) bool {
	for _, g := range globs {
		if MatchGlob(g, p) {
			return true
		}
	}
	return false
}
