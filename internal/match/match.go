package match

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Source is what matching reads from the vulnerability database;
// *vulndb.DB implements it, unit tests use a fake.
type Source interface {
	Lookup(ecosystem, pkg string) ([]vulndb.Entry, error)
	Advisory(key string) (*vulndb.Advisory, error)
	KEV(cve string) (vulndb.KEV, bool, error)
}

// Severity is a finding's severity, ordered: a greater value is worse.
type Severity int

const (
	SeverityUnknown Severity = iota
	SeverityNegligible
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

// Status says whether a fix exists for a finding.
type Status string

const (
	// StatusFixed: a fixed version exists (Finding.FixedVersion).
	StatusFixed Status = "fixed"
	// StatusUnfixed: no fix yet.
	StatusUnfixed Status = "unfixed"
	// StatusWontFix: the distribution will not fix it (Debian no-dsa, ignored).
	StatusWontFix Status = "wont-fix"
	// StatusEndOfLife: the package or release is no longer supported.
	StatusEndOfLife Status = "end-of-life"
)

// PackageRef names the package a finding is about, as the inventory found it.
type PackageRef struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	Type          string `json:"type"`
	PURL          string `json:"purl,omitempty"`
	SourceName    string `json:"sourceName,omitempty"`
	SourceVersion string `json:"sourceVersion,omitempty"`
	// Layer and Path are where the package was found (the layer that
	// brought it in and the file it was read from); Locations lists every
	// place when the inventory found it in several.
	Layer     string               `json:"layer,omitempty"`
	Path      string               `json:"path,omitempty"`
	Locations []inventory.Location `json:"locations,omitempty"`
}

// Finding is one vulnerability in one package. Advisories that name the
// same vulnerability (a CVE and the DSA or GHSA that carries it) are merged
// into one finding per package.
type Finding struct {
	// ID is the CVE where one is known, else the advisory's own ID.
	ID string `json:"id"`
	// Aliases are the other IDs of the merged advisories, sorted.
	Aliases []string   `json:"aliases,omitempty"`
	Package PackageRef `json:"package"`
	// Advisories are the keys of the advisories that matched, sorted.
	Advisories []string `json:"advisories"`
	// Sources are the feeds those advisories came from, sorted.
	Sources []string `json:"sources"`
	Status  Status   `json:"status"`
	// FixedVersion is the version that fixes it, in the package's
	// ecosystem syntax; empty unless Status is StatusFixed. Where several
	// advisories or ranges give different fixes, it is the highest of them,
	// the one that leaves every matching range.
	FixedVersion string   `json:"fixedVersion,omitempty"`
	Severity     Severity `json:"severity"`
	// SeveritySource says where Severity came from ("debian", "nvd", "CVSS_V3", ...).
	SeveritySource string `json:"severitySource,omitempty"`
	// CVSS is the highest base score among the CVSS vectors given, 0 if none.
	CVSS       float64 `json:"cvss,omitempty"`
	CVSSVector string  `json:"cvssVector,omitempty"`
	// KEV is set when the ID or an alias is in CISA's catalogue.
	KEV          bool   `json:"kev,omitempty"`
	KEVDateAdded string `json:"kevDateAdded,omitempty"`
	Summary      string `json:"summary,omitempty"`
	// Ecosystem and Why explain the match: the ecosystem and package name
	// looked up, the version compared and the range it fell in.
	Ecosystem string `json:"ecosystem"`
	Why       string `json:"why"`
}

// Options tunes matching.
type Options struct {
	// Now is the time used for age and expiry decisions; zero means time.Now.
	Now time.Time
	// Logger receives Debug records for what was skipped (packages without
	// an ecosystem or comparator, entries with versions the comparator
	// refuses) and Warn records for index entries whose advisory is
	// missing; nil discards them.
	Logger *slog.Logger
}

// MaxSummary is the most runes of an advisory summary a finding keeps.
const MaxSummary = 200

// Match finds the vulnerabilities of every package in inv. Findings come
// back sorted with Sort. A package whose ecosystem is unknown (no distro,
// unsupported distribution) is skipped, not an error. Errors are those of
// the Source, and ctx ending.
func Match(ctx context.Context, src Source, inv *inventory.Inventory, opts Options) ([]Finding, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if inv == nil {
		return nil, nil
	}
	// A database that offers one read view for all of a Match's reads
	// (*vulndb.DB) saves a transaction per lookup.
	if s, ok := src.(interface {
		Snapshot() (*vulndb.Snapshot, error)
	}); ok {
		snap, err := s.Snapshot()
		if err != nil {
			return nil, err
		}
		defer snap.Close()
		src = snap
	}
	m := &matcher{
		src:      src,
		log:      log,
		lookups:  map[lookupKey][]vulndb.Entry{},
		advs:     map[string]*vulndb.Advisory{},
		evals:    map[target][]*partial{},
		kevs:     map[string]kevHit{},
		cvss:     map[string]cvssResult{},
		skipped:  map[string]int{},
		cmps:     newComparators(),
		examples: map[string]string{},
	}
	// Packages that are the same for findings (type, name, version, path:
	// several architectures of one multiarch package) share their findings.
	type group struct {
		first *inventory.Package
		parts []*partial
		multi bool // parts come from several targets: IDs may repeat
	}
	groups := make(map[pkgKey]*group, len(inv.Packages))
	var order []pkgKey
	total := 0
	for i := range inv.Packages {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		p := &inv.Packages[i]
		ts, reason := targets(inv.Distro, p)
		if ts == nil {
			m.skip(reason, p)
			continue
		}
		k := pkgKey{p.Type, p.Name, p.Version, p.Path}
		g := groups[k]
		if g == nil {
			g = &group{first: p}
			groups[k] = g
			order = append(order, k)
		} else {
			continue // a duplicate: same targets, same findings
		}
		for _, t := range ts {
			parts, err := m.evalTarget(t, p)
			if err != nil {
				return nil, err
			}
			if len(parts) > 0 && len(g.parts) > 0 {
				g.multi = true
			}
			g.parts = append(g.parts, parts...)
		}
		total += len(g.parts)
	}
	out := make([]Finding, 0, total)
	for _, k := range order {
		g := groups[k]
		var err error
		if out, err = m.findings(out, g.first, g.parts, g.multi); err != nil {
			return nil, err
		}
	}
	for reason, n := range m.skipped {
		log.Debug("packages not matched", "reason", reason, "count", n, "example", m.examples[reason])
	}
	if len(out) < 2 {
		return out, nil
	}
	return sorted(out), nil
}

type pkgKey struct{ typ, name, version, path string }

type lookupKey struct{ eco, name string }

type kevHit struct {
	kev vulndb.KEV
	ok  bool
}

type cvssResult struct {
	score float64
	ok    bool
}

// headerSource is an optional Source method: the advisory without its
// Affected list, which matching never reads (each index entry carries its
// package's own). A store that keeps headers apart can answer it without
// decoding every release's package list; an Alpine secdb advisory lists
// its CVE for up to twenty releases. Match uses it when present.
type headerSource interface {
	AdvisoryHeader(key string) (*vulndb.Advisory, error)
}

// matcher holds the caches of one Match.
type matcher struct {
	src      Source
	log      *slog.Logger
	lookups  map[lookupKey][]vulndb.Entry
	advs     map[string]*vulndb.Advisory // nil value: missing
	evals    map[target][]*partial
	kevs     map[string]kevHit
	cvss     map[string]cvssResult
	skipped  map[string]int
	cmps     *comparators // cached comparators of this Match
	examples map[string]string
}

func (m *matcher) skip(reason string, p *inventory.Package) {
	if m.skipped[reason] == 0 {
		m.examples[reason] = p.Type + " " + p.Name + " " + p.Version
	}
	m.skipped[reason]++
}

func (m *matcher) lookup(eco, name string) ([]vulndb.Entry, error) {
	k := lookupKey{eco, name}
	if es, ok := m.lookups[k]; ok {
		return es, nil
	}
	es, err := m.src.Lookup(eco, name)
	if err != nil {
		return nil, fmt.Errorf("look up %s %s: %w", eco, name, err)
	}
	m.lookups[k] = es
	return es, nil
}

// advisory loads an advisory once; nil (and no error) when the index names
// one the store does not hold.
func (m *matcher) advisory(key string) (*vulndb.Advisory, error) {
	if a, ok := m.advs[key]; ok {
		return a, nil
	}
	var a *vulndb.Advisory
	var err error
	if h, ok := m.src.(headerSource); ok {
		a, err = h.AdvisoryHeader(key)
	} else {
		a, err = m.src.Advisory(key)
	}
	switch {
	case errors.Is(err, vulndb.ErrNotFound):
		m.log.Warn("index names a missing advisory", "advisory", key)
		a = nil
	case err != nil:
		return nil, fmt.Errorf("load advisory %s: %w", key, err)
	case a == nil:
		m.log.Warn("index names a missing advisory", "advisory", key)
	}
	m.advs[key] = a
	return a, nil
}

func (m *matcher) kev(id string) (vulndb.KEV, bool, error) {
	if h, ok := m.kevs[id]; ok {
		return h.kev, h.ok, nil
	}
	k, ok, err := m.src.KEV(id)
	if err != nil {
		return vulndb.KEV{}, false, fmt.Errorf("look up %s in the KEV catalogue: %w", id, err)
	}
	m.kevs[id] = kevHit{k, ok}
	return k, ok, nil
}

func (m *matcher) score(vector string) (float64, bool) {
	if r, ok := m.cvss[vector]; ok {
		return r.score, r.ok
	}
	s, ok := cvssScore(vector)
	m.cvss[vector] = cvssResult{s, ok}
	return s, ok
}

// hasComparator reports whether versions of package type typ can be
// compared at all (by the ecosystem's comparator or, for SEMVER ranges, a
// semver one).
func hasComparator(typ string) bool {
	if _, ok := version.For(typ); ok {
		return true
	}
	_, ok := comparatorFor(typ, "SEMVER")
	return ok
}

// evalTarget returns the partial findings of one target, computed once
// per Match: every binary of one source package at one version shares them.
func (m *matcher) evalTarget(t target, p *inventory.Package) ([]*partial, error) {
	if parts, ok := m.evals[t]; ok {
		return parts, nil
	}
	parts, err := m.evalTargetUncached(t, p)
	if err != nil {
		return nil, err
	}
	m.evals[t] = parts
	return parts, nil
}

type hit struct {
	key     string
	af      *vulndb.Affected
	status  Status
	fixed   string
	verdict string
}

func (m *matcher) evalTargetUncached(t target, p *inventory.Package) ([]*partial, error) {
	if !hasComparator(t.typ) {
		m.skip("no version comparator for "+t.typ, p)
		return nil, nil
	}
	if c, ok := m.cmps.get(t.typ, "ECOSYSTEM"); ok {
		if _, err := c.Compare(t.version, t.version); err != nil {
			m.log.Debug("installed version not comparable", "ecosystem", t.eco, "package", t.name, "err", err)
			return nil, nil
		}
	}
	entries, err := m.lookup(t.eco, t.name)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, nil
	}
	var (
		hits        []hit
		notAffected []string // advisory keys
	)
	for i := range entries {
		e := &entries[i]
		af := &e.Affected
		switch af.Status {
		case vulndb.StatusNotAffected:
			notAffected = append(notAffected, e.Advisory)
		case vulndb.StatusUnfixed:
			hits = append(hits, hit{key: e.Advisory, af: af, status: StatusUnfixed, verdict: ": no fix yet"})
		case vulndb.StatusWontFix:
			hits = append(hits, hit{key: e.Advisory, af: af, status: StatusWontFix, verdict: ": will not be fixed"})
		case vulndb.StatusEndOfLife:
			hits = append(hits, hit{key: e.Advisory, af: af, status: StatusEndOfLife, verdict: ": end of life"})
		case vulndb.StatusAffected, "":
			v, err := evalAffected(m.cmps, t.typ, t.version, af)
			if err != nil {
				m.log.Debug("advisory entry skipped", "advisory", e.Advisory, "ecosystem", t.eco, "package", t.name, "err", err)
				continue
			}
			if !v.affected {
				continue
			}
			h := hit{key: e.Advisory, af: af, status: StatusUnfixed, fixed: v.fixed, verdict: " " + v.why}
			if v.fixed != "" {
				h.status = StatusFixed
			}
			if v.why == "listed as affected" || strings.HasPrefix(v.why, "listed as affected (") || strings.HasPrefix(v.why, "every version (") {
				h.verdict = ": " + v.why
			}
			hits = append(hits, h)
		default:
			m.log.Debug("advisory entry skipped", "advisory", e.Advisory, "status", af.Status)
		}
	}
	if len(hits) == 0 {
		return nil, nil
	}
	// Not-affected entries veto only what other entries found: their
	// advisories are read only then.
	var vetoes map[string]bool // source \x00 finding ID
	for _, key := range notAffected {
		a, err := m.advisory(key)
		if err != nil {
			return nil, err
		}
		if a == nil {
			continue
		}
		if vetoes == nil {
			vetoes = map[string]bool{}
		}
		for _, id := range findingIDs(a) {
			vetoes[a.Source+"\x00"+id] = true
		}
	}
	cmpr, _ := m.cmps.get(t.typ, "ECOSYSTEM")
	if cmpr == nil {
		cmpr, _ = m.cmps.get(t.typ, "SEMVER")
	}
	byID := map[string]*partial{}
	var parts []*partial
	for _, h := range hits {
		a, err := m.advisory(h.key)
		if err != nil {
			return nil, err
		}
		if a == nil {
			continue
		}
		source := cmp.Or(a.Source, strings.SplitN(h.key, "/", 2)[0])
		ids := findingIDs(a)
		for _, id := range ids {
			if vetoes[source+"\x00"+id] {
				continue
			}
			pt := byID[id]
			if pt == nil {
				pt = &partial{id: id, eco: t.eco, cmp: cmpr}
				byID[id] = pt
				parts = append(parts, pt)
			}
			why := t.eco + " " + t.kind + " " + t.name + " " + t.version + h.verdict
			if a.ID != id {
				why += " (" + a.ID + ")"
			}
			pt.add(m, id, ids, h, a, source, why)
		}
	}
	return parts, nil
}

// findingIDs returns the IDs an advisory yields findings under: the
// advisory's ID when it is a CVE; else its CVE aliases (one finding per
// CVE of a DSA or USN); else its own ID.
func findingIDs(a *vulndb.Advisory) []string {
	if isCVE(a.ID) {
		return []string{a.ID}
	}
	var cves []string
	for _, al := range a.Aliases {
		if isCVE(al) && !slices.Contains(cves, al) {
			cves = append(cves, al)
		}
	}
	if len(cves) > 0 {
		return cves
	}
	return []string{a.ID}
}

func isCVE(id string) bool { return strings.HasPrefix(id, "CVE-") }

// statusRank orders statuses for merging: a fix anywhere wins.
func statusRank(s Status) int {
	switch s {
	case StatusFixed:
		return 4
	case StatusUnfixed:
		return 3
	case StatusWontFix:
		return 2
	case StatusEndOfLife:
		return 1
	}
	return 0
}

// partial is a finding being assembled for one target (and, merged, for
// one package): everything but the package and KEV.
type partial struct {
	id         string
	eco        string
	cmp        version.Comparator
	aliases    []string
	advisories []string
	sources    []string
	status     Status
	fixed      string
	// distro is the highest distribution rating; distroSrc its source.
	distro    Severity
	distroSrc string
	// cvss is the highest CVSS base score, of vector (type cvssType).
	cvss     float64
	vector   string
	cvssType string
	summary  string
	// summaryOwn is set when summary is from an advisory whose ID is the
	// finding's ID (the CVE record itself), which wins.
	summaryOwn bool
	whys       []string
	// done is the finding built from it, once complete.
	done *Finding
}

func (pt *partial) add(m *matcher, id string, ids []string, h hit, a *vulndb.Advisory, source, why string) {
	if a.ID != id {
		pt.aliases = append(pt.aliases, a.ID)
	}
	for _, al := range a.Aliases {
		// A CVE alias of an advisory with several CVEs is another
		// vulnerability, not another name of this one.
		if al != id && !(len(ids) > 1 && isCVE(al)) {
			pt.aliases = append(pt.aliases, al)
		}
	}
	pt.advisories = append(pt.advisories, h.key)
	pt.sources = append(pt.sources, source)
	pt.whys = append(pt.whys, why)
	pt.mergeStatus(h.status, h.fixed)

	// The package's own rating in this release wins over the advisory's.
	label := distroLabel(h.af.Severity)
	if label == "" {
		label = distroLabel(a.Severity)
	}
	if s, ok := distroSeverity(label); ok && (pt.distroSrc == "" || s > pt.distro) {
		pt.distro, pt.distroSrc = s, source
	}
	for _, sevs := range [2][]vulndb.Severity{h.af.Severity, a.Severity} {
		for _, s := range sevs {
			if !strings.HasPrefix(s.Type, "CVSS_") {
				continue
			}
			sc, ok := m.score(s.Score)
			if ok && (pt.vector == "" || sc > pt.cvss) {
				pt.cvss, pt.vector, pt.cvssType = sc, s.Score, s.Type
			}
		}
	}
	if a.Summary != "" && !pt.summaryOwn {
		own := a.ID == id
		if pt.summary == "" || own {
			pt.summary, pt.summaryOwn = a.Summary, own
		}
	}
}

func (pt *partial) mergeStatus(s Status, fixed string) {
	switch r, cur := statusRank(s), statusRank(pt.status); {
	case r > cur:
		pt.status, pt.fixed = s, fixed
	case r == cur && s == StatusFixed && fixed != pt.fixed:
		// Several fixes: keep the highest, the one every source agrees fixes it.
		if c, err := pt.cmp.Compare(fixed, pt.fixed); err == nil && c > 0 {
			pt.fixed = fixed
		}
	}
}

// merge folds another target's partial for the same ID into pt.
func (pt *partial) merge(o *partial) {
	pt.aliases = append(pt.aliases, o.aliases...)
	pt.advisories = append(pt.advisories, o.advisories...)
	pt.sources = append(pt.sources, o.sources...)
	pt.whys = append(pt.whys, o.whys...)
	pt.mergeStatus(o.status, o.fixed)
	if o.distroSrc != "" && (pt.distroSrc == "" || o.distro > pt.distro) {
		pt.distro, pt.distroSrc = o.distro, o.distroSrc
	}
	if o.vector != "" && (pt.vector == "" || o.cvss > pt.cvss) {
		pt.cvss, pt.vector, pt.cvssType = o.cvss, o.vector, o.cvssType
	}
	if o.summary != "" && !pt.summaryOwn && (pt.summary == "" || o.summaryOwn) {
		pt.summary, pt.summaryOwn = o.summary, o.summaryOwn
	}
}

func (pt *partial) clone() *partial {
	c := *pt
	c.aliases = slices.Clone(pt.aliases)
	c.advisories = slices.Clone(pt.advisories)
	c.sources = slices.Clone(pt.sources)
	c.whys = slices.Clone(pt.whys)
	c.done = nil
	return &c
}

// distroLabel returns the first DISTRO rating among sevs.
func distroLabel(sevs []vulndb.Severity) string {
	for _, s := range sevs {
		if s.Type == "DISTRO" && s.Score != "" {
			return s.Score
		}
	}
	return ""
}

// findings appends to out the findings of one package from the partials
// of its targets; multi says they come from several targets, so an ID may
// repeat and must be merged.
func (m *matcher) findings(out []Finding, p *inventory.Package, parts []*partial, multi bool) ([]Finding, error) {
	if len(parts) == 0 {
		return out, nil
	}
	merged := parts
	if multi && hasDuplicateIDs(parts) {
		byID := map[string]*partial{}
		merged = nil
		for _, pt := range parts {
			if cur := byID[pt.id]; cur != nil {
				cur.merge(pt)
				continue
			}
			c := pt.clone()
			byID[pt.id] = c
			merged = append(merged, c)
		}
	}
	ref := PackageRef{Name: p.Name, Version: p.Version, Type: p.Type, PURL: p.PURL,
		SourceName: p.SourceName, SourceVersion: p.SourceVersion, Layer: p.Layer, Path: p.Path, Locations: p.Locations}
	for _, pt := range merged {
		f, err := m.final(pt)
		if err != nil {
			return nil, err
		}
		f.Package = ref
		out = append(out, f)
	}
	return out, nil
}

// final builds the package-independent part of a finding from a partial,
// once per partial: the binaries of one source package share it (and the
// backing arrays of its slices).
func (m *matcher) final(pt *partial) (Finding, error) {
	if pt.done != nil {
		return *pt.done, nil
	}
	f := Finding{
		ID:         pt.id,
		Aliases:    sortedUnique(pt.aliases),
		Advisories: sortedUnique(pt.advisories),
		Sources:    sortedUnique(pt.sources),
		Status:     pt.status,
		CVSS:       pt.cvss,
		CVSSVector: pt.vector,
		Summary:    clipRunes(pt.summary, MaxSummary),
		Ecosystem:  pt.eco,
	}
	if len(pt.whys) == 1 {
		f.Why = pt.whys[0]
	} else {
		f.Why = strings.Join(sortedUnique(pt.whys), "; ")
	}
	if pt.status == StatusFixed {
		f.FixedVersion = pt.fixed
	}
	switch {
	case pt.distroSrc != "":
		f.Severity, f.SeveritySource = pt.distro, pt.distroSrc
	case pt.vector != "":
		f.Severity, f.SeveritySource = cvssSeverity(pt.cvss), pt.cvssType
	}
	for i := -1; i < len(f.Aliases); i++ {
		id := f.ID
		if i >= 0 {
			id = f.Aliases[i]
		}
		if !isCVE(id) {
			continue
		}
		k, ok, err := m.kev(id)
		if err != nil {
			return Finding{}, err
		}
		if ok {
			f.KEV, f.KEVDateAdded = true, k.DateAdded
			break
		}
	}
	pt.done = &f
	return f, nil
}

func hasDuplicateIDs(parts []*partial) bool {
	if len(parts) < 2 {
		return false
	}
	seen := make(map[string]bool, len(parts))
	for _, pt := range parts {
		if seen[pt.id] {
			return true
		}
		seen[pt.id] = true
	}
	return false
}

func sortedUnique(s []string) []string {
	switch len(s) {
	case 0:
		return nil
	case 1:
		return s[:1:1]
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// clipRunes cuts s to at most n runes, marking a cut with "…".
func clipRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos] + "…"
		}
		i++
	}
	return s
}
