package image

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"slices"
)

const (
	// dirBatch is how many directory entries are read at once; ctx is
	// checked between batches.
	dirBatch = 512
	// maxDirDepth bounds the directories open at once during a directory
	// walk (one descriptor each); deeper directories are skipped with a
	// warning. Real trees stay far below (a deep node_modules is ~30).
	maxDirDepth = 256
)

// Markers whose ELF section is known, and those sections: an ELF file with
// section headers holds the marker if and only if it has the section (see
// walkDir).
const (
	goBuildInfoMarker  = "\xff Go buildinf:"
	goBuildInfoSection = ".go.buildinfo"
	cargoAuditMarker   = ".dep-v0"
	cargoAuditSection  = ".dep-v0"
)

// elfSectionOf returns the ELF section that holds marker, "" if none is known.
func elfSectionOf(marker []byte) string {
	switch string(marker) {
	case goBuildInfoMarker:
		return goBuildInfoSection
	case cargoAuditMarker:
		return cargoAuditSection
	}
	return ""
}

// topSkipped are the top-level directories of a root that a directory walk
// never enters: the kernel's runtime interfaces (process table, devices,
// sysfs), as other scanners do. They hold no packages, and reading them can
// be slow, hang or have side effects.
func topSkipped(name string) bool {
	return name == "proc" || name == "sys" || name == "dev"
}

// dirWalk is the one walk of a directory source: it records what a layer
// walk would record (kept files, the directories and symlinks on the way to
// them) and the executables holding a marker, without copying anything.
type dirWalk struct {
	ctx     context.Context
	cfg     *Config
	log     *slog.Logger
	m       *matcher
	all     bool           // some pattern starts with "**/", or markers: every directory is entered
	content *contentCheck  // nil: no markers
	insp    LayerInspector // nil: no Config.Inspector; else every entry is shown to it
	cache   os.FileInfo    // Config.CacheDir, never entered; nil if it does not exist
	data    *layerData
	skipped []string // directories not entered: pseudo and network file systems

	entries, kept int64
	warned        map[string]int // reason -> count
	firstBad      map[string]string
}

// walkDir walks the directory of root once and returns its record. The walk
// goes through root (each directory opened from its parent's os.Root, so
// nothing outside the tree is reached even if it changes under the walk),
// never follows a symlinked directory, and does not enter the top-level
// proc, sys and dev, a directory on another device whose file system is a
// kernel pseudo file system or a network file system (pseudoFS), or
// Config.CacheDir.
//
// A regular file is kept if a keep pattern names it, or if it has an
// execute bit, at least minContentSize bytes, an executable magic and one
// of Config.Markers. For an ELF file with section headers and the markers
// of Go build information and cargo-auditable, the section table decides
// (".go.buildinfo", ".dep-v0"): the marker is the first bytes of that
// section, so the answer is the same as searching every byte, for a few
// hundred bytes read. Any other marker, an ELF without section headers or
// one debug/elf cannot parse, and Mach-O and PE files are searched byte by
// byte up to the first hit.
//
// An unreadable directory or file is skipped and logged (one warning per
// reason, with the first path and a count). More than Config.MaxEntries
// entries or Config.MaxKeptEntries records fail the walk.
func walkDir(ctx context.Context, root *os.Root, m *matcher, cfg *Config, log *slog.Logger) (*layerData, []string, error) {
	w := &dirWalk{ctx: ctx, cfg: cfg, log: log, m: m, data: newLayerData(),
		warned: map[string]int{}, firstBad: map[string]string{}}
	if cfg.Inspector != nil {
		w.insp = cfg.Inspector.Layer(0, "")
		w.all = true
	}
	for _, p := range m.pats {
		w.all = w.all || p.anyDirs
	}
	if len(cfg.Markers) > 0 {
		w.content = newContentCheck(cfg.Markers)
		w.all = true
	}
	if fi, err := os.Stat(cfg.CacheDir); err == nil {
		w.cache = fi
	}
	defer w.logWarned()
	if _, err := w.dir(root, ".", nil, 0); err != nil {
		return nil, nil, err
	}
	if w.insp != nil {
		res, err := w.insp.Result()
		if err != nil {
			return nil, nil, fmt.Errorf("inspection result: %w", err)
		}
		w.data.inspected = append([]byte{}, res...)
	}
	w.data.index()
	return w.data, w.skipped, nil
}

func (w *dirWalk) warn(reason, p string) {
	if w.warned[reason] == 0 {
		w.firstBad[reason] = p
	}
	w.warned[reason]++
}

func (w *dirWalk) logWarned() {
	for _, reason := range slices.Sorted(mapKeys(w.warned)) {
		w.log.Warn("directory walk: skipped", "reason", reason, "path", w.firstBad[reason], "count", w.warned[reason])
	}
}

// record stores e, counting it against MaxKeptEntries.
func (w *dirWalk) record(e *entry) error {
	if w.kept++; w.kept > w.cfg.MaxKeptEntries {
		return fmt.Errorf("walk directory: %s: too many kept entries (MaxKeptEntries %d)", e.Path, w.cfg.MaxKeptEntries)
	}
	w.data.entries[e.Path] = e
	return nil
}

// dir walks directory p, which r is rooted at; parent is the FileInfo of
// the directory above (nil for the root). Each entry's FileInfo comes from
// ReadDir, which stats it relative to the directory's descriptor (a
// directory opened in an os.Root). It reports whether it recorded
// anything, so that the directories on the way to a kept file are recorded
// too.
func (w *dirWalk) dir(r *os.Root, p string, parent os.FileInfo, depth int) (bool, error) {
	f, err := r.Open(".")
	if err != nil {
		w.warn("cannot open directory", p)
		return false, nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		w.warn("cannot stat directory", p)
		return false, nil
	}
	if w.cache != nil && os.SameFile(fi, w.cache) {
		return false, nil
	}
	if parent != nil && devOf(parent) != devOf(fi) {
		if t, ok := pseudoFS(f); ok {
			w.log.Debug("directory walk: file system not entered", "path", p, "type", t)
			w.skipped = append(w.skipped, p)
			return false, nil
		}
	}
	if w.insp != nil && p != "." {
		if err := w.inspect(entryOf(p, fi, EntryDir), nil); err != nil {
			return false, err
		}
	}
	got := false
	for {
		if err := w.ctx.Err(); err != nil {
			return false, err
		}
		des, err := f.ReadDir(dirBatch)
		for _, de := range des {
			kept, err := w.child(r, p, fi, de, depth)
			if err != nil {
				return false, err
			}
			got = got || kept
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			w.warn("cannot read directory", p)
			break
		}
	}
	if p != "." && (got || w.m.relevant(p)) {
		if err := w.record(&entry{Path: p, Kind: kindDir, Mode: uint32(fi.Mode().Perm()), MTime: fi.ModTime().Unix(),
			info: renamed{fi, path.Base(p)}}); err != nil {
			return false, err
		}
		return true, nil
	}
	return got, nil
}

// child handles one entry of directory p (whose FileInfo is dirInfo).
func (w *dirWalk) child(r *os.Root, p string, dirInfo os.FileInfo, de fs.DirEntry, depth int) (bool, error) {
	name := de.Name()
	cp := name
	if p != "." {
		cp = p + "/" + name
	}
	if w.entries++; w.entries > w.cfg.MaxEntries {
		return false, fmt.Errorf("walk directory: %s: too many entries (MaxEntries %d)", cp, w.cfg.MaxEntries)
	}
	if len(cp) > maxPath {
		w.warn("path too long", cp[:64]+"...")
		return false, nil
	}
	switch t := de.Type(); {
	case t.IsDir():
		if p == "." && topSkipped(name) {
			w.skipped = append(w.skipped, cp)
			return false, nil
		}
		if !w.all && !w.m.relevant(cp) {
			return false, nil
		}
		if depth+1 >= maxDirDepth {
			w.warn("directory too deep", cp)
			return false, nil
		}
		sub, err := r.OpenRoot(name)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				w.warn("cannot open directory", cp)
			}
			return false, nil
		}
		defer sub.Close()
		return w.dir(sub, cp, dirInfo, depth+1)
	case t&fs.ModeSymlink != 0:
		if w.insp == nil && !w.m.relevant(cp) {
			return false, nil
		}
		fi, err := de.Info()
		if err != nil {
			return false, nil // vanished while walking
		}
		target, err := r.Readlink(name)
		if err != nil || target == "" || len(target) > maxPath {
			w.warn("unreadable or overlong symlink", cp)
			return false, nil
		}
		if w.insp != nil {
			e := entryOf(cp, fi, EntrySymlink)
			e.Target = target
			if err := w.inspect(e, nil); err != nil {
				return false, err
			}
			if !w.m.relevant(cp) {
				return false, nil
			}
		}
		return true, w.record(&entry{Path: cp, Kind: kindSymlink, Mode: 0o777, Target: target, MTime: fi.ModTime().Unix(),
			info: renamed{fi, name}})
	case t.IsRegular():
		keep := w.m.keep(cp)
		if !keep && w.content == nil && w.insp == nil {
			return false, nil
		}
		fi, err := de.Info()
		if err != nil {
			return false, nil
		}
		if w.insp != nil {
			if err := w.inspectFile(r, name, entryOf(cp, fi, EntryFile)); err != nil {
				return false, err
			}
			if !keep && w.content == nil {
				return false, nil
			}
		}
		e := &entry{Path: cp, Kind: kindFile, Mode: uint32(fi.Mode().Perm()), Size: fi.Size(), MTime: fi.ModTime().Unix(),
			info: renamed{fi, name}}
		if !keep {
			if fi.Mode().Perm()&0o111 == 0 || fi.Size() < minContentSize {
				return false, nil
			}
			hit, err := w.content.file(r, name)
			if err != nil {
				w.warn("cannot read executable", cp)
				return false, nil
			}
			if !hit {
				return false, nil
			}
			e.Content = true
		}
		return true, w.record(e)
	default:
		// Device, fifo, socket: recorded where a pattern names it (never
		// opened), like a layer walk does.
		keep := w.m.keep(cp)
		if !keep && w.insp == nil {
			return false, nil
		}
		fi, err := de.Info()
		if err != nil {
			return false, nil
		}
		if w.insp != nil {
			if err := w.inspect(entryOf(cp, fi, EntryOther), nil); err != nil {
				return false, err
			}
		}
		if !keep {
			return false, nil
		}
		return true, w.record(&entry{Path: cp, Kind: kindOther, Mode: uint32(fi.Mode().Perm()), MTime: fi.ModTime().Unix(),
			info: renamed{fi, name}})
	}
}

// entryOf describes a directory source's entry for the inspector.
func entryOf(p string, fi os.FileInfo, t EntryType) EntryInfo {
	e := EntryInfo{Path: p, Type: t, Mode: fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)}
	e.UID, e.GID = ownerOf(fi)
	if t == EntryFile {
		e.Size = fi.Size()
	}
	return e
}

func (w *dirWalk) inspect(e EntryInfo, content io.Reader) error {
	if err := w.insp.Entry(w.ctx, e, content); err != nil {
		return fmt.Errorf("walk directory: inspect %s: %w", e.Path, err)
	}
	return nil
}

// inspectFile shows regular file name of r to the inspector, opened only
// if it wants the content. A file that cannot be opened (gone, no
// permission) is shown without content and logged.
func (w *dirWalk) inspectFile(r *os.Root, name string, e EntryInfo) error {
	if !w.insp.Want(e) {
		return w.inspect(e, nil)
	}
	f, err := r.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		w.warn("cannot open file for inspection", e.Path)
		return w.inspect(e, nil)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		w.warn("file replaced while walking", e.Path)
		return w.inspect(e, nil)
	}
	return w.inspect(e, f)
}

// contentCheck decides whether an executable holds one of the markers.
type contentCheck struct {
	sections []string      // ELF sections standing for markers
	all      *markerSearch // every marker
	rest     *markerSearch // the markers without a section; nil if none
	buf      []byte
	// bytesOnly turns the ELF shortcut off (tests compare both ways).
	bytesOnly bool
}

func newContentCheck(markers [][]byte) *contentCheck {
	c := &contentCheck{all: newMarkerSearch(markers), buf: make([]byte, 64<<10)}
	var rest [][]byte
	for _, m := range markers {
		if s := elfSectionOf(m); s != "" {
			c.sections = append(c.sections, s)
		} else {
			rest = append(rest, m)
		}
	}
	if len(rest) > 0 {
		c.rest = newMarkerSearch(rest)
	}
	return c
}

// file opens name in r and reports whether it is a regular file with an
// executable magic that holds a marker.
func (c *contentCheck) file(r *os.Root, name string) (bool, error) {
	// O_NONBLOCK: a file swapped for a fifo while walking must not hang
	// the walk; it changes nothing for a regular file.
	f, err := r.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() {
		return false, nil
	}
	return c.holds(f)
}

// holds reports whether f (positioned at its start) starts with an
// executable magic and holds a marker.
func (c *contentCheck) holds(f *os.File) (bool, error) {
	var head [4]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return false, nil
		}
		return false, err
	}
	if !execMagic(head[:]) {
		return false, nil
	}
	s := c.all
	if string(head[:]) == elf.ELFMAG && !c.bytesOnly && len(c.sections) > 0 {
		if ef, err := elf.NewFile(f); err == nil && len(ef.Sections) > 0 {
			for _, name := range c.sections {
				if ef.Section(name) != nil {
					return true, nil
				}
			}
			if c.rest == nil {
				return false, nil
			}
			s = c.rest
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	s.reset()
	for {
		n, err := f.Read(c.buf)
		if s.feed(c.buf[:n]) {
			return true, nil
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}
