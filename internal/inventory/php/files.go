package php

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// errTooLarge marks a file larger than Config.MaxFileSize: it costs only
// that file (a warning), never the catalog.
var errTooLarge = errors.New("file too large")

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

// readCapped reads file p of fsys whole, up to max bytes; a larger file is
// errTooLarge. A file that vanished is (nil, nil).
func readCapped(fsys fs.FS, p string, max int64) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		if inventory.Absent(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, max)
	}
	return b, nil
}

// checkDepth refuses JSON nested deeper than max arrays and objects, before
// encoding/json sees it (its own limit, 10,000, is far above any real file).
// It only counts brackets outside strings; syntax is json.Unmarshal's job.
func checkDepth(b []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for i, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > max {
				return fmt.Errorf("JSON nested deeper than %d at byte %d", max, i)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// clip quotes s for a message, cut to n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return fmt.Sprintf("%q...", s[:n])
	}
	return fmt.Sprintf("%q", s)
}
