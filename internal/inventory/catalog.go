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

	"github.com/vigil-sec/vigil/internal/pkgname"
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
// A ContentCataloger also runs after every layer that touched any kept file
// (it finds executables by content, not by name).
//
// After cataloging, a language package whose file an OS package lists in
// its Files gets OwnedBy (see Package.OwnedBy), and language packages of
// one type, name (as the ecosystem compares names), version, owner and
// confidence found in several files are merged into one with Locations.
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
		_, byContent := c.(ContentCataloger)
		var (
			current map[string]attributed // packages after the last run, by identity
			lastErr error
		)
		for i := range n {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if i > 0 && !touchesAny(v.Touched(i), globs) && !(byContent && len(v.Touched(i)) > 0) {
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
	// Sorted first, so that which of two spellings of a name in one file
	// ("Flask" and "flask") a merge keeps does not depend on map order.
	SortPackages(all)
	markOwned(all)
	layerOrder := make(map[string]int, n)
	for i := range n {
		layerOrder[v.LayerID(i)] = i
	}
	all = mergeLanguage(all, layerOrder)
	SortPackages(all)
	return all, nil
}

// markOwned sets OwnedBy on every language package whose file an OS
// package installed (its Files), then drops the file lists. A package
// found inside a nested archive ("app.war!/WEB-INF/lib/x.jar") is owned by
// whoever owns the outer file.
func markOwned(pkgs []Package) {
	owner := map[string]string{}
	own := func(f, purl string) {
		if _, dup := owner[f]; !dup {
			owner[f] = purl
		}
	}
	for i := range pkgs {
		for _, f := range pkgs[i].Files {
			own(f, pkgs[i].PURL)
			// A merged /usr: databases may record "lib/..." or "bin/..."
			// for files the image holds under usr/ (through the lib ->
			// usr/lib symlink), where a cataloger finds them.
			if top, _, ok := strings.Cut(f, "/"); ok && usrMerged[top] {
				own("usr/"+f, pkgs[i].PURL)
			}
		}
		pkgs[i].Files = nil
	}
	if len(owner) == 0 {
		return
	}
	for i := range pkgs {
		p := &pkgs[i]
		if _, lang := pkgname.Ecosystem(p.Type); !lang || p.OwnedBy != "" {
			continue
		}
		file, _, _ := strings.Cut(p.Path, "!/")
		if o, ok := owner[file]; ok {
			p.OwnedBy = o
		}
	}
}

// usrMerged are the top-level directories that a merged /usr turns into
// symlinks into usr/.
var usrMerged = map[string]bool{"bin": true, "sbin": true, "lib": true, "lib32": true, "lib64": true, "libx32": true}

// mergeLanguage makes one package of the language packages found in
// several places: same type, same name as the ecosystem compares names,
// same version, same owner and confidence. The merged package keeps the
// place in the earliest layer (then the first path) in Layer and Path and
// lists every place in Locations; licences are unioned. OS packages are
// never merged: each belongs to one database.
func mergeLanguage(pkgs []Package, layerOrder map[string]int) []Package {
	type key struct{ typ, name, version, owner, confidence string }
	groups := map[key][]int{}
	var keys []key
	for i := range pkgs {
		p := &pkgs[i]
		eco, lang := pkgname.Ecosystem(p.Type)
		if !lang || p.Type == TypeGolang && !strings.HasPrefix(p.Version, "v") {
			// "(devel)" is no version: two binaries' main modules built
			// from working trees are not known to be the same code.
			continue
		}
		k := key{p.Type, pkgname.Normalize(eco, p.Name), p.Version, p.OwnedBy, p.Confidence}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	drop := make([]bool, len(pkgs))
	for _, k := range keys {
		idx := groups[k]
		if len(idx) < 2 {
			continue
		}
		locs := make([]Location, 0, len(idx))
		var licenses []string
		for _, i := range idx {
			locs = append(locs, Location{Layer: pkgs[i].Layer, Path: pkgs[i].Path})
			licenses = append(licenses, pkgs[i].Licenses...)
		}
		slices.SortFunc(locs, func(a, b Location) int {
			return cmp.Or(cmp.Compare(layerOrder[a.Layer], layerOrder[b.Layer]), cmp.Compare(a.Path, b.Path))
		})
		locs = slices.Compact(locs)
		first := idx[0]
		for _, i := range idx {
			if pkgs[i].Layer == locs[0].Layer && pkgs[i].Path == locs[0].Path {
				first = i
				break
			}
		}
		for _, i := range idx {
			drop[i] = i != first
		}
		p := &pkgs[first]
		if len(locs) > 1 {
			p.Locations = locs
		}
		slices.Sort(licenses)
		p.Licenses = slices.Compact(licenses)
	}
	out := pkgs[:0]
	for i := range pkgs {
		if !drop[i] {
			out = append(out, pkgs[i])
		}
	}
	return out
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
