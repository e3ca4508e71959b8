package image

import (
	"path"
	"strings"
)

// matcher decides, for a cleaned slash-separated path, whether a walk keeps
// it. Patterns use path.Match syntax on the whole path; a leading "**/" also
// matches any number of leading directories (see inventory.MatchGlob).
type matcher struct {
	pats []pattern
}

type pattern struct {
	raw     string
	anyDirs bool     // leading "**/"
	rest    string   // the pattern without "**/"
	comps   []string // rest split on "/"
	prefix  string   // the literal bytes of rest before its first meta character
	suffix  string   // the literal bytes of rest after its last meta character
	// slashes is the number of "/" in rest when only a literal "/" can
	// match a "/" (no character class, no escape), else -1: a name can
	// then only match with exactly that many.
	slashes int
}

func newMatcher(keep []string) *matcher {
	m := &matcher{}
	for _, k := range keep {
		p := pattern{raw: k, rest: k}
		if r, ok := strings.CutPrefix(k, "**/"); ok {
			p.anyDirs, p.rest = true, r
		}
		p.comps = strings.Split(p.rest, "/")
		i := strings.IndexAny(p.rest, `*?[\`)
		if i < 0 {
			i = len(p.rest)
		}
		p.prefix = p.rest[:i]
		p.suffix = p.rest[strings.LastIndexAny(p.rest, `*?[]\`)+1:]
		p.slashes = -1
		if !strings.ContainsAny(p.rest, `[\`) {
			p.slashes = strings.Count(p.rest, "/")
		}
		m.pats = append(m.pats, p)
	}
	return m
}

// keep reports whether name matches some pattern in full: a kept file.
func (m *matcher) keep(name string) bool {
	for i := range m.pats {
		if m.pats[i].match(name) {
			return true
		}
	}
	return false
}

func (p *pattern) match(name string) bool {
	// Whatever matches ends with the literal tail: most names stop here.
	if !strings.HasSuffix(name, p.suffix) {
		return false
	}
	if p.anyDirs && p.slashes >= 0 {
		// Only the suffix of name with as many components as rest can
		// match it.
		i := len(name)
		for range p.slashes + 1 {
			i = strings.LastIndexByte(name[:i], '/')
			if i < 0 {
				break
			}
		}
		if i < 0 && strings.Count(name, "/") < p.slashes {
			return false
		}
		name = name[i+1:]
		if !strings.HasPrefix(name, p.prefix) {
			return false
		}
		ok, _ := path.Match(p.rest, name)
		return ok
	}
	if !p.anyDirs {
		if !strings.HasPrefix(name, p.prefix) {
			return false
		}
		ok, _ := path.Match(p.rest, name)
		return ok
	}
	for {
		if strings.HasPrefix(name, p.prefix) {
			if ok, _ := path.Match(p.rest, name); ok {
				return true
			}
		}
		i := strings.IndexByte(name, '/')
		if i < 0 {
			return false
		}
		name = name[i+1:]
	}
}

// relevant reports whether name matters to a kept path: it matches a pattern
// in full, or it matches the leading components of one, so that it is (or
// may be) a directory above a kept file. Such paths are the only ones whose
// symlinks, whiteouts and type changes the view needs to remember.
func (m *matcher) relevant(name string) bool {
	for i := range m.pats {
		p := &m.pats[i]
		if p.match(name) || p.matchesPrefix(name) {
			return true
		}
		if p.anyDirs {
			for s := name; ; {
				j := strings.IndexByte(s, '/')
				if j < 0 {
					break
				}
				s = s[j+1:]
				if p.matchesPrefix(s) {
					return true
				}
			}
		}
	}
	return false
}

// matchesPrefix reports whether name's components match the first
// components of the pattern, with at least one pattern component left over.
func (p *pattern) matchesPrefix(name string) bool {
	n := min(len(name), len(p.prefix))
	if name[:n] != p.prefix[:n] {
		return false
	}
	k := 0
	for s := name; ; k++ {
		if k >= len(p.comps)-1 {
			return false
		}
		c, rest, more := strings.Cut(s, "/")
		if ok, _ := path.Match(p.comps[k], c); !ok {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// substitute returns, for each pattern whose leading components name
// matches, the pattern with those components replaced by name: a path that
// stands for "every kept file below name" when name's meaning changed (a
// symlink appeared, moved or vanished). ok is false when a remainder holds
// syntax that would not match itself, so the caller must say "unknown".
func (m *matcher) substitute(name string) (out []string, ok bool) {
	k := strings.Count(name, "/") + 1
	for i := range m.pats {
		p := &m.pats[i]
		if p.anyDirs {
			return nil, false // any directory may lie under "**"
		}
		if !p.matchesPrefix(name) {
			continue
		}
		rest := strings.Join(p.comps[k:], "/")
		if strings.ContainsAny(rest, `[\`) {
			return nil, false
		}
		out = append(out, name+"/"+rest)
	}
	return out, true
}
