package inventory

import (
	"errors"
	"io/fs"
	"syscall"
)

// Absent reports whether err, from looking up a package database, means there
// is no database: the path is not there, or an element of it is not a
// directory (a file replaced a directory in an upper layer), as the package
// managers themselves take it. Any other error — a link to content the image
// walk did not keep, a symlink loop — is not absence, and a cataloger must
// return it rather than report an empty list.
func Absent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// RegularFile reports whether p is a regular file of fsys (after the symlinks
// the view resolves). An Absent p is no file; any other error is returned.
func RegularFile(fsys fs.FS, p string) (bool, error) {
	fi, err := fs.Stat(fsys, p)
	if err != nil {
		if Absent(err) {
			return false, nil
		}
		return false, err
	}
	return fi.Mode().IsRegular(), nil
}
