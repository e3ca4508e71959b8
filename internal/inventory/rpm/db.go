package rpm

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"

	// go-rpmdb reads rpmdb.sqlite through database/sql with the driver name
	// "sqlite", which this pure-Go driver (no cgo) registers when imported.
	_ "modernc.org/sqlite"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/filelist"
)

// format is the on-disk format of an rpm database.
type format int

const (
	formatUnknown format = iota
	formatSQLite
	formatNDB
	formatBDB
)

func (f format) String() string {
	switch f {
	case formatSQLite:
		return "sqlite"
	case formatNDB:
		return "ndb"
	case formatBDB:
		return "bdb"
	}
	return "unknown"
}

// readDB copies the database at p out of fsys, checks it and decodes it. The
// returned sum identifies the database's bytes, so that one database reached
// by two paths is reported once.
func (c *Cataloger) readDB(ctx context.Context, fsys fs.FS, p string) ([]rpmPackage, [32]byte, error) {
	var sum [32]byte
	if err := os.MkdirAll(c.cfg.TempDir, 0o700); err != nil {
		return nil, sum, fmt.Errorf("rpm database %s: temp dir: %w", p, err)
	}
	dir, err := os.MkdirTemp(c.cfg.TempDir, "rpmdb-*")
	if err != nil {
		return nil, sum, fmt.Errorf("rpm database %s: temp dir: %w", p, err)
	}
	defer os.RemoveAll(dir)

	local := filepath.Join(dir, path.Base(p))
	sum, err = copyCapped(fsys, p, local, c.cfg.MaxDBSize)
	if err != nil {
		return nil, sum, fmt.Errorf("rpm database %s: %w", p, err)
	}
	if path.Base(p) == "rpmdb.sqlite" {
		wal, err := inventory.RegularFile(fsys, p+walSuffix)
		if err != nil {
			return nil, sum, fmt.Errorf("rpm database %s: %w", p+walSuffix, err)
		}
		// A write-ahead log not yet folded into the database holds the latest
		// transactions: SQLite replays it when it sits beside the copy.
		if wal {
			if _, err := copyCapped(fsys, p+walSuffix, local+walSuffix, c.cfg.MaxDBSize); err != nil {
				return nil, sum, fmt.Errorf("rpm database %s: %w", p+walSuffix, err)
			}
		}
	}
	infos, err := c.decode(ctx, local)
	if err != nil {
		return nil, sum, fmt.Errorf("rpm database %s: %w", p, err)
	}
	return infos, sum, nil
}

// convert turns the decoded headers of the database at p into packages,
// gpg-pubkey pseudo-packages left out, with Files gathered by l. Dropped
// file entries and a spent budget are logged.
func (c *Cataloger) convert(infos []rpmPackage, p string, l *filelist.Builder) []inventory.Package {
	pkgs := make([]inventory.Package, 0, len(infos))
	filesOn := c.cfg.MaxFiles > 0 && c.cfg.MaxFilesBytes > 0
	for _, r := range infos {
		if r.Name == gpgPubkey {
			continue
		}
		pkg := toPackage(r, p)
		if filesOn && !l.Spent() {
			var res fileResult
			pkg.Files, res = files(r.Files, l)
			if res.dropped > 0 {
				c.log.Warn("rpm: dropped invalid file entries", "package", r.Name, "path", p,
					"count", res.dropped, "first", res.firstBad, "reason", res.why)
			}
			if res.spent {
				c.log.Warn("rpm: file lists over the cap of one scan: Files of this package and the ones after it in the database are incomplete",
					"package", r.Name, "path", p, "maxFiles", c.cfg.MaxFiles, "maxFilesBytes", c.cfg.MaxFilesBytes)
			}
		}
		pkgs = append(pkgs, pkg)
	}
	return pkgs
}

// copyCapped copies src from fsys to the new file dst, refusing more than
// max bytes, and returns the SHA-256 of the bytes.
func copyCapped(fsys fs.FS, src, dst string, max int64) (sum [32]byte, err error) {
	in, err := fsys.Open(src)
	if err != nil {
		return sum, err
	}
	defer in.Close()
	if fi, err := in.Stat(); err == nil && fi.Size() > max {
		return sum, fmt.Errorf("%d bytes is over the %d-byte limit", fi.Size(), max)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return sum, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(in, max+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sum, fmt.Errorf("copy: %w", err)
	}
	if n > max {
		return sum, fmt.Errorf("over the %d-byte limit", max)
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// decode checks the database file at local and, if it is sound, decodes it
// with go-rpmdb, recovering panics and bounding the time taken.
func (c *Cataloger) decode(ctx context.Context, local string) ([]rpmPackage, error) {
	f, err := detect(local)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	if err := check(ctx, f, local, c.cfg.MaxPackages); err != nil {
		return nil, fmt.Errorf("%s format: %w", f, err)
	}

	type result struct {
		pkgs []rpmPackage
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if v := recover(); v != nil {
				r = result{err: fmt.Errorf("go-rpmdb panicked: %v\n%s", v, debug.Stack())}
			}
			done <- r
		}()
		r.pkgs, r.err = listPackages(local)
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("%s format: %w", f, r.err)
		}
		return r.pkgs, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%s format: decoding took over %v", f, c.cfg.Timeout)
		}
		return nil, ctx.Err()
	}
}

// listPackages decodes a checked database with go-rpmdb.
func listPackages(local string) ([]rpmPackage, error) {
	db, err := rpmdb.Open(local)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer db.Close()
	infos, err := db.ListPackages()
	if err != nil {
		return nil, fmt.Errorf("list packages: %w", err)
	}
	out := make([]rpmPackage, 0, len(infos))
	for _, i := range infos {
		out = append(out, rpmPackage{
			Name:      i.Name,
			Version:   i.Version,
			Release:   i.Release,
			Arch:      i.Arch,
			SourceRPM: i.SourceRpm,
			License:   i.License,
			Epoch:     i.Epoch,
			Files:     fileTags{BaseNames: i.BaseNames, DirIndexes: i.DirIndexes, DirNames: i.DirNames},
		})
	}
	return out, nil
}
