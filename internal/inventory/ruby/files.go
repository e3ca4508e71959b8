package ruby

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// findFiles lists the regular files of fsys that match one of globs, in
// lexical order, at most max of them (more: truncated is true).
//
// The walk is the only way to find files under a "**/" glob in an fs.FS; on an
// image view it is cheap, since the view holds only the files some cataloger's
// globs keep. It does not follow symlinked directories (fs.WalkDir); a
// symlinked file that matches is read when it resolves to a regular file. A
// directory that vanished or became a file is absence; any other error is the
// file system failing and is returned.
func findFiles(ctx context.Context, fsys fs.FS, globs []string, max int) (files []string, truncated bool, err error) {
	n := 0
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if inventory.Absent(err) {
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
		if d.IsDir() || !matchAny(globs, p) {
			return nil
		}
		ok, err := inventory.RegularFile(fsys, p)
		if err != nil || !ok {
			return err
		}
		if len(files) == max {
			truncated = true
			return fs.SkipAll
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("find files: %w", err)
	}
	return files, truncated, ctx.Err()
}

func matchAny(globs []string, p string) bool {
	for _, g := range globs {
		if inventory.MatchGlob(g, p) {
			return true
		}
	}
	return false
}

// clip quotes s for a message, cut to n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return fmt.Sprintf("%q...", s[:n])
	}
	return fmt.Sprintf("%q", s)
}
