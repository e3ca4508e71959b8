package rpm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/filelist"
)

// Config bounds the work Catalog does on one image.
type Config struct {
	// TempDir is where database copies are made (inside vigil's cache
	// directory); created if missing.
	TempDir string
	// MaxDBSize caps the size of one database file (and its sqlite write-ahead
	// log) copied out of the image.
	MaxDBSize int64
	// MaxManifestSize caps the size of a distroless manifest.
	MaxManifestSize int64
	// MaxPackages caps the number of headers in one database or manifest.
	MaxPackages int
	// Timeout bounds the decoding of one database.
	Timeout time.Duration
	// MaxFiles and MaxFilesBytes cap the paths, and their bytes, kept in
	// Files over one Catalog; past either, the Files of the package being
	// converted and of those after it are incomplete (logged). Either at 0
	// turns Files off. A large real image has 100,000-500,000 paths of
	// 60-70 bytes on average.
	MaxFiles      int
	MaxFilesBytes int
}

// DefaultConfig is the configuration New uses. The largest real databases
// seen are a few hundred MB (Berkeley DB with many packages); ordinary ones
// are 5-50 MB.
func DefaultConfig(tempDir string) Config {
	return Config{
		TempDir:         tempDir,
		MaxDBSize:       1 << 30,
		MaxManifestSize: 64 << 20,
		MaxPackages:     200_000,
		Timeout:         2 * time.Minute,
		MaxFiles:        2_000_000,
		MaxFilesBytes:   256 << 20,
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.TempDir == "":
		return errors.New("rpm: TempDir is empty")
	case c.MaxDBSize <= 0 || c.MaxDBSize > 1<<32-1:
		// Berkeley DB page offsets are 32-bit: a larger file cannot be valid.
		return fmt.Errorf("rpm: MaxDBSize %d out of range (1..4GiB)", c.MaxDBSize)
	case c.MaxManifestSize <= 0:
		return fmt.Errorf("rpm: MaxManifestSize %d must be positive", c.MaxManifestSize)
	case c.MaxPackages <= 0:
		return fmt.Errorf("rpm: MaxPackages %d must be positive", c.MaxPackages)
	case c.Timeout <= 0:
		return fmt.Errorf("rpm: Timeout %v must be positive", c.Timeout)
	case c.MaxFiles < 0 || c.MaxFilesBytes < 0:
		return fmt.Errorf("rpm: MaxFiles %d and MaxFilesBytes %d must not be negative", c.MaxFiles, c.MaxFilesBytes)
	}
	return nil
}

// Cataloger reads rpm databases and Azure Linux distroless manifests. It
// implements inventory.Cataloger and is safe for concurrent use.
type Cataloger struct {
	cfg Config
	log *slog.Logger
}

var _ inventory.Cataloger = (*Cataloger)(nil)

// New returns a Cataloger with DefaultConfig(tempDir); log receives the
// warnings NewWithConfig describes (nil discards them).
func New(tempDir string, log *slog.Logger) *Cataloger {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cataloger{cfg: DefaultConfig(tempDir), log: log}
}

// NewWithConfig returns a Cataloger with cfg, or the error of cfg.Validate.
// log receives a warning per header whose file list had invalid entries and
// when Files are incomplete; nil discards them.
func NewWithConfig(cfg Config, log *slog.Logger) (*Cataloger, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cataloger{cfg: cfg, log: log}, nil
}

// Name is "rpm".
func (c *Cataloger) Name() string { return "rpm" }

// dbDirs are the rpm database folders, in order of preference when two of
// them hold the same database (through a symlink): the real location first.
var dbDirs = []string{"usr/lib/sysimage/rpm", "var/lib/rpm", "usr/share/rpm"}

// dbFiles are the database file names of one folder, in the order rpm's
// backend detection prefers them: a folder holds one database, and if a
// migration left an older format behind, the newer one is the live one.
var dbFiles = []string{"rpmdb.sqlite", "Packages.db", "Packages"}

const (
	manifestDir = "var/lib/rpmmanifest"
	manifest2   = manifestDir + "/container-manifest-2"
	manifest1   = manifestDir + "/container-manifest-1"
	walSuffix   = "-wal"
)

// Globs lists every file Catalog may read.
func (c *Cataloger) Globs() []string {
	var g []string
	for _, d := range dbDirs {
		for _, f := range dbFiles {
			g = append(g, d+"/"+f)
		}
		g = append(g, d+"/rpmdb.sqlite"+walSuffix)
	}
	return append(g, manifest2, manifest1)
}

// Catalog lists the rpm packages of fsys, sorted. Each database found is read;
// two paths that reach the same bytes (var/lib/rpm a symlink to
// usr/lib/sysimage/rpm) are reported once, under the first path of dbDirs.
// The distroless manifest is read only when no database exists, since where
// both exist the manifest is a stale snapshot of the database.
//
// An error names the file; the packages of the files that could be read are
// returned with it.
func (c *Cataloger) Catalog(ctx context.Context, fsys fs.FS) ([]inventory.Package, error) {
	var (
		pkgs     []inventory.Package
		errs     []error
		seen     = map[[32]byte]bool{}
		found    bool
		fileList = filelist.New(c.cfg.MaxFiles, c.cfg.MaxFilesBytes)
	)
	for _, dir := range dbDirs {
		for _, name := range dbFiles {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			p := path.Join(dir, name)
			ok, err := inventory.RegularFile(fsys, p)
			if err != nil {
				// Something is there that cannot be read: a database may
				// exist, so the manifest is not read in its stead.
				errs = append(errs, fmt.Errorf("rpm database %s: %w", p, err))
				found = true
				break
			}
			if !ok {
				continue
			}
			found = true
			got, sum, err := c.readDB(ctx, fsys, p)
			if err != nil {
				errs = append(errs, err)
				break
			}
			if !seen[sum] {
				seen[sum] = true
				pkgs = append(pkgs, c.convert(got, p, fileList)...)
			}
			break // one database per folder
		}
	}
	if !found {
		for _, m := range []string{manifest2, manifest1} {
			ok, err := inventory.RegularFile(fsys, m)
			if err != nil {
				errs = append(errs, fmt.Errorf("rpm manifest %s: %w", m, err))
				break
			}
			if !ok {
				continue
			}
			got, err := c.readManifest(fsys, m)
			if err != nil {
				errs = append(errs, err)
			}
			pkgs = append(pkgs, got...)
			break
		}
	}
	inventory.SortPackages(pkgs)
	return pkgs, errors.Join(errs...)
}

// rpmPackage is the decoded content of one header that Catalog keeps.
type rpmPackage struct {
	Name, Version, Release, Arch, SourceRPM, License string
	// Epoch is nil when the header has no EPOCH tag.
	Epoch *int
	// Files are the header's file tags, empty for a manifest.
	Files fileTags
}

// gpgPubkey is the name rpm gives to the public keys imported with
// `rpm --import`: they are stored as pseudo-packages (version = key ID,
// release = key creation time, no files, no arch), are not software installed
// in the image and would only be noise for matching. rpm -qa lists them; the
// cataloger does not.
const gpgPubkey = "gpg-pubkey"

// toPackage converts a decoded header into an inventory package.
//
// Version is "EPOCH:VERSION-RELEASE" when the header has an EPOCH tag and
// "VERSION-RELEASE" when it has none, exactly as
// `rpm -q --qf '%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}'` prints it. So an
// explicit epoch 0 stays "0:" (the database says so; inventory.PURL then puts
// epoch=0 in the PURL), while rpm's own ordering treats a missing epoch as 0,
// which the rpm version comparator must do too. The source package has no
// epoch of its own in SOURCERPM: it is the binary's.
func toPackage(r rpmPackage, file string) inventory.Package {
	evr := r.Version
	if r.Release != "" {
		evr += "-" + r.Release
	}
	epoch := ""
	if r.Epoch != nil {
		epoch = fmt.Sprintf("%d:", *r.Epoch)
	}
	p := inventory.Package{
		Name:    r.Name,
		Version: epoch + evr,
		Arch:    r.Arch,
		Type:    "rpm",
		Path:    file,
	}
	if n, v, ok := parseSourceRPM(r.SourceRPM); ok {
		p.SourceName, p.SourceVersion = n, epoch+v
	}
	if r.License != "" {
		p.Licenses = []string{r.License}
	}
	return p
}

// parseSourceRPM splits "bash-5.2.15-3.azl3.src.rpm" into "bash" and
// "5.2.15-3.azl3". rpm forbids '-' in version and release, so the last two
// hyphens separate them from the name, which may contain hyphens.
func parseSourceRPM(s string) (name, version string, ok bool) {
	base, found := strings.CutSuffix(s, ".src.rpm")
	if !found {
		if base, found = strings.CutSuffix(s, ".nosrc.rpm"); !found {
			return "", "", false
		}
	}
	i := strings.LastIndexByte(base, '-')
	if i <= 0 {
		return "", "", false
	}
	j := strings.LastIndexByte(base[:i], '-')
	if j <= 0 || j+1 == i || i+1 == len(base) {
		return "", "", false
	}
	return base[:j], base[j+1:], true
}
