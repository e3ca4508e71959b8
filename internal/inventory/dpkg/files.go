package dpkg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/filelist"
)

const infoDir = "var/lib/dpkg/info"

// listFormat is the format of a per-package file list.
type listFormat int

const (
	// formatList is dpkg's info/<name>[:<arch>].list: one absolute path a
	// line, directories included, "/." for the root.
	formatList listFormat = iota
	// formatMD5 is a md5sums file ("<32 hex>  <path>", the path relative),
	// which distroless images keep beside each control file in status.d:
	// regular files only, no directories, no symlinks.
	formatMD5
)

// listResult is what parseList found in one file list.
type listResult struct {
	kept, dropped int
	// firstBad and why describe the first dropped line.
	firstBad, why string
	// lineCap is set when the file had more than Config.MaxListLines lines;
	// spent when the run's budget ran out in this file.
	lineCap, spent bool
}

// parseList adds the paths of one file list (data, in format f) to l,
// relative without the leading slash, and reports what it dropped: lines that
// are not a path of that format or whose path fails filelist.Problem. The root
// entry "/." of a .list is skipped silently.
func (c *Cataloger) parseList(data []byte, f listFormat, l *filelist.Builder) listResult {
	var r listResult
	drop := func(line []byte, why string) {
		r.dropped++
		if r.firstBad == "" {
			r.firstBad, r.why = clip(line, 80), why
		}
	}
	for n := 0; len(data) > 0; n++ {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		if n >= c.cfg.MaxListLines {
			r.lineCap = true
			return r
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		var p []byte
		switch f {
		case formatList:
			if string(line) == "/." {
				continue
			}
			var ok bool
			if p, ok = bytes.CutPrefix(line, []byte("/")); !ok {
				drop(line, "not an absolute path")
				continue
			}
		case formatMD5:
			// "<md5>  <path>" or "<md5> *<path>" (md5sum's binary mode).
			if len(line) < 35 || !isHex(line[:32]) || line[32] != ' ' || line[33] != ' ' && line[33] != '*' {
				drop(line, "not a md5sums line")
				continue
			}
			p = bytes.TrimPrefix(line[34:], []byte("/"))
		}
		if why, ok := l.Add(p); !ok {
			if why == "" {
				r.spent = true
				return r
			}
			drop(line, why)
			continue
		}
		r.kept++
	}
	return r
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// listCandidates are the files that may list the paths of p, in the order
// they are tried: for a package of var/lib/dpkg/status, info/<name>:<arch>.list
// (Multi-Arch: same packages) then info/<name>.list; for a distroless one,
// status.d/<name>.md5sums.
func listCandidates(p *inventory.Package) ([]string, listFormat) {
	if p.Path != statusFile {
		return []string{statusDir + "/" + p.Name + ".md5sums"}, formatMD5
	}
	if p.Arch == "" {
		return []string{infoDir + "/" + p.Name + ".list"}, formatList
	}
	return []string{infoDir + "/" + p.Name + ":" + p.Arch + ".list", infoDir + "/" + p.Name + ".list"}, formatList
}

// addFiles fills the Files of pkgs from their file lists. A list that is
// missing leaves Files nil; one that cannot be read, or is over
// Config.MaxListSize, is logged and leaves Files nil; bad lines are logged
// and dropped. Past Config.MaxFiles paths or Config.MaxFilesBytes bytes in
// all, no more lists are read: that is logged once, and the Files of that
// package and all after it are incomplete. Either cap at 0 turns Files off.
// Only ctx ends it early.
func (c *Cataloger) addFiles(ctx context.Context, fsys fs.FS, pkgs []inventory.Package) error {
	if c.cfg.MaxFiles == 0 || c.cfg.MaxFilesBytes == 0 {
		return nil
	}
	var (
		l       = filelist.New(c.cfg.MaxFiles, c.cfg.MaxFilesBytes)
		scratch []byte
	)
	for i := range pkgs {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := &pkgs[i]
		names, f := listCandidates(p)
		var data []byte
		file := ""
		for _, name := range names {
			var err error
			data, err = c.readList(fsys, name, scratch[:0])
			if errors.Is(err, errNoList) {
				continue
			}
			if err != nil {
				c.log.Warn("dpkg: file list not read: Files left empty", "package", p.Name, "path", name, "err", err)
				break
			}
			scratch, file = data, name
			break
		}
		if file == "" {
			continue
		}
		// The list's size and line count bound its paths' bytes and count.
		l.Grow(bytes.Count(data, []byte("\n"))+1, len(data))
		r := c.parseList(data, f, l)
		p.Files = l.Files()
		if r.dropped > 0 {
			c.log.Warn("dpkg: dropped invalid lines of a file list", "package", p.Name, "path", file,
				"count", r.dropped, "first", r.firstBad, "reason", r.why)
		}
		if r.lineCap {
			c.log.Warn("dpkg: file list over the line cap: Files incomplete", "package", p.Name, "path", file,
				"maxLines", c.cfg.MaxListLines)
		}
		if r.spent {
			c.log.Warn("dpkg: file lists over the cap of one scan: Files of this package and the ones after it in name order are incomplete",
				"package", p.Name, "path", file, "maxFiles", c.cfg.MaxFiles, "maxFilesBytes", c.cfg.MaxFilesBytes)
			return nil
		}
	}
	return nil
}

// errNoList means the file list is not there (or not a regular file).
var errNoList = errors.New("no file list")

// readList reads the file list at name into buf (reused across calls) and
// returns it, errNoList when there is none, or the reason it cannot be used.
func (c *Cataloger) readList(fsys fs.FS, name string, buf []byte) ([]byte, error) {
	ok, err := inventory.RegularFile(fsys, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoList
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil {
		if fi.Size() > c.cfg.MaxListSize {
			return nil, fmt.Errorf("%w: %d bytes, over %d", errTooLarge, fi.Size(), c.cfg.MaxListSize)
		}
		// At least double when growing: the buffer reused across lists then
		// reaches the largest list's size in a few steps, where append's
		// 1.25x steps for large slices would allocate some 5 times that.
		if n := int(fi.Size()) + 1; cap(buf)-len(buf) < n {
			buf = slices.Grow(buf, max(n, cap(buf)))
		}
	}
	lim := &io.LimitedReader{R: f, N: c.cfg.MaxListSize + 1}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lim.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(buf)) > c.cfg.MaxListSize {
		return nil, fmt.Errorf("%w: over %d bytes", errTooLarge, c.cfg.MaxListSize)
	}
	return buf, nil
}
