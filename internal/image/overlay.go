package image

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"
)

// kind is the type of a recorded tar entry.
type kind uint8

const (
	kindFile    kind = iota // regular file; content kept when Blob is set
	kindDir                 // directory
	kindSymlink             // symbolic link
	kindOther               // device, fifo or anything else: never opened
)

// entry is one recorded tar entry of a layer. It is also the cache format.
type entry struct {
	Path   string `json:"p"`
	Kind   kind   `json:"k"`
	Mode   uint32 `json:"m"`           // permission bits
	Size   int64  `json:"s,omitempty"` // content size of a file
	MTime  int64  `json:"t,omitempty"` // Unix seconds
	Target string `json:"l,omitempty"` // symlink target
	Blob   string `json:"b,omitempty"` // kept content, relative to the layer directory
	// Link is set on a kept path that is a hardlink whose target the walk
	// did not keep (or that lies in a lower layer): its content is unknown,
	// and reading or stating it fails with ErrNotKept.
	Link string `json:"h,omitempty"`
	// Content is set on a file kept because its content holds one of
	// Config.Markers, not because a keep pattern named it.
	Content bool `json:"c,omitempty"`

	dir string // the layer directory holding Blob
	// info is what a directory walk saw (Lstat) at this path; nil for a
	// layer's entries.
	info fs.FileInfo
}

// ErrNotKept is the error of the merged view (View.FS) for a path whose
// content the walk did not keep although a cataloger asked for it: a kept
// path that is a symlink, or lies below one, leading to a path no keep
// pattern covers, or a kept hardlink to an unkept file. It is never
// fs.ErrNotExist: the file may well exist in the image, so a catalog
// reading it must fail rather than report nothing.
var ErrNotKept = errors.New("content not kept by the image walk")

var errNotRegular = errors.New("not a regular file")

// layerData is what one walked layer contributes to the view.
type layerData struct {
	dir       string
	diffID    string // verified digest of the uncompressed tar
	entries   map[string]*entry
	whiteouts map[string]struct{} // paths deleted in lower layers
	opaques   map[string]struct{} // directories whose lower contents are hidden
	children  map[string][]string // directory -> names recorded directly under it; keys are this layer's directories
	nondir    bool                // some entry is not a directory
	inspected []byte              // Config.Inspector's result; nil without one
}

func newLayerData() *layerData {
	return &layerData{
		entries:   map[string]*entry{},
		whiteouts: map[string]struct{}{},
		opaques:   map[string]struct{}{},
	}
}

// index builds children (directories present in this layer) from the
// entries, whiteouts and opaque directories; called once the layer is read.
func (l *layerData) index() {
	set := map[string]map[string]struct{}{".": {}}
	var addDir func(d string)
	addDir = func(d string) {
		for d != "." {
			parent, base := path.Dir(d), path.Base(d)
			if set[d] == nil {
				set[d] = map[string]struct{}{}
			}
			if set[parent] == nil {
				set[parent] = map[string]struct{}{}
			}
			if _, ok := set[parent][base]; ok {
				return // linked already, and so are its parents
			}
			set[parent][base] = struct{}{}
			d = parent
		}
	}
	for p, e := range l.entries {
		parent := path.Dir(p)
		addDir(parent)
		set[parent][path.Base(p)] = struct{}{}
		if e.Kind == kindDir {
			addDir(p)
		} else {
			l.nondir = true
		}
	}
	for p := range l.whiteouts {
		addDir(path.Dir(p))
	}
	for p := range l.opaques {
		addDir(p)
	}
	l.children = make(map[string][]string, len(set))
	for d, names := range set {
		l.children[d] = slices.Sorted(func(yield func(string) bool) {
			for n := range names {
				if !yield(n) {
					return
				}
			}
		})
	}
}

// hides reports whether this layer hides a lower layer's p.
func (l *layerData) hides(p string) bool {
	if len(l.whiteouts) == 0 && len(l.opaques) == 0 && !l.nondir {
		return false
	}
	if _, ok := l.whiteouts[p]; ok {
		return true
	}
	for a := p; a != "."; {
		a = path.Dir(a)
		if _, ok := l.whiteouts[a]; ok {
			return true
		}
		if _, ok := l.opaques[a]; ok {
			return true
		}
		if e := l.entries[a]; e != nil && e.Kind != kindDir {
			return true
		}
	}
	return false
}

// mergedFS is the file system after layers[0..len-1], upper layers winning.
type mergedFS struct {
	layers []*layerData
	m      *matcher // the walk's keep patterns; nil: no ErrNotKept for links
}

// tracer is the linker of a resolution through m: it remembers the last
// symlink met.
type tracer struct {
	m            *mergedFS
	link, target string
}

func (t *tracer) node(p string) (bool, bool, string, error) {
	isDir, isLink, target, err := t.m.node(p)
	if isLink {
		t.link, t.target = p, target
	}
	return isDir, isLink, target, err
}

// resolve is resolve over m, except that a name that goes through a symlink
// to a path the walk could not have recorded (no keep pattern covers it or
// lies below it) fails with ErrNotKept instead of fs.ErrNotExist: the walk
// cannot tell whether it exists. It also returns the entry found.
func (m *mergedFS) resolve(op, name string, followLast bool) (string, *entry, error) {
	t := &tracer{m: m}
	rp, missing, err := resolveRest(t, op, name, followLast)
	if err != nil {
		if m.m != nil && t.link != "" && missing != "" && errors.Is(err, fs.ErrNotExist) && !m.m.relevant(missing) {
			return "", nil, &fs.PathError{Op: op, Path: name, Err: fmt.Errorf(
				"%w: %s is a symlink to %q and %s lies outside every keep pattern", ErrNotKept, t.link, t.target, missing)}
		}
		return "", nil, err
	}
	e, ok := m.lstat(rp)
	if !ok {
		return "", nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	// A kept hardlink is a regular file the view knows about, so Stat
	// answers (a cataloger that stats before it reads then reads and fails);
	// its content is unknown, so everything that reads it fails.
	if e.Link != "" && followLast && op != "stat" {
		return "", nil, &fs.PathError{Op: op, Path: name, Err: fmt.Errorf(
			"%w: %s is a hardlink to %q, which the walk did not keep", ErrNotKept, rp, e.Link)}
	}
	return rp, e, nil
}

var rootEntry = &entry{Path: ".", Kind: kindDir, Mode: 0o755}

// lstat finds p (clean, no symlinks followed) in the merged view.
func (m *mergedFS) lstat(p string) (*entry, bool) {
	if p == "." {
		return rootEntry, true
	}
	for j := len(m.layers) - 1; j >= 0; j-- {
		l := m.layers[j]
		if e, ok := l.entries[p]; ok {
			return e, true
		}
		if _, ok := l.children[p]; ok {
			return &entry{Path: p, Kind: kindDir, Mode: 0o755}, true
		}
		if l.hides(p) {
			return nil, false
		}
	}
	return nil, false
}

func (m *mergedFS) node(p string) (isDir, isLink bool, target string, err error) {
	e, ok := m.lstat(p)
	if !ok {
		return false, false, "", fs.ErrNotExist
	}
	return e.Kind == kindDir, e.Kind == kindSymlink, e.Target, nil
}

// list returns the merged children of directory p (already resolved).
func (m *mergedFS) list(p string) []*entry {
	var names []string
	for _, l := range m.layers {
		names = append(names, l.children[p]...)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	out := make([]*entry, 0, len(names))
	for _, n := range names {
		c := n
		if p != "." {
			c = p + "/" + n
		}
		if e, ok := m.lstat(c); ok {
			out = append(out, e)
		}
	}
	return out
}

func (m *mergedFS) Open(name string) (fs.File, error) {
	rp, e, err := m.resolve("open", name, true)
	if err != nil {
		return nil, err
	}
	switch e.Kind {
	case kindDir:
		return &dirFile{info: entryInfo{name: path.Base(name), e: e}, entries: m.list(rp)}, nil
	case kindFile:
		if e.Blob == "" {
			return nil, &fs.PathError{Op: "open", Path: name, Err: ErrNotKept}
		}
		f, err := os.Open(filepath.Join(e.dir, filepath.FromSlash(e.Blob)))
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &blobFile{f: f, info: entryInfo{name: path.Base(name), e: e}}, nil
	default:
		return nil, &fs.PathError{Op: "open", Path: name, Err: errNotRegular}
	}
}

func (m *mergedFS) Stat(name string) (fs.FileInfo, error) {
	_, e, err := m.resolve("stat", name, true)
	if err != nil {
		return nil, err
	}
	return entryInfo{name: path.Base(name), e: e}, nil
}

func (m *mergedFS) Lstat(name string) (fs.FileInfo, error) {
	_, e, err := m.resolve("lstat", name, false)
	if err != nil {
		return nil, err
	}
	return entryInfo{name: path.Base(name), e: e}, nil
}

func (m *mergedFS) ReadLink(name string) (string, error) {
	_, e, err := m.resolve("readlink", name, false)
	if err != nil {
		return "", err
	}
	if e.Kind != kindSymlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return e.Target, nil
}

func (m *mergedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	rp, e, err := m.resolve("readdir", name, true)
	if err != nil {
		return nil, err
	}
	if e.Kind != kindDir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
	}
	list := m.list(rp)
	out := make([]fs.DirEntry, len(list))
	for i, c := range list {
		out[i] = fs.FileInfoToDirEntry(entryInfo{name: path.Base(c.Path), e: c})
	}
	return out, nil
}

func (m *mergedFS) ReadFile(name string) ([]byte, error) {
	f, err := m.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	}
	buf := make([]byte, st.Size())
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return buf, nil
}

var (
	errNotDir = errors.New("not a directory")
	errIsDir  = errors.New("is a directory")
)

// entryInfo is the fs.FileInfo of a recorded entry.
type entryInfo struct {
	name string
	e    *entry
}

func (i entryInfo) Name() string {
	if i.name == "" || i.name == "/" {
		return "."
	}
	return i.name
}
func (i entryInfo) Size() int64        { return i.e.Size }
func (i entryInfo) ModTime() time.Time { return time.Unix(i.e.MTime, 0) }
func (i entryInfo) IsDir() bool        { return i.e.Kind == kindDir }
func (i entryInfo) Sys() any           { return nil }
func (i entryInfo) Mode() fs.FileMode {
	m := fs.FileMode(i.e.Mode) & fs.ModePerm
	switch i.e.Kind {
	case kindDir:
		m |= fs.ModeDir
	case kindSymlink:
		m |= fs.ModeSymlink
	case kindOther:
		m |= fs.ModeIrregular
	}
	return m
}

// blobFile is a kept file opened from the cache directory, read-only.
type blobFile struct {
	f    *os.File
	info entryInfo
}

func (b *blobFile) Stat() (fs.FileInfo, error)                { return b.info, nil }
func (b *blobFile) Read(p []byte) (int, error)                { return b.f.Read(p) }
func (b *blobFile) ReadAt(p []byte, off int64) (int, error)   { return b.f.ReadAt(p, off) }
func (b *blobFile) Seek(off int64, whence int) (int64, error) { return b.f.Seek(off, whence) }
func (b *blobFile) Close() error                              { return b.f.Close() }

// dirFile is an opened directory of the merged view.
type dirFile struct {
	info    entryInfo
	entries []*entry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errIsDir}
}
func (d *dirFile) Close() error { return nil }
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && n < len(rest) {
		rest = rest[:n]
	}
	d.off += len(rest)
	out := make([]fs.DirEntry, len(rest))
	for i, c := range rest {
		out[i] = fs.FileInfoToDirEntry(entryInfo{name: path.Base(c.Path), e: c})
	}
	return out, nil
}

// collectUnder appends every path of the merged view strictly below p
// (resolved, not following symlinks) to out.
func (m *mergedFS) collectUnder(p string, out []string) []string {
	e, ok := m.lstat(p)
	if !ok || e.Kind != kindDir {
		return out
	}
	for _, c := range m.list(p) {
		out = append(out, c.Path)
		out = m.collectUnder(c.Path, out)
	}
	return out
}

func (e *entry) String() string { return fmt.Sprintf("%s(%d)", e.Path, e.Kind) }

var (
	_ fs.StatFS      = (*mergedFS)(nil)
	_ fs.ReadDirFS   = (*mergedFS)(nil)
	_ fs.ReadFileFS  = (*mergedFS)(nil)
	_ fs.ReadLinkFS  = (*mergedFS)(nil)
	_ fs.ReadDirFile = (*dirFile)(nil)
)
