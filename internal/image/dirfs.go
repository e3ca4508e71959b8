package image

import (
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// dirFS is a read-only view of a root file system directory with chroot
// semantics: every symlink is resolved by resolve against the root, so a
// link to "/etc/passwd" means the tree's etc/passwd and "../../.." stops at
// the root. The final open goes through an os.Root, which refuses to leave
// the directory even if the tree changes under us. Nothing is cached.
type dirFS struct {
	root *os.Root
}

func (d *dirFS) node(p string) (isDir, isLink bool, target string, err error) {
	fi, err := d.root.Lstat(p)
	if err != nil {
		return false, false, "", err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		t, err := d.root.Readlink(p)
		if err != nil {
			return false, false, "", err
		}
		return false, true, t, nil
	}
	return fi.IsDir(), false, "", nil
}

func (d *dirFS) Open(name string) (fs.File, error) {
	rp, err := resolve(d, "open", name, true)
	if err != nil {
		return nil, err
	}
	f, err := d.root.Open(rp)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: unwrapPath(err)}
	}
	return &rootFile{File: f, name: path.Base(name)}, nil
}

func (d *dirFS) Stat(name string) (fs.FileInfo, error) {
	rp, err := resolve(d, "stat", name, true)
	if err != nil {
		return nil, err
	}
	fi, err := d.root.Lstat(rp)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: unwrapPath(err)}
	}
	return renamed{fi, path.Base(name)}, nil
}

func (d *dirFS) Lstat(name string) (fs.FileInfo, error) {
	rp, err := resolve(d, "lstat", name, false)
	if err != nil {
		return nil, err
	}
	fi, err := d.root.Lstat(rp)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: unwrapPath(err)}
	}
	return renamed{fi, path.Base(name)}, nil
}

func (d *dirFS) ReadLink(name string) (string, error) {
	rp, err := resolve(d, "readlink", name, false)
	if err != nil {
		return "", err
	}
	t, err := d.root.Readlink(rp)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: unwrapPath(err)}
	}
	return t, nil
}

func (d *dirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f, err := d.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	des, err := f.(*rootFile).File.ReadDir(-1)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: unwrapPath(err)}
	}
	slices.SortFunc(des, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return des, nil
}

func (d *dirFS) ReadFile(name string) ([]byte, error) {
	f, err := d.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: unwrapPath(err)}
	}
	return b, nil
}

// unwrapPath drops the os.Root's own PathError so that errors name the
// caller's path once.
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// rootFile is a file of a dirFS: read-only, named as the caller named it.
type rootFile struct {
	*os.File
	name string
}

func (f *rootFile) Stat() (fs.FileInfo, error) {
	fi, err := f.File.Stat()
	if err != nil {
		return nil, err
	}
	return renamed{fi, f.name}, nil
}

// Write and friends are hidden: the view is read-only.
func (f *rootFile) Write([]byte) (int, error) { return 0, fs.ErrPermission }

type renamed struct {
	fs.FileInfo
	name string
}

func (r renamed) Name() string { return r.name }

var (
	_ fs.StatFS     = (*dirFS)(nil)
	_ fs.ReadDirFS  = (*dirFS)(nil)
	_ fs.ReadFileFS = (*dirFS)(nil)
	_ fs.ReadLinkFS = (*dirFS)(nil)
)
