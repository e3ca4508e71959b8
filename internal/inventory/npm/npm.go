package npm

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

// The files Catalog reads, by base name.
const (
	packageLock    = "package-lock.json"
	shrinkwrap     = "npm-shrinkwrap.json"
	hiddenLock     = ".package-lock.json"
	yarnLock       = "yarn.lock"
	pnpmLock       = "pnpm-lock.yaml"
	packageJSON    = "package.json"
	nodeModulesDir = "node_modules"
)

// globs are every file Catalog reads; see Globs.
var globs = []string{
	"**/" + packageLock,
	"**/" + shrinkwrap,
	"**/" + nodeModulesDir + "/" + hiddenLock,
	"**/" + yarnLock,
	"**/" + pnpmLock,
	"**/" + nodeModulesDir + "/*/" + packageJSON,
	"**/" + nodeModulesDir + "/@*/*/" + packageJSON,
}

// Config bounds the work Catalog does on one file system.
type Config struct {
	// MaxLockSize caps the bytes of one JSON lock file (package-lock.json,
	// npm-shrinkwrap.json, node_modules/.package-lock.json) and of a yarn v1
	// yarn.lock, which is streamed; a larger file is skipped with a warning.
	// Lock files of big monorepos reach 10-30 MB.
	MaxLockSize int64
	// MaxYAMLSize caps the bytes of one YAML lock file (pnpm-lock.yaml, a
	// yarn berry yarn.lock); a larger file is skipped with a warning. YAML
	// costs far more memory than its size: yaml.v3 builds a node tree of
	// about 25 times the file (a 1.4 MB berry lock of 5,000 packages
	// allocates 37 MB, a 1.2 MB pnpm lock 25 MB), so 16 MiB keeps one file
	// under about 0.5 GB. Real ones are a few MB.
	MaxYAMLSize int64
	// MaxManifestSize caps the bytes of one installed package.json.
	MaxManifestSize int64
	// MaxPackages caps the packages of one file; a file with more is
	// skipped with a warning.
	MaxPackages int
	// MaxDepth caps the nesting of package-lock v1 "dependencies"; deeper
	// packages are not reported and the file gets a warning.
	MaxDepth int
	// MaxYAMLNodes caps the nodes of one YAML document (yarn berry, pnpm).
	MaxYAMLNodes int
	// MaxLine is the longest yarn.lock v1 line kept whole.
	MaxLine int
	// MaxFiles caps the files read in one Catalog call, MaxTotalBytes the
	// bytes; files past either cap (in path order) are not read and a
	// warning says so.
	MaxFiles      int
	MaxTotalBytes int64
	// MaxWarnings caps the warnings logged per file; the rest are counted
	// in one last warning.
	MaxWarnings int
}

// DefaultConfig is the configuration New uses.
func DefaultConfig() Config {
	return Config{
		MaxLockSize:     64 << 20,
		MaxYAMLSize:     16 << 20,
		MaxManifestSize: 1 << 20,
		MaxPackages:     500_000,
		MaxDepth:        64,
		MaxYAMLNodes:    6_000_000,
		MaxLine:         64 << 10,
		MaxFiles:        500_000,
		MaxTotalBytes:   4 << 30,
		MaxWarnings:     20,
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.MaxLockSize <= 0:
		return fmt.Errorf("npm: MaxLockSize %d must be positive", c.MaxLockSize)
	case c.MaxYAMLSize <= 0:
		return fmt.Errorf("npm: MaxYAMLSize %d must be positive", c.MaxYAMLSize)
	case c.MaxManifestSize <= 0:
		return fmt.Errorf("npm: MaxManifestSize %d must be positive", c.MaxManifestSize)
	case c.MaxPackages <= 0:
		return fmt.Errorf("npm: MaxPackages %d must be positive", c.MaxPackages)
	case c.MaxDepth <= 0:
		return fmt.Errorf("npm: MaxDepth %d must be positive", c.MaxDepth)
	case c.MaxYAMLNodes <= 0:
		return fmt.Errorf("npm: MaxYAMLNodes %d must be positive", c.MaxYAMLNodes)
	case c.MaxLine < 256:
		return fmt.Errorf("npm: MaxLine %d must be at least 256", c.MaxLine)
	case c.MaxFiles <= 0:
		return fmt.Errorf("npm: MaxFiles %d must be positive", c.MaxFiles)
	case c.MaxTotalBytes <= 0:
		return fmt.Errorf("npm: MaxTotalBytes %d must be positive", c.MaxTotalBytes)
	case c.MaxWarnings < 0:
		return fmt.Errorf("npm: MaxWarnings %d must not be negative", c.MaxWarnings)
	}
	return nil
}

// Cataloger finds npm packages in lock files (package-lock.json,
// npm-shrinkwrap.json, node_modules/.package-lock.json, yarn.lock,
// pnpm-lock.yaml) and in installed node_modules/**/package.json. It
// implements inventory.Cataloger and is safe for concurrent use.
type Cataloger struct {
	cfg Config
	log *slog.Logger
}

var _ inventory.Cataloger = (*Cataloger)(nil)

// New returns a Cataloger with DefaultConfig; log receives warnings about
// malformed files and entries (nil discards them).
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

// Name is "npm".
func (c *Cataloger) Name() string { return "npm" }

// Globs lists every file Catalog may read.
func (c *Cataloger) Globs() []string { return append([]string(nil), globs...) }

// errSkip marks a file that is read no further (too large, malformed): it is
// logged as a warning and costs only itself.
var errSkip = errors.New("skipped")

// Catalog lists the npm packages of every file its globs match, sorted. A
// package is reported once per file where it appears (deduplicated by name
// and version within the file); inventory.Catalog merges across files.
//
// A malformed, oversized or hostile file is logged as a warning and skipped,
// and a malformed entry loses only itself. Catalog fails only when ctx ends
// or fsys fails (an error other than "not there" from Stat, Open or Read).
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	files, truncated, err := inventory.Find(ctx, fsys, inventory.FindOptions{Globs: globs, Max: c.cfg.MaxFiles})
	if err != nil {
		return nil, fmt.Errorf("npm: %w", err)
	}
	if truncated {
		c.log.Warn("npm: too many files, the rest not read", "max", c.cfg.MaxFiles, "last", files[len(files)-1].Path)
	}
	var (
		pkgs  []inventory.Package
		total int64
	)
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := f.Path
		if total >= c.cfg.MaxTotalBytes {
			c.log.Warn("npm: read limit reached, the rest not read", "maxBytes", c.cfg.MaxTotalBytes, "first", p, "left", len(files)-i)
			break
		}
		got, n, err := c.catalogFile(ctx, fsys, p)
		total += n
		switch {
		case errors.Is(err, errSkip):
			c.log.Warn("npm: skipped file", "path", p, "err", err)
		case err != nil:
			return nil, err
		default:
			pkgs = append(pkgs, got...)
		}
	}
	inventory.SortPackages(pkgs)
	return pkgs, nil
}

// catalogFile reads one file and returns its packages and the bytes read. An
// errSkip error costs the file; any other error is fsys or ctx failing.
func (c *Cataloger) catalogFile(ctx context.Context, fsys fs.FS, p string) ([]inventory.Package, int64, error) {
	base := path.Base(p)
	limit := c.cfg.MaxLockSize
	switch base {
	case packageJSON:
		limit = c.cfg.MaxManifestSize
	case pnpmLock:
		limit = c.cfg.MaxYAMLSize
	}
	f, size, err := inventory.OpenFile(fsys, p, limit)
	switch {
	case inventory.Absent(err) || errors.Is(err, inventory.ErrNotRegular):
		return nil, 0, nil
	case errors.Is(err, inventory.ErrTooLarge):
		return nil, 0, fmt.Errorf("%w: %w", errSkip, err)
	case err != nil:
		return nil, 0, err
	}
	defer f.Close()
	cr := &countingReader{r: io.LimitReader(f, limit+1), file: p}
	res := c.newResult(p)
	switch base {
	case packageJSON:
		err = res.parsePackageJSON(cr, p)
	case yarnLock:
		err = res.parseYarn(ctx, cr)
	default:
		var b []byte
		b, err = inventory.ReadAll(cr, size, limit)
		if err != nil {
			break
		}
		if base == pnpmLock {
			err = res.parsePnpm(ctx, b)
		} else {
			err = res.parsePackageLock(ctx, b)
		}
	}
	if cr.err != nil {
		return nil, cr.n, cr.err // the file system failed, not the file
	}
	if err != nil && !errors.Is(err, errSkip) {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, cr.n, ctxErr
		}
		err = fmt.Errorf("%w: %w", errSkip, err)
	}
	if err != nil {
		return nil, cr.n, err
	}
	res.done()
	return res.pkgs, cr.n, nil
}

// countingReader counts the bytes read and keeps the error of the file
// itself, told apart from the parser's own errors.
type countingReader struct {
	r    io.Reader
	n    int64
	err  error
	file string
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	if err != nil && !errors.Is(err, io.EOF) && c.err == nil {
		c.err = fmt.Errorf("read %s: %w", c.file, err)
	}
	return n, err
}

// result collects the packages of one file, deduplicated by name and
// version, and logs what it skips (bounded by Config.MaxWarnings).
type result struct {
	cfg        *Config
	log        *slog.Logger
	file       string
	pkgs       []inventory.Package
	seen       map[nameVersion]struct{}
	warnings   int
	suppressed int
	skipped    int  // entries skipped on purpose (not from the registry)
	tooDeep    bool // a v1 lock file nests deeper than Config.MaxDepth
}

type nameVersion struct{ name, version string }

func (c *Cataloger) newResult(file string) *result {
	return &result{cfg: &c.cfg, log: c.log, file: file}
}

// grow makes room for n more packages.
func (r *result) grow(n int) {
	n = min(n, r.cfg.MaxPackages)
	r.pkgs = slices.Grow(r.pkgs, n)
	if r.seen == nil {
		r.seen = make(map[nameVersion]struct{}, n)
	}
}

// errTooMany is returned by add past Config.MaxPackages.
var errTooMany = errors.New("too many packages")

// add records one package; a second (name, version) in the file is dropped.
func (r *result) add(name, version string, licenses []string) error {
	k := nameVersion{name, version}
	if r.seen == nil {
		r.seen = make(map[nameVersion]struct{})
	}
	if _, dup := r.seen[k]; dup {
		return nil
	}
	if len(r.pkgs) >= r.cfg.MaxPackages {
		return fmt.Errorf("%w: more than %d", errTooMany, r.cfg.MaxPackages)
	}
	r.seen[k] = struct{}{}
	r.pkgs = append(r.pkgs, inventory.Package{
		Name:     name,
		Version:  version,
		Type:     inventory.TypeNPM,
		Path:     r.file,
		Licenses: licenses,
	})
	return nil
}

// warn logs a malformed entry, up to Config.MaxWarnings per file.
func (r *result) warn(msg string, args ...any) {
	if r.warnings >= r.cfg.MaxWarnings {
		r.suppressed++
		return
	}
	r.warnings++
	r.log.Warn("npm: "+msg, append([]any{"path", r.file}, args...)...)
}

// debug logs an entry skipped on purpose (a local or non-registry package).
func (r *result) debug(msg string, args ...any) {
	r.skipped++
	r.log.Debug("npm: "+msg, append([]any{"path", r.file}, args...)...)
}

// done logs the count of warnings past the cap.
func (r *result) done() {
	if r.suppressed > 0 {
		r.log.Warn("npm: more malformed entries not logged", "path", r.file, "count", r.suppressed)
	}
}

// clip shortens s for a log message.
func clip(s string) string {
	const n = 80
	if len(s) > n {
		s = s[:n] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
