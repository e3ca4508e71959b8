package apk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/filelist"
	"github.com/vigil-sec/vigil/internal/inventory/lines"
)

// The installed database: apk-tools 2 keeps it in lib/apk/db; apk-tools 3
// (usr-merged systems) in usr/lib/apk/db, with lib/apk/db possibly a symlink
// to it.
const (
	installedV3 = "usr/lib/apk/db/installed"
	installedV2 = "lib/apk/db/installed"
)

// Config bounds the work Catalog does on one file system.
type Config struct {
	// MaxFileSize caps the bytes read from the database; larger is an error.
	// Real databases are 10 KiB to a few MiB (one line per installed file).
	MaxFileSize int64
	// MaxLine is the longest line kept, and the read buffer size; a longer
	// line is an error of its stanza when it holds a field Catalog uses.
	MaxLine int
	// MaxPackages caps the stanzas read.
	MaxPackages int
	// MaxFiles and MaxFilesBytes cap the paths, and their bytes, kept in
	// Files over one Catalog; past either, the Files of the package being
	// read and of those after it in the database are incomplete (logged).
	// Either at 0 turns Files off. A large real image has 100,000-500,000
	// paths of 60-70 bytes on average.
	MaxFiles      int
	MaxFilesBytes int
}

// DefaultConfig is the configuration New uses.
func DefaultConfig() Config {
	return Config{MaxFileSize: 512 << 20, MaxLine: 64 << 10, MaxPackages: 200_000,
		MaxFiles: 2_000_000, MaxFilesBytes: 256 << 20}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.MaxFileSize <= 0:
		return fmt.Errorf("apk: MaxFileSize %d must be positive", c.MaxFileSize)
	case c.MaxLine < 256:
		return fmt.Errorf("apk: MaxLine %d must be at least 256", c.MaxLine)
	case c.MaxPackages <= 0:
		return fmt.Errorf("apk: MaxPackages %d must be positive", c.MaxPackages)
	case c.MaxFiles < 0 || c.MaxFilesBytes < 0:
		return fmt.Errorf("apk: MaxFiles %d and MaxFilesBytes %d must not be negative", c.MaxFiles, c.MaxFilesBytes)
	}
	return nil
}

// Cataloger lists the packages of apk's installed database. It implements
// inventory.Cataloger and is safe for concurrent use.
type Cataloger struct {
	cfg Config
	log *slog.Logger
}

var _ inventory.Cataloger = (*Cataloger)(nil)

// New returns a Cataloger with DefaultConfig. log receives a warning per
// malformed stanza; nil discards them.
func New(log *slog.Logger) *Cataloger {
	c, _ := NewWithConfig(DefaultConfig(), log)
	return c
}

// NewWithConfig returns a Cataloger with cfg, or the error of cfg.Validate.
func NewWithConfig(cfg Config, log *slog.Logger) (*Cataloger, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cataloger{cfg: cfg, log: log}, nil
}

// Name is "apk".
func (c *Cataloger) Name() string { return "apk" }

// Globs lists every file Catalog may read.
func (c *Cataloger) Globs() []string { return []string{installedV2, installedV3} }

// Catalog lists the packages of the installed database, sorted. Of the two
// locations, usr/lib/apk/db/installed is read when it is a file (it exists
// only where apk-tools 3 keeps its database there; lib/apk/db is then a
// compatibility symlink or a stale leftover), else lib/apk/db/installed.
//
// A malformed stanza loses only itself: it is logged as a warning and the
// rest is read. Catalog fails only when the database cannot be read at all (or
// is larger than Config.MaxFileSize) and when ctx ends.
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	for _, p := range []string{installedV3, installedV2} {
		fi, err := fs.Stat(fsys, p)
		if err != nil && !inventory.Absent(err) {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		f, err := fsys.Open(p)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", p, err)
		}
		pkgs, bad, err := c.parseInstalled(ctx, f, p)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		for _, e := range bad {
			c.log.Warn("apk: skipped malformed stanza", "err", e)
		}
		inventory.SortPackages(pkgs)
		return pkgs, nil
	}
	return nil, nil
}

// errTooLarge is returned when the database exceeds Config.MaxFileSize.
var errTooLarge = errors.New("file too large")

// record is what Catalog keeps of one stanza.
type record struct {
	line                                  int
	name, version, arch, origin, license  string
	hasName, hasVersion, hasArch, hasOrig bool
	hasLicense                            bool
	err                                   error
}

// parseInstalled reads apk's installed database ("K:value" lines, stanzas
// separated by blank lines; see apk-package(5)) and returns its packages and
// one error per malformed stanza. The error result is for what stops the
// whole file: a read error, the size or stanza cap, ctx.
//
// Files are the paths of the package's R: lines joined to the folder of the
// F: line before them. An R: line without a usable folder, or that is not a
// file name, or makes a path that fails filelist.Problem, is dropped; dropped
// lines and the run's caps (Config.MaxFiles, MaxFilesBytes) are logged here.
func (c *Cataloger) parseInstalled(ctx context.Context, r io.Reader, file string) ([]inventory.Package, []error, error) {
	lim := &io.LimitedReader{R: r, N: c.cfg.MaxFileSize + 1}
	lr := lines.NewReader(lim, c.cfg.MaxLine)
	var (
		pkgs    []inventory.Package
		bad     []error
		rec     record
		started bool
		n       int
		files   = fileState{list: filelist.New(c.cfg.MaxFiles, c.cfg.MaxFilesBytes)}
		filesOn = c.cfg.MaxFiles > 0 && c.cfg.MaxFilesBytes > 0
		// spentHere is set in the stanza where the budget ran out.
		spentHere bool
	)
	flush := func() error {
		if !started {
			return nil
		}
		started = false
		n++
		if n > c.cfg.MaxPackages {
			return fmt.Errorf("more than %d stanzas", c.cfg.MaxPackages)
		}
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p, err := rec.pkg(file)
		if spentHere {
			spentHere = false
			c.log.Warn("apk: file lists over the cap of one scan: Files of this package and the ones after it in the database are incomplete",
				"package", rec.name, "path", file, "line", rec.line, "maxFiles", c.cfg.MaxFiles, "maxFilesBytes", c.cfg.MaxFilesBytes)
		}
		if err != nil {
			bad = append(bad, fmt.Errorf("%s:%d: %w", file, rec.line, err))
			return nil
		}
		p.Files = files.list.Files()
		if files.dropped > 0 {
			c.log.Warn("apk: dropped invalid file lines", "package", p.Name, "path", file,
				"count", files.dropped, "first", files.firstBad, "reason", files.why)
		}
		pkgs = append(pkgs, p)
		return nil
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	for {
		line, truncated, err := lr.Next()
		if lim.N <= 0 {
			return nil, nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, c.cfg.MaxFileSize)
		}
		if errors.Is(err, io.EOF) {
			if err := flush(); err != nil {
				return nil, nil, err
			}
			return pkgs, bad, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if len(line) == 0 {
			if err := flush(); err != nil {
				return nil, nil, err
			}
			continue
		}
		if !started {
			started = true
			rec = record{line: lr.N}
			files.start()
		}
		if len(line) >= 2 && line[1] == ':' && (line[0] == 'F' || line[0] == 'R') {
			if filesOn && !files.list.Spent() && !files.line(line[0], line, truncated) {
				spentHere = true
			}
			continue
		}
		rec.add(lr.N, line, truncated)
	}
}

func (r *record) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

// add takes one "K:value" line. Fields other than P, V, A, o and L are
// ignored (F and R lines are fileState's).
func (r *record) add(n int, line []byte, truncated bool) {
	if len(line) < 2 || line[1] != ':' {
		r.fail("line %d: not a field: %q", n, clip(line, 40))
		return
	}
	var dst *string
	var has *bool
	switch line[0] {
	case 'P':
		dst, has = &r.name, &r.hasName
	case 'V':
		dst, has = &r.version, &r.hasVersion
	case 'A':
		dst, has = &r.arch, &r.hasArch
	case 'o':
		dst, has = &r.origin, &r.hasOrig
	case 'L':
		dst, has = &r.license, &r.hasLicense
	default:
		return
	}
	if truncated {
		r.fail("line %d: field %c: line longer than %d bytes", n, line[0], len(line))
		return
	}
	if *has {
		r.fail("line %d: duplicate field %c", n, line[0])
		return
	}
	*has = true
	*dst = strings.TrimSpace(string(line[2:]))
}

func (r *record) pkg(file string) (inventory.Package, error) {
	if r.err != nil {
		if validName(r.name) {
			return inventory.Package{}, fmt.Errorf("package %s: %w", r.name, r.err)
		}
		return inventory.Package{}, r.err
	}
	switch {
	case !r.hasName:
		return inventory.Package{}, errors.New("no P (name) field")
	case !validName(r.name):
		return inventory.Package{}, fmt.Errorf("invalid package name %q", clip([]byte(r.name), 60))
	case r.version == "":
		return inventory.Package{}, fmt.Errorf("package %s: no V (version) field", r.name)
	case strings.ContainsAny(r.version, " \t"):
		return inventory.Package{}, fmt.Errorf("package %s: invalid version %q", r.name, clip([]byte(r.version), 60))
	case strings.ContainsAny(r.arch, " \t"):
		return inventory.Package{}, fmt.Errorf("package %s: invalid arch %q", r.name, clip([]byte(r.arch), 60))
	case r.origin != "" && !validName(r.origin):
		return inventory.Package{}, fmt.Errorf("package %s: invalid origin %q", r.name, clip([]byte(r.origin), 60))
	}
	p := inventory.Package{
		Name:    r.name,
		Version: r.version,
		Arch:    r.arch,
		Type:    "apk",
		Path:    file,
	}
	if r.origin != "" {
		// Every subpackage of an APKBUILD is built with its origin's
		// pkgver-pkgrel, so the origin's version is the package's.
		p.SourceName, p.SourceVersion = r.origin, r.version
	}
	if r.license != "" {
		// An SPDX expression ("MIT AND (GPL-2.0-only OR BSD-3-Clause)") is
		// one declaration: it is kept whole.
		p.Licenses = []string{r.license}
	}
	return p, nil
}

// validName accepts apk package names: printable ASCII without blanks or '/'
// (apk allows more than Alpine uses: "py3-foo", "so:libc.musl-x86_64.so.1"
// style names never appear as P:, but '+', '_' and '.' do).
func validName(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '/' {
			return false
		}
	}
	return true
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
