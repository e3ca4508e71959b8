package image

import (
	"path"
	"slices"
)

// touched lists the paths that layer i of results changed for its catalogers:
// its own entries and whiteouts, the lower paths it hides, and, where a
// symlink above kept paths appeared, changed or vanished, the keep patterns
// rewritten below that link. nil means unknown.
func (w *walker) touched(results []*layerData, i int, l Layer) []string {
	d := results[i]
	set := map[string]struct{}{}
	if i > 0 && results[i-1] == d {
		return []string{} // the same layer again changes nothing
	}
	lower := &mergedFS{layers: results[:i]}
	upper := &mergedFS{layers: results[:i+1]}
	unknown := false
	through := 0
	note := func(p string, e *entry) {
		set[p] = struct{}{}
		if e != nil && e.Kind == kindSymlink && !w.m.keep(p) {
			subs, ok := w.m.substitute(p)
			if !ok {
				unknown = true
			}
			for _, s := range subs {
				set[s] = struct{}{}
			}
		}
	}
	hidden := func(p string, strict bool) {
		le, ok := lower.lstat(p)
		if !ok {
			return
		}
		if !strict {
			note(p, le)
		}
		for _, c := range lower.collectUnder(p, nil) {
			ce, _ := lower.lstat(c)
			note(c, ce)
		}
	}
	for p, e := range d.entries {
		note(p, e)
		if i == 0 {
			continue
		}
		if le, ok := lower.lstat(p); ok {
			note(p, le)
			if e.Kind != kindDir {
				hidden(p, true)
			}
		}
		for a := path.Dir(p); a != "."; a = path.Dir(a) {
			if ae, ok := upper.lstat(a); ok && ae.Kind == kindSymlink {
				through++
				break
			}
		}
	}
	if i > 0 {
		for p := range d.whiteouts {
			set[p] = struct{}{}
			hidden(p, false)
		}
		for p := range d.opaques {
			hidden(p, true)
		}
	}
	if through > 0 {
		w.obs.Log.Warn("entries below a symlink of a lower layer are not written through it", "layer", l.DiffID, "count", through)
	}
	if unknown {
		return nil
	}
	out := slices.Sorted(mapKeys(set))
	if out == nil {
		out = []string{}
	}
	return out
}
