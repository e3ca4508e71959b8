//go:build !linux

package image

import "os"

// pseudoFS reports nothing outside Linux: only the top-level proc, sys and
// dev are skipped there.
func pseudoFS(*os.File) (string, bool) { return "", false }
