package feed

import (
	"archive/tar"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Bundle layout: a gzip-compressed tar of exactly two regular files, in
// this order.
const (
	manifestName = "manifest.json"
	bundleDBName = "vigil.db"
	// BundleFormat names the manifest's format.
	BundleFormat = "vigil-db-bundle"
	// BundleVersion is the manifest layout version.
	BundleVersion = 1
	// MaxManifest caps the manifest entry.
	MaxManifest = 1 << 20
	// MaxBundleDB caps the database entry of a bundle.
	MaxBundleDB = 16 << 30
)

// Manifest describes a bundle's database.
type Manifest struct {
	Format  string              `json:"format"`
	Version int                 `json:"version"`
	Schema  int                 `json:"schema"`
	Built   time.Time           `json:"built"`
	Sources []vulndb.SourceInfo `json:"sources"`
	DB      BundleFile          `json:"db"`
}

// BundleFile is the database entry of a bundle.
type BundleFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func export(ctx context.Context, st store, dbPath string, w io.Writer) error {
	meta, srcs, err := st.info(dbPath)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// One open file: a concurrent Build renames a new file into place and
	// leaves this one whole.
	f, err := os.Open(dbPath)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("export: read %s: %w", dbPath, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	man := Manifest{Format: BundleFormat, Version: BundleVersion, Schema: meta.Schema, Built: meta.Built,
		Sources: srcs, DB: BundleFile{Name: bundleDBName, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}}
	mdata, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	now := time.Now()
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o644, Size: int64(len(mdata)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := tw.Write(mdata); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: bundleDBName, Mode: 0o644, Size: size, ModTime: now, Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := io.Copy(tw, &ctxReader{ctx: ctx, r: io.LimitReader(f, size)}); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// readManifest reads and checks the manifest entry's content.
func readManifest(r io.Reader) (Manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxManifest+1))
	if err != nil {
		return Manifest{}, fmt.Errorf("read manifest: %w", err)
	}
	if len(data) > MaxManifest {
		return Manifest{}, fmt.Errorf("manifest larger than %d bytes", MaxManifest)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("decode manifest: %w", err)
	}
	if dec.More() {
		return Manifest{}, errors.New("decode manifest: data after the manifest")
	}
	switch {
	case m.Format != BundleFormat:
		return Manifest{}, fmt.Errorf("manifest format %q, want %q", clipStr(m.Format), BundleFormat)
	case m.Version != BundleVersion:
		return Manifest{}, fmt.Errorf("bundle version %d, this vigil reads %d", m.Version, BundleVersion)
	case m.Schema != vulndb.SchemaVersion:
		return Manifest{}, fmt.Errorf("bundle database schema %d, this vigil reads %d: %w", m.Schema, vulndb.SchemaVersion, vulndb.ErrSchema)
	case m.DB.Name != bundleDBName:
		return Manifest{}, fmt.Errorf("manifest names database entry %q, want %q", clipStr(m.DB.Name), bundleDBName)
	case m.DB.Size <= 0 || m.DB.Size > MaxBundleDB:
		return Manifest{}, fmt.Errorf("manifest database size %d out of range (1..%d)", m.DB.Size, int64(MaxBundleDB))
	}
	if sum, err := hex.DecodeString(m.DB.SHA256); err != nil || len(sum) != sha256.Size {
		return Manifest{}, fmt.Errorf("manifest sha256 %q is not a SHA-256 hex digest", clipStr(m.DB.SHA256))
	}
	return m, nil
}

func clipStr(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func importBundle(ctx context.Context, st store, dbPath, bundlePath string) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("import bundle %s (database %s left as it was): %w", bundlePath, dbPath, err)
		}
	}()
	bf, err := os.Open(bundlePath)
	if err != nil {
		return err
	}
	defer bf.Close()
	zr, err := gzip.NewReader(bf)
	if err != nil {
		return fmt.Errorf("not a gzip bundle: %w", err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	hdr, err := tr.Next()
	if err != nil {
		return fmt.Errorf("read bundle: %w", corrupt(err))
	}
	if hdr.Name != manifestName || hdr.Typeflag != tar.TypeReg {
		return fmt.Errorf("first entry is %q, want the regular file %s", clipStr(hdr.Name), manifestName)
	}
	if hdr.Size > MaxManifest {
		return fmt.Errorf("manifest of %d bytes, more than %d", hdr.Size, MaxManifest)
	}
	man, err := readManifest(tr)
	if err != nil {
		return corrupt(err)
	}
	hdr, err = tr.Next()
	if err != nil {
		return fmt.Errorf("read bundle: %w", corrupt(err))
	}
	if hdr.Name != bundleDBName || hdr.Typeflag != tar.TypeReg {
		return fmt.Errorf("second entry is %q, want the regular file %s", clipStr(hdr.Name), bundleDBName)
	}
	if hdr.Size != man.DB.Size {
		return fmt.Errorf("database entry of %d bytes, the manifest says %d", hdr.Size, man.DB.Size)
	}
	dir := filepath.Dir(dbPath)
	tmp, err := os.CreateTemp(dir, ".vigil-bundle-*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer func() {
		if tmp != nil {
			tmp.Close()
		}
		if err != nil {
			os.Remove(tmpName)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), &ctxReader{ctx: ctx, r: tr})
	if err != nil {
		return fmt.Errorf("read database entry: %w", corrupt(err))
	}
	if n != man.DB.Size {
		return fmt.Errorf("database entry cut short: %d of %d bytes", n, man.DB.Size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != man.DB.SHA256 {
		return fmt.Errorf("database checksum mismatch: sha256 %s, the manifest says %s (bundle corrupt or altered)", got, man.DB.SHA256)
	}
	if hdr, err := tr.Next(); err != io.EOF {
		if err != nil {
			return fmt.Errorf("read bundle end: %w", corrupt(err))
		}
		return fmt.Errorf("unexpected extra entry %q after the database", clipStr(hdr.Name))
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		tmp = nil
		return err
	}
	tmp = nil
	if _, _, err := st.info(tmpName); err != nil {
		return fmt.Errorf("bundled database does not open: %w", err)
	}
	if err := os.Rename(tmpName, dbPath); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// corrupt names gzip and tar damage as such.
func corrupt(err error) error {
	var ce flate.CorruptInputError
	if errors.As(err, &ce) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, tar.ErrHeader) {
		return fmt.Errorf("bundle corrupt or truncated: %w", err)
	}
	return err
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}
