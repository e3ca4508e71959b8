package sbom

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// entry is one package prepared for writing.
type entry struct {
	pkg *inventory.Package
	// ref is unique in the document and stable: type, name and a hash of
	// every field (plus a counter for exact duplicates). It is the CycloneDX
	// bom-ref and, prefixed, the SPDX identifier.
	ref string
	// layer is the index of the package's layer in Source.Layers, or -1.
	layer    int
	licenses declared
}

// prepared is an inventory ready for an encoder.
type prepared struct {
	inv     *inventory.Inventory
	entries []entry
	// digest is a hash of the whole inventory, for name-based document UUIDs.
	digest []byte
}

// prepare orders the packages, gives each an identifier and hashes the whole.
func prepare(inv *inventory.Inventory) *prepared {
	pkgs := make([]*inventory.Package, len(inv.Packages))
	for i := range inv.Packages {
		pkgs[i] = &inv.Packages[i]
	}
	slices.SortStableFunc(pkgs, inventory.ComparePackages)

	layers := make(map[string]int, 2*len(inv.Source.Layers))
	for i, l := range inv.Source.Layers {
		for _, d := range []string{l.Digest, l.DiffID} {
			if _, seen := layers[d]; d != "" && !seen {
				layers[d] = i
			}
		}
	}

	doc := sha256.New()
	buf := appendFields(nil, inv.Source.Kind, inv.Source.Name, inv.Source.Digest, inv.Source.Platform)
	for _, l := range inv.Source.Layers {
		buf = appendFields(buf, l.Digest, l.DiffID)
	}
	if d := inv.Distro; d != nil {
		buf = appendFields(buf, "distro", d.ID, d.VersionID, d.Codename, d.Name, d.PrettyName)
	}
	doc.Write(buf)

	p := &prepared{inv: inv, entries: make([]entry, len(pkgs))}
	seen := make(map[string]int, len(pkgs))
	for i, pkg := range pkgs {
		buf = appendFields(buf[:0], pkg.Type, pkg.Name, pkg.Version, pkg.Arch, pkg.SourceName, pkg.SourceVersion, pkg.PURL, pkg.Layer, pkg.Path)
		buf = appendFields(buf, pkg.Licenses...)
		sum := sha256.Sum256(buf)
		doc.Write(sum[:])
		ref := sanitizeID(pkg.Type, 16) + "-" + sanitizeID(pkg.Name, 64) + "-" + hex.EncodeToString(sum[:8])
		if n := seen[ref]; n > 0 {
			seen[ref] = n + 1
			ref += "-" + strconv.Itoa(n+1)
		} else {
			seen[ref] = 1
		}
		layer, ok := layers[pkg.Layer]
		if !ok || pkg.Layer == "" {
			layer = -1
		}
		p.entries[i] = entry{pkg: pkg, ref: ref, layer: layer, licenses: parseLicenses(pkg.Licenses)}
	}
	p.digest = doc.Sum(nil)
	return p
}

// appendFields appends each field with its length, so that no two field
// lists encode alike.
func appendFields(buf []byte, fields ...string) []byte {
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(fields)))
	for _, f := range fields {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(len(f)))
		buf = append(buf, f...)
	}
	return buf
}

// sanitizeID keeps the characters an SPDX identifier allows (letters,
// digits, "." and "-"), replacing runs of others by one "-", and at most max
// bytes of them.
func sanitizeID(s string, max int) string {
	var b strings.Builder
	dash := false
	for i := 0; i < len(s) && b.Len() < max; i++ {
		c := s[i]
		if isIDChar(c) && c != '-' {
			b.WriteByte(c)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "x"
	}
	return out
}

// shortDigest is the first 12 hex digits of a digest, without its algorithm.
func shortDigest(d string) string {
	_, hexPart, ok := strings.Cut(d, ":")
	if !ok {
		hexPart = d
	}
	if len(hexPart) > 12 {
		hexPart = hexPart[:12]
	}
	return hexPart
}
