package image

import (
	"errors"
	"io/fs"
	"path"
	"strings"
	"syscall"
)

// maxHops bounds symlink resolution, as Linux does (ELOOP after 40).
const maxHops = 40

// errLoop is returned when a name needs more than maxHops symlinks.
var errLoop = errors.New("too many levels of symbolic links")

// linker is what chroot resolution needs from a file system: the type of one
// already-resolved path and, for a symlink, its target.
type linker interface {
	// node reports on p (clean, relative, "." for the root) without
	// following it: whether it exists, is a directory or is a symlink.
	node(p string) (isDir, isLink bool, target string, err error)
}

// resolve turns name (an fs.ValidPath) into the path it designates with
// every symlink followed as if the root were "/": absolute targets restart
// at the root and ".." stops at it, so no name ever leaves the root. The
// last component is followed only when followLast is set.
func resolve(l linker, op, name string, followLast bool) (string, error) {
	p, _, err := resolveRest(l, op, name, followLast)
	return p, err
}

// resolveRest is resolve that also returns, when a component is missing,
// the path it was resolving at that point: the missing path joined with
// what was left to resolve (symlinks in that rest not followed).
func resolveRest(l linker, op, name string, followLast bool) (string, string, error) {
	if !fs.ValidPath(name) {
		return "", "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return ".", "", nil
	}
	cur := ""
	todo := name
	hops := 0
	for todo != "" {
		var c string
		c, todo, _ = strings.Cut(todo, "/")
		switch c {
		case "", ".":
			continue
		case "..":
			if i := strings.LastIndexByte(cur, '/'); i >= 0 {
				cur = cur[:i]
			} else {
				cur = ""
			}
			continue
		}
		next := c
		if cur != "" {
			next = cur + "/" + c
		}
		last := strings.Trim(todo, "/") == ""
		isDir, isLink, target, err := l.node(next)
		if err != nil {
			return "", path.Clean(next + "/" + todo), &fs.PathError{Op: op, Path: name, Err: err}
		}
		if isLink && (!last || followLast) {
			if target == "" {
				return "", "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
			}
			if hops++; hops > maxHops {
				return "", "", &fs.PathError{Op: op, Path: name, Err: errLoop}
			}
			if strings.HasPrefix(target, "/") {
				cur = ""
			}
			if todo != "" {
				todo = target + "/" + todo
			} else {
				todo = target
			}
			continue
		}
		if !last && !isDir {
			return "", "", &fs.PathError{Op: op, Path: name, Err: syscall.ENOTDIR}
		}
		cur = next
	}
	if cur == "" {
		return ".", "", nil
	}
	return path.Clean(cur), "", nil
}
