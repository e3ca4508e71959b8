package image

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// dirView is the file system of a walked directory source: the files the
// walk kept, read from the directory itself through its os.Root.
//
// Which names exist and what they resolve to is the walk's record (kept
// files, content-kept executables, and the directories and symlinks on the
// way to them), resolved as a layer view resolves them: absolute symlink
// targets restart at the root, ".." stops there, and a name through a
// symlink to a path no pattern covers is ErrNotKept. A name that a keep
// pattern matches in full is kept by definition: if the record cannot
// resolve it (its symlink leads outside every pattern, or through a
// directory the walk did not record), it is resolved over the real tree
// with the same chroot semantics, so fixed paths such as etc/os-release
// read what they designate wherever their links lead. Any other name is
// fs.ErrNotExist, as in a layer view.
//
// Content and metadata are the directory's own, read when asked (Stat and
// Open go to the file itself); ReadDir lists the record, with what the walk
// saw.
type dirView struct {
	root    *os.Root
	rec     *mergedFS // the walk's record, one layer, with its matcher
	real    *dirFS    // the whole tree, for kept names the record cannot resolve
	skipped []string  // directories the walk did not enter
}

func newDirView(root *os.Root, d *layerData, m *matcher, skipped []string) *dirView {
	return &dirView{root: root, rec: &mergedFS{layers: []*layerData{d}, m: m}, real: &dirFS{root: root}, skipped: skipped}
}

// resolve returns the path name designates in the directory and its kind.
func (v *dirView) resolve(op, name string, followLast bool) (string, kind, error) {
	rp, e, err := v.rec.resolve(op, name, followLast)
	if err == nil {
		return rp, e.Kind, nil
	}
	if !fs.ValidPath(name) || !v.rec.m.keep(name) || errors.Is(err, errLoop) {
		return "", 0, err
	}
	rp, err = resolve(v.real, op, name, followLast)
	if err != nil {
		return "", 0, err
	}
	if v.inSkipped(rp) {
		return "", 0, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	fi, err := v.root.Lstat(rp)
	if err != nil {
		return "", 0, &fs.PathError{Op: op, Path: name, Err: unwrapPath(err)}
	}
	return rp, kindOf(fi.Mode()), nil
}

// inSkipped reports whether p lies in a directory the walk did not enter.
func (v *dirView) inSkipped(p string) bool {
	for _, s := range v.skipped {
		if p == s || strings.HasPrefix(p, s+"/") {
			return true
		}
	}
	return false
}

func kindOf(m fs.FileMode) kind {
	switch {
	case m.IsRegular():
		return kindFile
	case m.IsDir():
		return kindDir
	case m&fs.ModeSymlink != 0:
		return kindSymlink
	}
	return kindOther
}

func (v *dirView) Open(name string) (fs.File, error) {
	rp, k, err := v.resolve("open", name, true)
	if err != nil {
		return nil, err
	}
	switch k {
	case kindDir:
		fi, err := v.root.Lstat(rp)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: unwrapPath(err)}
		}
		return &listFile{info: renamed{fi, path.Base(name)}, list: v.list(rp)}, nil
	case kindFile:
		// O_NONBLOCK: a file replaced by a fifo since the walk must not
		// hang the reader; it changes nothing for a regular file.
		f, err := v.root.OpenFile(rp, os.O_RDONLY|openNonblock, 0)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: unwrapPath(err)}
		}
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			_ = f.Close()
			if err == nil {
				err = errNotRegular
			}
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &rootFile{File: f, name: path.Base(name)}, nil
	default:
		return nil, &fs.PathError{Op: "open", Path: name, Err: errNotRegular}
	}
}

func (v *dirView) stat(op, name string, followLast bool) (fs.FileInfo, error) {
	rp, _, err := v.resolve(op, name, followLast)
	if err != nil {
		return nil, err
	}
	fi, err := v.root.Lstat(rp)
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: unwrapPath(err)}
	}
	return renamed{fi, path.Base(name)}, nil
}

func (v *dirView) Stat(name string) (fs.FileInfo, error)  { return v.stat("stat", name, true) }
func (v *dirView) Lstat(name string) (fs.FileInfo, error) { return v.stat("lstat", name, false) }

func (v *dirView) ReadLink(name string) (string, error) {
	rp, k, err := v.resolve("readlink", name, false)
	if err != nil {
		return "", err
	}
	if k != kindSymlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	t, err := v.root.Readlink(rp)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: unwrapPath(err)}
	}
	return t, nil
}

func (v *dirView) ReadDir(name string) ([]fs.DirEntry, error) {
	rp, k, err := v.resolve("readdir", name, true)
	if err != nil {
		return nil, err
	}
	if k != kindDir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	return v.list(rp), nil
}

func (v *dirView) ReadFile(name string) ([]byte, error) {
	f, err := v.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, ok := f.(*listFile); ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: unwrapPath(err)}
	}
	return b, nil
}

// list is the recorded children of directory p (resolved), sorted, as
// the walk saw them.
func (v *dirView) list(p string) []fs.DirEntry {
	es := v.rec.list(p)
	out := make([]fs.DirEntry, len(es))
	for i, e := range es {
		var fi fs.FileInfo = entryInfo{name: path.Base(e.Path), e: e}
		if e.info != nil {
			fi = e.info
		}
		out[i] = fs.FileInfoToDirEntry(fi)
	}
	return out
}

// listFile is an opened directory of a dirView.
type listFile struct {
	info fs.FileInfo
	list []fs.DirEntry
	off  int
}

func (d *listFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *listFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errIsDir}
}
func (d *listFile) Close() error { return nil }
func (d *listFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.list[d.off:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && n < len(rest) {
		rest = rest[:n]
	}
	d.off += len(rest)
	return slices.Clone(rest), nil
}

var (
	_ fs.StatFS      = (*dirView)(nil)
	_ fs.ReadDirFS   = (*dirView)(nil)
	_ fs.ReadFileFS  = (*dirView)(nil)
	_ fs.ReadLinkFS  = (*dirView)(nil)
	_ fs.ReadDirFile = (*listFile)(nil)
)
