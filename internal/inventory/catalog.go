package inventory

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strings"
)

// Layered is the file view Catalog reads: the kept files of an image as they
// stand after each layer. image.View implements it.
type Layered interface {
	// NumLayers is the number of layers (1 for a directory).
	NumLayers() int
	// LayerID is the diff ID of layer i ("" for a directory).
	LayerID(i int) string
	// FS is the merged file system after layers 0..i, whiteouts applied.
	FS(i int) fs.FS
	// Touched lists the kept paths that layer i added, replaced or removed;
	// nil means unknown (treat every path as touched).
	Touched(i int) []string
}

// Catalog runs every cataloger over the view and returns the packages of the
// final file system, each attributed to the layer that introduced it.
//
// A cataloger runs on the state after layer 0 and again after every layer that
// touched a file its globs match, so its cost grows with the layers that change
// its database, not with the image's layer count. A package is attributed to
// the lowest layer from which it stayed present, with the same version and
// architecture, in the same database file, up to the top: a package upgraded in
// layer 3 belongs to layer 3; one installed in layer 1 and untouched since
// belongs to layer 1.
//
// Errors in intermediate states are logged and only cost attribution
// precision; an error on the final state fails the catalog, since its packages
// would otherwise be silently missing. PURLs are filled from d, which may be nil.
func Catalog(ctx context.Context, v Layered, cats []Cataloger, d *Distro, log *slog.Logger) ([]Package, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := v.NumLayers()
	var all []Package
	for _, c := range cats {
		globs := c.Globs()
		var (
			current map[string]attributed // packages after the last run, by identity
			lastErr error
		)
		for i := range n {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if i > 0 && !touchesAny(v.Touched(i), globs) {
				continue
			}
			pkgs, err := c.Catalog(ctx, v.FS(i))
			if err != nil {
				lastErr = fmt.Errorf("catalog %s after layer %d (%s): %w", c.Name(), i, v.LayerID(i), err)
				log.Warn("cataloger failed", "cataloger", c.Name(), "layer", i, "err", err)
				continue
			}
			lastErr = nil
			next := make(map[string]attributed, len(pkgs))
			for _, p := range pkgs {
				k := identity(p)
				layer := i
				if prev, ok := current[k]; ok {
					layer = prev.layer
				}
				next[k] = attributed{pkg: p, layer: layer}
			}
			current = next
		}
		if lastErr != nil {
			return nil, lastErr
		}
		for _, a := range current {
			p := a.pkg
			p.Layer = v.LayerID(a.layer)
			if p.PURL == "" {
				p.PURL = PURL(p, d)
			}
			all = append(all, p)
		}
	}
	SortPackages(all)
	return all, nil
}

type attributed struct {
	pkg   Package
	layer int
}

// identity is what makes a package "the same" across layers for attribution.
func identity(p Package) string {
	return strings.Join([]string{p.Type, p.Path, p.Name, p.Version, p.Arch}, "\x00")
}

// touchesAny reports whether any touched path matches any glob; nil touched
// means unknown, which counts as touched.
func touchesAny(touched, globs []string) bool {
	if touched == nil {
		return true
	}
	for _, t := range touched {
		for _, g := range globs {
			if MatchGlob(g, t) {
				return true
			}
		}
	}
	return false
}

// MatchGlob reports whether name matches pattern in the syntax of
// Cataloger.Globs: path.Match on the whole slash-separated path, where a
// leading "**/" also matches any number of leading directories (including none).
func MatchGlob(pattern, name string) bool {
	if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
		for {
			if ok, _ := path.Match(rest, name); ok {
				return true
			}
			i := strings.IndexByte(name, '/')
			if i < 0 {
				return false
			}
			name = name[i+1:]
		}
	}
	ok, _ := path.Match(pattern, name)
	return ok
}

// SortPackages puts packages in the canonical order of ComparePackages, so
// that every output is deterministic.
func SortPackages(pkgs []Package) {
	slices.SortFunc(pkgs, func(a, b Package) int { return ComparePackages(&a, &b) })
}

// ComparePackages is the canonical order of packages: type, name, version,
// arch, layer, path, then every other field, so that only identical packages
// compare equal.
func ComparePackages(a, b *Package) int {
	return cmp.Or(
		cmp.Compare(a.Type, b.Type),
		cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.Version, b.Version),
		cmp.Compare(a.Arch, b.Arch),
		cmp.Compare(a.Layer, b.Layer),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.PURL, b.PURL),
		cmp.Compare(a.SourceName, b.SourceName),
		cmp.Compare(a.SourceVersion, b.SourceVersion),
		slices.Compare(a.Licenses, b.Licenses),
	)
}
