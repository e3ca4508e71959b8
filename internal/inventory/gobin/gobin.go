package gobin

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"runtime/debug"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Marker is the magic that opens a Go binary's build information blob
// (cmd/link writes it at the start of .go.buildinfo).
const Marker = "\xff Go buildinf:"

// Devel is the version of a module built from a working tree: the main
// module outside a tagged build, and a module replaced by a directory.
const Devel = "(devel)"

// Config bounds the work Catalog does on one file system.
type Config struct {
	// MaxFileSize caps the size of a binary; a larger one is skipped with
	// a warning. The largest real Go binaries (kubelet, terraform) are
	// 100-300 MB.
	MaxFileSize int64
	// MaxBinaries caps the executables Catalog examines in one file
	// system; the rest are skipped with one warning.
	MaxBinaries int
	// MaxModules caps the dependencies of one binary; a binary listing
	// more is skipped with a warning. Big programs list 300-1,500.
	MaxModules int
}

// DefaultConfig is the configuration New uses.
func DefaultConfig() Config {
	return Config{MaxFileSize: 512 << 20, MaxBinaries: 100_000, MaxModules: 50_000}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.MaxFileSize <= 0:
		return fmt.Errorf("gobin: MaxFileSize %d must be positive", c.MaxFileSize)
	case c.MaxBinaries <= 0:
		return fmt.Errorf("gobin: MaxBinaries %d must be positive", c.MaxBinaries)
	case c.MaxModules <= 0:
		return fmt.Errorf("gobin: MaxModules %d must be positive", c.MaxModules)
	}
	return nil
}

// Cataloger lists the modules compiled into Go binaries. It implements
// inventory.ContentCataloger and is safe for concurrent use.
type Cataloger struct {
	cfg Config
	log *slog.Logger
}

var _ inventory.ContentCataloger = (*Cataloger)(nil)

// New returns a Cataloger with DefaultConfig. log receives a warning per
// binary that is skipped (oversized, too many modules); nil discards them.
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

// Name is "gobin".
func (c *Cataloger) Name() string { return "gobin" }

// Globs is nil: Go binaries are found by content (Markers), not by name.
func (c *Cataloger) Globs() []string { return nil }

// Markers is the build information magic that every Go binary built since
// Go 1.13 holds.
func (c *Cataloger) Markers() [][]byte { return [][]byte{[]byte(Marker)} }

// Catalog finds the executables of fsys (inventory.Find) and lists, for
// each Go binary, its main module, its dependencies and the standard
// library, sorted. Files that are not Go binaries are skipped silently; an
// oversized or unreadable binary is logged and skipped. Catalog fails only
// when fsys fails (a directory cannot be read, a file cannot be looked up
// for another reason than absence) and when ctx ends.
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	files, truncated, err := inventory.Find(ctx, fsys, inventory.FindOptions{Executables: true, Max: c.cfg.MaxBinaries})
	if err != nil {
		return nil, fmt.Errorf("gobin: %w", err)
	}
	if truncated {
		c.log.Warn("gobin: too many executables, rest skipped", "limit", c.cfg.MaxBinaries, "last", files[len(files)-1].Path)
	}
	var pkgs []inventory.Package
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pkgs = append(pkgs, c.readFile(fsys, f.Path, f.Size)...)
	}
	inventory.SortPackages(pkgs)
	return pkgs, nil
}

// readFile reads the build information of the executable at p.
func (c *Cataloger) readFile(fsys fs.FS, p string, size int64) []inventory.Package {
	ra, closer, err := inventory.OpenReaderAt(fsys, p, size, c.cfg.MaxFileSize)
	if err != nil {
		c.log.Warn("gobin: skipped executable", "path", p, "err", err)
		return nil
	}
	defer closer.Close()
	pkgs, err := c.readBinary(ra, p)
	if err != nil {
		if notGo(err) {
			c.log.Debug("gobin: not a Go binary", "path", p, "err", err)
		} else {
			c.log.Warn("gobin: skipped Go binary", "path", p, "err", err)
		}
	}
	return pkgs
}

// errNoMagic is the error of a file that is no executable.
var errNoMagic = errors.New("no executable magic")

// notGo reports whether err says that a file is not a Go binary (no
// executable magic, no build information found) rather than a Go binary
// whose build information is malformed. debug/buildinfo exports no
// sentinel errors, so its two are recognized by their text; an unknown
// text counts as malformed, which only raises the log level.
func notGo(err error) bool {
	if errors.Is(err, errNoMagic) {
		return true
	}
	inner := errors.Unwrap(err)
	if inner == nil {
		return false
	}
	switch inner.Error() {
	case "not a Go executable", "unrecognized file format":
		return true
	}
	return false
}

// readBinary lists the packages of the Go binary that ra holds, p being its
// path.
func (c *Cataloger) readBinary(ra io.ReaderAt, p string) ([]inventory.Package, error) {
	var magic [4]byte
	if _, err := ra.ReadAt(magic[:], 0); err != nil || !executableMagic(magic[:]) {
		return nil, errNoMagic
	}
	bi, err := buildinfo.Read(ra)
	if err != nil {
		return nil, fmt.Errorf("read build information: %w", err)
	}
	if len(bi.Deps) > c.cfg.MaxModules {
		return nil, fmt.Errorf("%d dependencies, more than the limit of %d", len(bi.Deps), c.cfg.MaxModules)
	}
	return modules(bi, p), nil
}

// executableMagic reports whether b starts like an ELF, PE or Mach-O file
// (thin or fat).
func executableMagic(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch string(b[:4]) {
	case "\x7fELF",
		"\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe",
		"\xca\xfe\xba\xbe", "\xca\xfe\xba\xbf":
		return true
	}
	return string(b[:2]) == "MZ"
}

// modules turns build information into packages: the main module, every
// dependency (as replaced), and the standard library.
func modules(bi *buildinfo.BuildInfo, p string) []inventory.Package {
	pkgs := make([]inventory.Package, 0, len(bi.Deps)+2)
	seen := make(map[[2]string]bool, len(bi.Deps)+2)
	add := func(name, version string) {
		if name == "" {
			return
		}
		if version == "" {
			version = Devel
		}
		k := [2]string{name, version}
		if seen[k] {
			return
		}
		seen[k] = true
		pkgs = append(pkgs, inventory.Package{Name: name, Version: version, Type: inventory.TypeGolang, Path: p})
	}
	add(bi.Main.Path, bi.Main.Version)
	for _, d := range bi.Deps {
		add(resolve(d))
	}
	if v, ok := StdlibVersion(bi.GoVersion); ok {
		add(inventory.GoStdlib, v)
	}
	return pkgs
}

// resolve is the module a dependency stands for: its replacement when that
// is a module version, the original path at Devel when it is a directory
// (which cmd/go records with the version "(devel)", older toolchains with
// none).
func resolve(d *debug.Module) (string, string) {
	if d.Replace == nil {
		return d.Path, d.Version
	}
	if d.Replace.Version != "" && d.Replace.Version != Devel {
		return d.Replace.Path, d.Replace.Version
	}
	return d.Path, Devel
}
