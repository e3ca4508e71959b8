package dpkg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

const (
	statusFile = "var/lib/dpkg/status"
	statusDir  = "var/lib/dpkg/status.d"
	docDir     = "usr/share/doc"
)

// Config bounds the work Catalog does on one file system.
type Config struct {
	// MaxFileSize caps the bytes read from one status file; a larger file is
	// an error for that file. Real status files are 1-20 MiB.
	MaxFileSize int64
	// MaxLine is the longest line kept; longer lines are truncated (an error
	// for their stanza only when the field is one Catalog uses: Description
	// and Conffiles may be any length). Also the read buffer size.
	MaxLine int
	// MaxValue caps the length of a used field across its continuation lines.
	MaxValue int
	// MaxPackages caps the stanzas read from one file and the status.d entries.
	MaxPackages int
	// MaxCopyright caps the bytes read from one copyright file; licences past
	// it are not seen.
	MaxCopyright int64
	// MaxListSize caps the bytes of one file list (info/*.list, status.d/*.md5sums);
	// a larger list is logged and its package gets no Files. The largest
	// real lists are a few MB (50,000 paths).
	MaxListSize int64
	// MaxListLines caps the lines read from one file list; past it the
	// package's Files are incomplete (logged).
	MaxListLines int
	// MaxFiles and MaxFilesBytes cap the paths, and their bytes, kept in
	// Files over one Catalog; past either, no more lists are read and Files
	// are incomplete (logged). A large real image has 100,000-500,000 paths
	// of 60-70 bytes on average.
	MaxFiles      int
	MaxFilesBytes int
}

// DefaultConfig is the configuration New uses.
func DefaultConfig() Config {
	return Config{
		MaxFileSize:   512 << 20,
		MaxLine:       64 << 10,
		MaxValue:      64 << 10,
		MaxPackages:   200_000,
		MaxCopyright:  4 << 20,
		MaxListSize:   64 << 20,
		MaxListLines:  1_000_000,
		MaxFiles:      2_000_000,
		MaxFilesBytes: 256 << 20,
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.MaxFileSize <= 0:
		return fmt.Errorf("dpkg: MaxFileSize %d must be positive", c.MaxFileSize)
	case c.MaxLine < 256:
		return fmt.Errorf("dpkg: MaxLine %d must be at least 256", c.MaxLine)
	case c.MaxValue <= 0:
		return fmt.Errorf("dpkg: MaxValue %d must be positive", c.MaxValue)
	case c.MaxPackages <= 0:
		return fmt.Errorf("dpkg: MaxPackages %d must be positive", c.MaxPackages)
	case c.MaxCopyright <= 0:
		return fmt.Errorf("dpkg: MaxCopyright %d must be positive", c.MaxCopyright)
	case c.MaxListSize <= 0:
		return fmt.Errorf("dpkg: MaxListSize %d must be positive", c.MaxListSize)
	case c.MaxListLines <= 0:
		return fmt.Errorf("dpkg: MaxListLines %d must be positive", c.MaxListLines)
	case c.MaxFiles < 0 || c.MaxFilesBytes < 0:
		return fmt.Errorf("dpkg: MaxFiles %d and MaxFilesBytes %d must not be negative", c.MaxFiles, c.MaxFilesBytes)
	}
	return nil
}

// Cataloger lists the packages dpkg records as installed. It implements
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

// Name is "dpkg".
func (c *Cataloger) Name() string { return "dpkg" }

// Globs lists every file Catalog may read.
func (c *Cataloger) Globs() []string {
	return []string{statusFile, statusDir + "/*", infoDir + "/*.list", docDir + "/*/copyright"}
}

// Catalog lists the installed dpkg packages of fsys, sorted: those of
// var/lib/dpkg/status and of every control file in var/lib/dpkg/status.d
// (distroless images, one or more stanzas per file; *.md5sums and other
// non-control files there are skipped). Licences come from each package's
// DEP-5 usr/share/doc/<name>/copyright, Files from its file list (see
// addFiles and the package documentation).
//
// A malformed stanza loses only itself: it is logged as a warning and the
// rest is read. Catalog fails only when a database file cannot be read at all
// (or is larger than Config.MaxFileSize) and when ctx ends.
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	pkgs, bad, err := c.catalog(ctx, fsys)
	for _, e := range bad {
		c.log.Warn("dpkg: skipped malformed stanza", "err", e)
	}
	return pkgs, err
}

// catalog is Catalog returning the stanza errors instead of logging them.
func (c *Cataloger) catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, []error, error) {
	var (
		pkgs []inventory.Package
		bad  []error
	)
	files := []string{}
	if ok, err := inventory.RegularFile(fsys, statusFile); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", statusFile, err)
	} else if ok {
		files = append(files, statusFile)
	}
	entries, err := fs.ReadDir(fsys, statusDir)
	if err != nil && !absentDir(fsys, statusDir, err) {
		return nil, nil, fmt.Errorf("read %s: %w", statusDir, err)
	}
	if len(entries) > c.cfg.MaxPackages {
		return nil, nil, fmt.Errorf("read %s: more than %d entries", statusDir, c.cfg.MaxPackages)
	}
	for _, e := range entries {
		if isControlFileName(e.Name()) {
			p := statusDir + "/" + e.Name()
			if ok, err := inventory.RegularFile(fsys, p); err != nil {
				return nil, nil, fmt.Errorf("read %s: %w", p, err)
			} else if ok {
				files = append(files, p)
			}
		}
	}
	for _, p := range files {
		got, b, err := c.readFile(ctx, fsys, p)
		if err != nil {
			return nil, nil, err
		}
		pkgs = append(pkgs, got...)
		bad = append(bad, b...)
	}
	if err := c.addLicenses(ctx, fsys, pkgs); err != nil {
		return nil, nil, err
	}
	inventory.SortPackages(pkgs)
	if err := c.addFiles(ctx, fsys, pkgs); err != nil {
		return nil, nil, err
	}
	return pkgs, bad, nil
}

// nonControlSuffixes are the names of files in status.d (and in dpkg's info
// folder, which some image builders copy there) that hold no control stanzas.
var nonControlSuffixes = []string{
	".md5sums", ".sha256sums", ".list", ".conffiles", ".shlibs", ".symbols",
	".triggers", ".templates", ".config", ".preinst", ".postinst", ".prerm",
	".postrm", ".md5", ".dpkg-new", ".dpkg-old", ".dpkg-tmp",
}

func isControlFileName(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	for _, s := range nonControlSuffixes {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

// absentDir reports whether err, from reading the directory p of fsys, means
// there is no such directory: absent, or p is there but not a directory. The
// views report reading a non-directory with different errors, so that case
// is asked of Stat.
func absentDir(fsys fs.FS, p string, err error) bool {
	if inventory.Absent(err) {
		return true
	}
	fi, serr := fs.Stat(fsys, p)
	return serr == nil && !fi.IsDir()
}

func (c *Cataloger) readFile(ctx context.Context, fsys fs.FS, p string) ([]inventory.Package, []error, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	pkgs, bad, err := c.parseStatus(ctx, f, p)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", p, err)
	}
	return pkgs, bad, nil
}

// errTooLarge is returned when a status file exceeds Config.MaxFileSize.
var errTooLarge = errors.New("file too large")

// parseStatus reads dpkg control stanzas from r and returns the packages
// counted as installed, each with Path file, and one error per malformed
// stanza. The error result is for what stops the whole file: a read error,
// the size or stanza cap, ctx.
func (c *Cataloger) parseStatus(ctx context.Context, r io.Reader, file string) ([]inventory.Package, []error, error) {
	lim := &io.LimitedReader{R: r, N: c.cfg.MaxFileSize + 1}
	p := newControlParser(lim, c.cfg.MaxLine, c.cfg.MaxValue, "package", "version", "architecture", "source", "status")
	var (
		pkgs []inventory.Package
		bad  []error
	)
	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		if n >= c.cfg.MaxPackages {
			return nil, nil, fmt.Errorf("more than %d stanzas", c.cfg.MaxPackages)
		}
		st, err := p.next()
		if lim.N <= 0 {
			return nil, nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, c.cfg.MaxFileSize)
		}
		if errors.Is(err, io.EOF) {
			return pkgs, bad, nil
		}
		if err != nil {
			return nil, nil, err
		}
		pkg, ok, err := toPackage(st, file)
		if err != nil {
			bad = append(bad, fmt.Errorf("%s:%d: %w", file, st.line, err))
			continue
		}
		if ok {
			pkgs = append(pkgs, pkg)
		}
	}
}

// toPackage turns a stanza into a package. ok is false for a stanza that
// describes a package that is not installed.
func toPackage(st stanza, file string) (inventory.Package, bool, error) {
	name := st.fields["package"]
	if st.err != nil {
		if name != "" && validName(name) {
			return inventory.Package{}, false, fmt.Errorf("package %s: %w", name, st.err)
		}
		return inventory.Package{}, false, st.err
	}
	if name == "" {
		return inventory.Package{}, false, errors.New("no Package field")
	}
	if !validName(name) {
		return inventory.Package{}, false, fmt.Errorf("invalid package name %q", clip([]byte(name), 60))
	}
	installed, err := isInstalled(st.fields["status"])
	if err != nil {
		return inventory.Package{}, false, fmt.Errorf("package %s: %w", name, err)
	}
	if !installed {
		return inventory.Package{}, false, nil
	}
	version, err := normalizeVersion(st.fields["version"])
	if err != nil {
		return inventory.Package{}, false, fmt.Errorf("package %s: Version: %w", name, err)
	}
	arch := st.fields["architecture"]
	if strings.ContainsAny(arch, " \t\n") {
		return inventory.Package{}, false, fmt.Errorf("package %s: invalid Architecture %q", name, clip([]byte(arch), 60))
	}
	srcName, srcVersion := name, version
	if s := st.fields["source"]; s != "" {
		srcName, srcVersion, err = parseSource(s, version)
		if err != nil {
			return inventory.Package{}, false, fmt.Errorf("package %s: Source: %w", name, err)
		}
	}
	return inventory.Package{
		Name:          name,
		Version:       version,
		Arch:          arch,
		SourceName:    srcName,
		SourceVersion: srcVersion,
		Type:          "deb",
		Path:          file,
	}, true, nil
}

// isInstalled decides from the Status field ("want eflag status") whether a
// package's files are on disk.
//
// dpkg-query -W lists every package whose status is not "not-installed",
// including "config-files": a package removed (dpkg -r, apt remove) whose
// configuration files were kept. Its programs and libraries are gone, so a
// scanner reporting it would report vulnerabilities in software that is not
// there; Catalog leaves it out. The transitional states ("half-installed",
// "unpacked", "half-configured", "triggers-awaited", "triggers-pending") do
// have the package's files, some or all, on disk and are reported, as
// dpkg-query does.
//
// A stanza without Status is taken as installed: distroless status.d files are
// bare control files (dpkg-deb --field output) with no Status field.
func isInstalled(status string) (bool, error) {
	if status == "" {
		return true, nil
	}
	f := strings.Fields(status)
	if len(f) != 3 {
		return false, fmt.Errorf("invalid Status %q", clip([]byte(status), 60))
	}
	switch f[2] {
	case "installed", "half-installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending":
		return true, nil
	case "config-files", "not-installed":
		return false, nil
	}
	return false, fmt.Errorf("invalid Status %q", clip([]byte(status), 60))
}

// validName accepts dpkg's package names: an alphanumeric first character,
// then alphanumerics and "+-.", as dpkg's pkg_name_is_illegal does (it also
// allows '_' and upper case in names it parses, so this does too). The check
// also keeps the name safe as a path element for the copyright lookup.
func validName(s string) bool {
	if s == "" || !isAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '+' && c != '-' && c != '.' && c != '_' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// normalizeVersion checks a Debian version and writes it as dpkg-query prints
// it: an explicit epoch 0 ("0:1.2-3") is dropped unless the rest holds a colon,
// as dpkg's non-ambiguous version format does.
func normalizeVersion(v string) (string, error) {
	if v == "" {
		return "", errors.New("missing")
	}
	if strings.ContainsAny(v, " \t\n") {
		return "", fmt.Errorf("invalid version %q", clip([]byte(v), 60))
	}
	if epoch, rest, ok := strings.Cut(v, ":"); ok {
		if rest == "" || epoch == "" || strings.Trim(epoch, "0123456789") != "" {
			return "", fmt.Errorf("invalid epoch in %q", clip([]byte(v), 60))
		}
		if strings.Trim(epoch, "0") == "" && !strings.Contains(rest, ":") {
			return rest, nil
		}
	}
	return v, nil
}

// parseSource splits a Source field, "name" or "name (version)", into the
// values dpkg-query gives ${source:Package} and ${source:Version}; without a
// version the source's version is the binary's.
func parseSource(s, binVersion string) (name, version string, err error) {
	name, rest, _ := strings.Cut(s, " ")
	if !validName(name) {
		return "", "", fmt.Errorf("invalid source name %q", clip([]byte(name), 60))
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return name, binVersion, nil
	}
	if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
		return "", "", fmt.Errorf("invalid %q", clip([]byte(s), 60))
	}
	version, err = normalizeVersion(strings.TrimSpace(rest[1 : len(rest)-1]))
	if err != nil {
		return "", "", err
	}
	return name, version, nil
}

// addLicenses fills Licenses from usr/share/doc/<name>/copyright, reading each
// file once however many packages (architectures) share the name. A missing
// or unreadable copyright file gives no licences.
func (c *Cataloger) addLicenses(ctx context.Context, fsys fs.FS, pkgs []inventory.Package) error {
	cache := map[string][]string{}
	for i := range pkgs {
		name := pkgs[i].Name
		lic, ok := cache[name]
		if !ok {
			if err := ctx.Err(); err != nil {
				return err
			}
			lic = c.readCopyright(fsys, path.Join(docDir, name, "copyright"))
			cache[name] = lic
		}
		pkgs[i].Licenses = slices.Clone(lic)
	}
	return nil
}

const copyrightBuf = 4 << 10

func (c *Cataloger) readCopyright(fsys fs.FS, p string) []string {
	f, err := fsys.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	// A small buffer: the lines wanted (Format, License) are short, and a
	// longer line is skipped whole.
	return parseCopyright(io.LimitReader(f, c.cfg.MaxCopyright), copyrightBuf)
}
