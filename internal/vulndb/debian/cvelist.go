package debian

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Limits shared by ParseCVEList and ParseJSON.
const (
	// MaxProblems caps the Problems one file reports one by one; past it a
	// single last Problem gives the number left out. Unknown release
	// codenames are reported once per codename, whatever their count.
	MaxProblems = 1000
	// MaxSummary caps Advisory.Summary in bytes; a longer description is
	// cut at a rune boundary and ends in "...".
	MaxSummary = 1024
)

var (
	cveIDRE = regexp.MustCompile(`^CVE-[0-9]{4}-(?:[0-9]{4,}|XXXX)$`)
	xrefRE  = regexp.MustCompile(`^(?:DSA|DLA|DTSA)-[0-9]{1,6}(?:-[0-9]{1,3})?$`)
)

// InheritingReleases returns the releases that inherit the unstable (sid)
// line of a package in data/CVE/list when they have no "[release]" line of
// their own: bullseye, bookworm and trixie, the releases the tracker
// currently follows. It is a function, not a variable, so no caller can
// change it for the others; a new list means a new vigil release.
func InheritingReleases() []string {
	return []string{"bullseye", "bookworm", "trixie"}
}

// ParseCVEList reads the tracker's data/CVE/list and emits one Advisory per
// CVE that names at least one package, in file order: ID the CVE, Aliases
// the DSA/DLA/DTSA IDs of its "{...}" line, Summary the description, and
// one Affected per (release, source package). A line without a release is
// the unstable one ("Debian:sid"); InheritingReleases without a line of
// their own get a copy of it. See doc.go for the status of each marker.
func ParseCVEList(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	return parseCVEList(ctx, r, file, MaxFileSize, emit, problem)
}

// cveEntry is the CVE being read.
type cveEntry struct {
	id, summary string
	aliases     []string
	rejected    bool
	pkgs        []*pkgNotes // in file order
}

// pkgNotes are the lines of one source package in one CVE.
type pkgNotes struct {
	name     string
	sid      string // the unstable line's version or marker; "" when none
	urgency  string // from the unstable line's notes
	explicit []vulndb.Affected
	given    []string // version or marker of each explicit line, for repeats
	skipped  []string // ecosystems of <removed> and <itp> release lines
}

func (e *cveEntry) pkg(name string) *pkgNotes {
	for _, p := range e.pkgs {
		if p.name == name {
			return p
		}
	}
	p := &pkgNotes{name: name}
	e.pkgs = append(e.pkgs, p)
	return p
}

// line returns what the package's line for ecosystem eco gave, if any.
func (p *pkgNotes) line(eco string) (string, bool) {
	for i := range p.explicit {
		if p.explicit[i].Ecosystem == eco {
			return p.given[i], true
		}
	}
	if slices.Contains(p.skipped, eco) {
		return "", true
	}
	return "", false
}

// ecosystems caches Ecosystem for one parse: one string per release, not
// one per line.
type ecosystems map[string]string

func (c ecosystems) get(codename string) (string, bool) {
	if eco, ok := c[codename]; ok {
		return eco, true
	}
	eco, ok := Ecosystem(codename)
	if ok && len(c) < 64 {
		c[codename] = eco
	}
	return eco, ok
}

// splitLine splits a package line after its "[release] " or nothing:
// "- pkg [version-or-marker] [(notes)]". It reads what
// `^-\s+(\S+)(?:\s+([^\s(]+))?\s*(?:\((.*)\))?\s*$` would, without the
// regexp's cost on the biggest file of the tracker.
func splitLine(s string) (name, ver, notes string, ok bool) {
	if len(s) < 2 || s[0] != '-' || !isSpace(s[1]) {
		return "", "", "", false
	}
	s = strings.TrimLeft(s[1:], " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, "", "", s != ""
	}
	name, s = s[:i], strings.TrimLeft(s[i:], " \t")
	if s != "" && s[0] != '(' {
		j := strings.IndexAny(s, " \t(")
		if j < 0 {
			return name, s, "", true
		}
		ver, s = s[:j], strings.TrimLeft(s[j:], " \t")
	}
	s = strings.TrimRight(s, " \t")
	switch {
	case s == "":
		return name, ver, "", true
	case s[0] == '(' && s[len(s)-1] == ')':
		return name, ver, s[1 : len(s)-1], true
	}
	return "", "", "", false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// parseCVEList is ParseCVEList with the size cap as a parameter.
func parseCVEList(ctx context.Context, r io.Reader, file string, limit int64, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	ps := newProblems(file, problem)
	lines := newListLines(r, file, limit)
	report := func(record string, err error) {
		ps.report(record, fmt.Errorf("line %d: %w", lines.n, err))
	}
	var (
		cur        *cveEntry
		skipped    bool // the current entry was dropped: ignore its body
		emitted    = map[string]bool{}
		ecos       = ecosystems{}
		inheriting []string // ecosystems of InheritingReleases
	)
	for _, c := range InheritingReleases() {
		eco, _ := ecos.get(c)
		inheriting = append(inheriting, eco)
	}
	flush := func() error {
		if cur == nil {
			return nil
		}
		e := cur
		cur = nil
		a := e.advisory(inheriting)
		if a == nil {
			return nil
		}
		if emitted[a.ID] {
			ps.report(a.ID, errors.New("listed twice: the later entry is dropped"))
			return nil
		}
		emitted[a.ID] = true
		return emitAdvisory(emit, a)
	}
	for {
		s, bad, err := lines.scan(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		rec := ""
		if cur != nil {
			rec = cur.id
		}
		if bad != nil {
			if s != "" && s[0] != ' ' && s[0] != '\t' {
				// an unreadable header: its body must not join the entry before
				if err := flush(); err != nil {
					return err
				}
				rec, skipped = "", true
				if id, _, _ := strings.Cut(s, " "); cveIDRE.MatchString(id) {
					rec = id
				}
			}
			report(rec, bad)
			continue
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		if s[0] != ' ' && s[0] != '\t' {
			if err := flush(); err != nil {
				return err
			}
			id, desc, _ := strings.Cut(s, " ")
			if i := strings.IndexByte(id, '\t'); i >= 0 {
				id, desc = id[:i], id[i+1:]+" "+desc
			}
			if !cveIDRE.MatchString(id) {
				report("", fmt.Errorf("malformed header %q", clip(s)))
				skipped = true
				continue
			}
			if strings.HasSuffix(id, "XXXX") {
				// a placeholder has no stable ID: the JSON export names it TEMP-...
				skipped = true
				continue
			}
			cur, skipped = &cveEntry{id: id, summary: description(strings.TrimSpace(desc))}, false
			continue
		}
		if skipped {
			continue
		}
		if cur == nil {
			report("", fmt.Errorf("%q outside any entry", clip(s)))
			skipped = true
			continue
		}
		if err := cur.body(strings.TrimSpace(s), ecos, ps); err != nil {
			report(cur.id, err)
		}
	}
	if err := lines.overflow(); err != nil {
		report("", err)
	}
	if err := flush(); err != nil {
		return err
	}
	ps.close()
	return nil
}

// description strips the "(...)" or "[...]" around a CVE header's text.
func description(s string) string {
	if len(s) >= 2 && (s[0] == '(' && s[len(s)-1] == ')' || s[0] == '[' && s[len(s)-1] == ']') {
		s = s[1 : len(s)-1]
	}
	return clipSummary(strings.TrimSpace(s))
}

// clipSummary cuts s to at most MaxSummary bytes at a rune boundary.
func clipSummary(s string) string {
	if len(s) <= MaxSummary {
		return s
	}
	cut := MaxSummary - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// body applies one trimmed body line to e.
func (e *cveEntry) body(s string, ecos ecosystems, ps *problems) error {
	switch {
	case s == "RESERVED":
		return nil
	case s == "REJECTED":
		e.rejected = true
		return nil
	case strings.HasPrefix(s, "NOTE:"), strings.HasPrefix(s, "TODO:"), strings.HasPrefix(s, "NOT-FOR-US:"):
		return nil
	case strings.HasPrefix(s, "{"):
		if !strings.HasSuffix(s, "}") {
			return fmt.Errorf("unterminated cross-reference list %q", clip(s))
		}
		var bad []string
		for _, id := range strings.Fields(s[1 : len(s)-1]) {
			switch {
			case !xrefRE.MatchString(id):
				bad = append(bad, clip(id))
			case !slices.Contains(e.aliases, id):
				e.aliases = append(e.aliases, id)
			}
		}
		if bad != nil {
			return fmt.Errorf("malformed advisory IDs %q dropped", bad)
		}
		return nil
	case strings.HasPrefix(s, "-"):
		name, ver, notes, ok := splitLine(s)
		if !ok {
			return fmt.Errorf("malformed package line %q", clip(s))
		}
		if err := checkPackage(name); err != nil {
			return err
		}
		switch ver {
		case "<removed>", "<itp>":
		default:
			var af vulndb.Affected
			if err := cveStatus(&af, ver); err != nil {
				return fmt.Errorf("sid %s: %w", name, err)
			}
		}
		p := e.pkg(name)
		if p.sid != "" {
			if p.sid != ver {
				return fmt.Errorf("second unstable line for %s (%q, first %q kept)", name, clip(ver), clip(p.sid))
			}
			return nil
		}
		p.sid, p.urgency = ver, urgency(notes)
		return nil
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return fmt.Errorf("malformed release line %q", clip(s))
		}
		codename := s[1:end]
		name, ver, notes, ok := splitLine(strings.TrimLeft(s[end+1:], " \t"))
		if !ok || end+1 == len(s) || !isSpace(s[end+1]) {
			return fmt.Errorf("malformed release line %q", clip(s))
		}
		eco, ok := ecos.get(codename)
		if !ok {
			ps.unknownRelease(codename, e.id)
			return nil
		}
		if err := checkPackage(name); err != nil {
			return err
		}
		af := vulndb.Affected{Ecosystem: eco, Package: name}
		if ver != "<removed>" && ver != "<itp>" {
			if err := cveStatus(&af, ver); err != nil {
				return fmt.Errorf("%s %s: %w", codename, name, err)
			}
			if u := urgency(notes); u != "" {
				af.Severity = []vulndb.Severity{{Type: "DISTRO", Score: u}}
			}
		}
		p := e.pkg(name)
		if first, ok := p.line(eco); ok {
			if first != ver {
				return fmt.Errorf("second %s line for %s (%q, first %q kept)", codename, name, clip(ver), clip(first))
			}
			return nil
		}
		if af.Status == "" {
			// <removed> or <itp> here: no entry, and no inherited one either
			p.skipped = append(p.skipped, eco)
			return nil
		}
		p.given = append(p.given, ver)
		p.explicit = append(p.explicit, af)
		return nil
	}
	return fmt.Errorf("unrecognised line %q", clip(s))
}

// checkPackage accepts what pkgRE accepts, up to 256 bytes, without a
// regexp: it runs once per package line.
func checkPackage(name string) error {
	ok := name != "" && len(name) <= 256
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || i > 0 && (c == '+' || c == '.' || c == '-')
	}
	if !ok {
		return fmt.Errorf("malformed source package name %q", clip(name))
	}
	return nil
}

// cveStatus is setStatus for data/CVE/list, where a fixed version "0" means
// the package was never affected and <undetermined> is not yet triaged.
func cveStatus(af *vulndb.Affected, ver string) error {
	if ver == "0" {
		af.Status = vulndb.StatusNotAffected
		return nil
	}
	return setStatus(af, ver)
}

// advisory builds the entry's Advisory, or nil when it has nothing to
// match: no package, or REJECTED.
func (e *cveEntry) advisory(inheriting []string) *vulndb.Advisory {
	if e.rejected {
		return nil
	}
	n := 0
	for _, p := range e.pkgs {
		n += len(p.explicit) + 1 + len(inheriting)
	}
	affected := make([]vulndb.Affected, 0, n)
	for _, p := range e.pkgs {
		start := len(affected)
		affected = append(affected, p.explicit...)
		switch p.sid {
		case "", "<itp>":
		default:
			sid := vulndb.Affected{Ecosystem: "Debian:sid", Package: p.name}
			if p.sid == "<removed>" {
				// gone from unstable: a release that still ships it and has
				// no line of its own stays open, as the tracker shows it
				sid.Status = vulndb.StatusUnfixed
			} else {
				_ = cveStatus(&sid, p.sid) // checked when the line was read
				affected = append(affected, sid)
			}
			for _, eco := range inheriting {
				if _, ok := p.line(eco); ok {
					continue
				}
				inh := sid // shares sid's Ranges: advisories are read-only
				inh.Ecosystem = eco
				affected = append(affected, inh)
			}
		}
		if p.urgency != "" {
			sev := []vulndb.Severity{{Type: "DISTRO", Score: p.urgency}}
			for i := start; i < len(affected); i++ {
				if affected[i].Severity == nil {
					affected[i].Severity = sev
				}
			}
		}
		slices.SortStableFunc(affected[start:], func(a, b vulndb.Affected) int {
			return cmp.Compare(releaseRank(a.Ecosystem), releaseRank(b.Ecosystem))
		})
	}
	if len(affected) == 0 {
		return nil
	}
	return &vulndb.Advisory{
		ID:         e.id,
		Aliases:    e.aliases,
		Source:     Source,
		Summary:    e.summary,
		References: []string{"https://security-tracker.debian.org/tracker/" + e.id},
		Affected:   affected,
	}
}

// releaseRank orders "Debian:N" ecosystems by release number, sid last.
func releaseRank(eco string) float64 {
	if eco == "Debian:sid" {
		return 1e9
	}
	v, err := strconv.ParseFloat(strings.TrimPrefix(eco, "Debian:"), 64)
	if err != nil {
		return 1e9
	}
	return v
}

// problems passes a file's Problems on, at most MaxProblems of them, and
// gathers unknown release codenames to report each once.
type problems struct {
	file    string
	fn      func(*vulndb.Problem)
	n       int // reported so far
	dropped int // past the cap
	unknown map[string]*unknownRelease
	order   []string
}

type unknownRelease struct {
	first   string // first record that named it
	records int
	last    string // last record counted, so repeats in one record count once
}

func newProblems(file string, fn func(*vulndb.Problem)) *problems {
	if fn == nil {
		fn = func(*vulndb.Problem) {}
	}
	return &problems{file: file, fn: fn, unknown: map[string]*unknownRelease{}}
}

func (p *problems) report(record string, err error) {
	if p.n >= MaxProblems {
		p.dropped++
		return
	}
	p.n++
	p.fn(&vulndb.Problem{File: p.file, Record: clip(record), Err: err})
}

func (p *problems) unknownRelease(codename, record string) {
	codename = clip(codename)
	u := p.unknown[codename]
	if u == nil {
		if len(p.unknown) >= 64 {
			p.dropped++
			return
		}
		u = &unknownRelease{first: record}
		p.unknown[codename] = u
		p.order = append(p.order, codename)
	}
	if u.last != record || u.records == 0 {
		u.records++
		u.last = record
	}
}

// close reports the unknown releases and the number of Problems left out.
func (p *problems) close() {
	for _, c := range p.order {
		u := p.unknown[c]
		p.fn(&vulndb.Problem{File: p.file, Record: clip(u.first),
			Err: fmt.Errorf("unknown release %q: its lines skipped in %d records", c, u.records)})
	}
	if p.dropped > 0 {
		p.fn(&vulndb.Problem{File: p.file, Err: fmt.Errorf("%d more problems not reported one by one", p.dropped)})
	}
}
