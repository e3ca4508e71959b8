package rust

import (
	"bytes"
	"compress/zlib"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// errNoAuditData is the error of an executable without a .dep-v0 section
// (or of a file that is no executable).
var errNoAuditData = errors.New("no audit data")

// readBinary lists the crates recorded in the .dep-v0 section of the
// executable ra holds (ELF, PE, or Mach-O, thin or the first architecture
// of a fat file), p being its path.
func (c *Cataloger) readBinary(ra io.ReaderAt, p string) ([]inventory.Package, []error, error) {
	sec, size, err := auditSection(ra)
	if err != nil {
		return nil, nil, err
	}
	if size > uint64(c.cfg.MaxAuditCompressed) {
		return nil, nil, fmt.Errorf("section %s: %d bytes, more than the limit of %d", Marker, size, c.cfg.MaxAuditCompressed)
	}
	compressed, err := io.ReadAll(io.LimitReader(sec, c.cfg.MaxAuditCompressed+1))
	if err != nil {
		return nil, nil, fmt.Errorf("section %s: %w", Marker, err)
	}
	if int64(len(compressed)) > c.cfg.MaxAuditCompressed {
		return nil, nil, fmt.Errorf("section %s: more than the limit of %d bytes", Marker, c.cfg.MaxAuditCompressed)
	}
	if uint64(len(compressed)) < size {
		return nil, nil, fmt.Errorf("section %s: %d of its %d bytes in the file", Marker, len(compressed), size)
	}
	return c.decodeAudit(compressed, p)
}

// auditSection finds the .dep-v0 section of an executable and returns a
// reader of its bytes and its size as the headers state it.
func auditSection(ra io.ReaderAt) (io.Reader, uint64, error) {
	var magic [4]byte
	if _, err := ra.ReadAt(magic[:], 0); err != nil {
		return nil, 0, errNoAuditData
	}
	switch {
	case string(magic[:]) == "\x7fELF":
		f, err := elf.NewFile(ra)
		if err != nil {
			return nil, 0, fmt.Errorf("read ELF: %w", err)
		}
		s := f.Section(Marker)
		if s == nil || s.Type == elf.SHT_NOBITS {
			return nil, 0, errNoAuditData
		}
		return s.Open(), s.Size, nil
	case string(magic[:2]) == "MZ":
		f, err := pe.NewFile(ra)
		if err != nil {
			return nil, 0, fmt.Errorf("read PE: %w", err)
		}
		s := f.Section(Marker)
		if s == nil {
			return nil, 0, errNoAuditData
		}
		// Raw data is padded to the file alignment; VirtualSize is exact.
		size := uint64(s.Size)
		if s.VirtualSize != 0 && uint64(s.VirtualSize) < size {
			size = uint64(s.VirtualSize)
		}
		return io.LimitReader(s.Open(), int64(size)), size, nil
	case string(magic[:]) == "\xca\xfe\xba\xbe", string(magic[:]) == "\xca\xfe\xba\xbf":
		ff, err := macho.NewFatFile(ra)
		if err != nil {
			return nil, 0, fmt.Errorf("read Mach-O: %w", err)
		}
		if len(ff.Arches) == 0 {
			return nil, 0, errNoAuditData
		}
		return machoSection(ff.Arches[0].File)
	case string(magic[:]) == "\xfe\xed\xfa\xce", string(magic[:]) == "\xfe\xed\xfa\xcf",
		string(magic[:]) == "\xce\xfa\xed\xfe", string(magic[:]) == "\xcf\xfa\xed\xfe":
		f, err := macho.NewFile(ra)
		if err != nil {
			return nil, 0, fmt.Errorf("read Mach-O: %w", err)
		}
		return machoSection(f)
	}
	return nil, 0, errNoAuditData
}

// machoSection finds section .dep-v0 of segment __DATA.
func machoSection(f *macho.File) (io.Reader, uint64, error) {
	for _, s := range f.Sections {
		if s.Name == Marker && s.Seg == "__DATA" {
			return s.Open(), s.Size, nil
		}
	}
	return nil, 0, errNoAuditData
}

// auditPackage is one entry of cargo-auditable's data. Dependencies and
// root are not read: every package is reported.
type auditPackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Source  string `json:"source"`
	Kind    string `json:"kind"`
}

// decodeAudit decompresses and decodes cargo-auditable's data, zlib-
// compressed JSON ({"packages": [{"name", "version", "source", "kind",
// "dependencies", "root"}]}), and returns its packages and one error per
// malformed entry. Packages whose source is "builtin" (the standard
// library) are skipped.
func (c *Cataloger) decodeAudit(compressed []byte, p string) ([]inventory.Package, []error, error) {
	zr, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, nil, fmt.Errorf("decompress audit data: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, c.cfg.MaxAuditData+1))
	if err != nil {
		return nil, nil, fmt.Errorf("decompress audit data: %w", err)
	}
	if int64(len(data)) > c.cfg.MaxAuditData {
		return nil, nil, fmt.Errorf("audit data decompresses to more than the limit of %d bytes", c.cfg.MaxAuditData)
	}
	var doc struct {
		Packages []json.RawMessage `json:"packages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("decode audit data: %w", err)
	}
	if len(doc.Packages) > c.cfg.MaxPackages {
		return nil, nil, fmt.Errorf("%d packages, more than the limit of %d", len(doc.Packages), c.cfg.MaxPackages)
	}
	var bad []error
	pkgs := make([]inventory.Package, 0, len(doc.Packages))
	seen := make(map[[2]string]bool, len(doc.Packages))
	for i, raw := range doc.Packages {
		var e auditPackage
		if err := json.Unmarshal(raw, &e); err != nil {
			bad = append(bad, fmt.Errorf("package %d: %w", i+1, err))
			continue
		}
		switch e.Source {
		case "builtin":
			continue
		case "crates.io", "registry", "git", "local":
		default:
			bad = append(bad, fmt.Errorf("package %d (%s): unknown source %s", i+1, clip(e.Name), clip(e.Source)))
			continue
		}
		if !validName(e.Name) || !validVersion(e.Version) {
			bad = append(bad, fmt.Errorf("package %d: bad name %s or version %s", i+1, clip(e.Name), clip(e.Version)))
			continue
		}
		k := [2]string{e.Name, e.Version}
		if seen[k] {
			continue
		}
		seen[k] = true
		pkgs = append(pkgs, inventory.Package{Name: e.Name, Version: e.Version, Type: inventory.TypeCargo, Path: p})
	}
	return pkgs, bad, nil
}
