package suppress

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/match"
)

// MaxDocument is the most bytes ParseVEX and ParseIgnoreFile read; a larger
// document is an error.
const MaxDocument = 32 << 20

// Kinds of rule, as match.Suppressed.Kind reports them.
const (
	KindOpenVEX      = "openvex"
	KindCycloneDXVEX = "cyclonedx-vex"
	KindIgnoreFile   = "ignorefile"
)

// Rules are the suppressions read from VEX documents and ignore files. The
// zero value and nil suppress nothing. Rules are immutable once parsed:
// Merge and ForTarget return new values, and Apply may be called from
// several goroutines at once.
type Rules struct {
	rules []*rule
	// byID indexes rules by normalised vulnerability ID (and VEX aliases).
	byID map[string][]int
	// target is the scanned image, for statements about products.
	target target
}

// target is the identity of the scanned image.
type target struct {
	name   string
	digest string // "sha256:<hex>", lower case
}

// rule is one VEX statement (about one vulnerability) or one ignore-file entry.
type rule struct {
	kind  string
	file  string
	index int // statement or entry index in its file, from 0
	line  int // ignore files: the entry's line, for warnings
	// vuln is the vulnerability ID as written; ids are the normalised keys
	// (vuln and any VEX aliases) it is indexed under.
	vuln string
	ids  []string

	// Scope. A VEX statement applies to a finding whose package matches one
	// of pkgs, or (for every finding) when one of products names the image.
	// An ignore entry with neither applies to every package.
	pkgs     []purlPattern
	products []string
	// name is an ignore-file package name, matched against the package's
	// name and source name.
	name string
	// path is an ignore-file path pattern for a check rule (VGL-...).
	path string

	status, justification, reason string
	// suppresses is true for not_affected (and CycloneDX false_positive).
	suppresses bool
	// timestamp orders VEX statements; seq breaks ties (later wins).
	timestamp time.Time
	seq       int
	expires   time.Time
}

// ParseVEX reads an OpenVEX or CycloneDX VEX document (JSON), detected by
// its content. Only statements with status not_affected (OpenVEX) or state
// not_affected / false_positive (CycloneDX analysis) suppress; others are
// kept for reports but suppress nothing. file names the document in errors
// and in Suppressed.File.
func ParseVEX(r io.Reader, file string) (*Rules, error) {
	b, err := readCapped(r, file)
	if err != nil {
		return nil, err
	}
	rules, err := parseVEX(b, file)
	if err != nil {
		return nil, err
	}
	return newRules(rules), nil
}

// ParseIgnoreFile reads a vigil ignore file (YAML; see doc.go): entries
// with an ID (CVE or advisory ID, matched against Finding.ID and its
// aliases), optional package (name or PURL), a required reason and an
// optional expiry date. An entry without a reason is an error.
func ParseIgnoreFile(r io.Reader, file string) (*Rules, error) {
	b, err := readCapped(r, file)
	if err != nil {
		return nil, err
	}
	rules, err := parseIgnore(b, file)
	if err != nil {
		return nil, err
	}
	return newRules(rules), nil
}

func readCapped(r io.Reader, file string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(b) > MaxDocument {
		return nil, fmt.Errorf("read %s: larger than %d bytes", file, MaxDocument)
	}
	return b, nil
}

func newRules(rs []*rule) *Rules {
	out := &Rules{rules: rs, byID: make(map[string][]int, len(rs))}
	for i, r := range rs {
		r.seq = i
		for _, id := range r.ids {
			if !slices.Contains(out.byID[id], i) {
				out.byID[id] = append(out.byID[id], i)
			}
		}
	}
	return out
}

// Merge combines rule sets, in order: among VEX statements with the same
// timestamp, one from a later set supersedes one from an earlier set. The
// image identity is the first one set. Nil sets are skipped.
func Merge(rs ...*Rules) *Rules {
	var all []*rule
	var t target
	for _, r := range rs {
		if r == nil {
			continue
		}
		for _, x := range r.rules {
			c := *x
			all = append(all, &c)
		}
		if t == (target{}) {
			t = r.target
		}
	}
	out := newRules(all)
	out.target = t
	return out
}

// ForTarget returns the rules with the identity of the scanned image: its
// reference as given (name, "ghcr.io/org/app:1.2") and its manifest digest
// ("sha256:..."), either of which may be empty. A VEX statement whose
// products name no package but the image (an OpenVEX product
// "pkg:oci/app@sha256:..." with that digest, the plain reference, or
// "name@digest"; a CycloneDX affects ref to a container component) then
// applies to every finding of the scan. Without ForTarget such statements
// suppress nothing.
func (r *Rules) ForTarget(name, digest string) *Rules {
	out := &Rules{}
	if r != nil {
		out.rules, out.byID = r.rules, r.byID
	}
	out.target = target{name: strings.TrimSpace(name), digest: strings.ToLower(strings.TrimSpace(digest))}
	return out
}

// Len is the number of statements and entries held.
func (r *Rules) Len() int {
	if r == nil {
		return 0
	}
	return len(r.rules)
}

// Apply splits findings into the kept and the suppressed, both in the
// order given. For each finding, the VEX statements about its
// vulnerability and package (or the image) are ordered by timestamp, then
// by the order read, and the last one decides: not_affected (or
// false_positive) suppresses, any other status does not. Failing that, an
// ignore-file entry that matches and has not expired suppresses it.
//
// Warnings name each ignore-file entry that has expired (it suppresses
// nothing) and each unexpired entry that matched no finding.
func (r *Rules) Apply(findings []match.Finding, now time.Time) (kept []match.Finding, suppressed []match.Suppressed, warnings []string) {
	if r == nil || len(r.rules) == 0 {
		return findings, nil, nil
	}
	used := make([]bool, len(r.rules))
	var cand []int
	for i := range findings {
		f := &findings[i]
		cand = r.candidates(f, cand[:0])
		if len(cand) == 0 {
			kept = append(kept, *f)
			continue
		}
		pkg := parsePackage(&f.Package)
		var vex, ignore *rule
		for _, ri := range cand {
			x := r.rules[ri]
			if x.kind == KindIgnoreFile {
				if !now.Before(x.expires) && !x.expires.IsZero() {
					continue
				}
				if x.matchesIgnore(&pkg) {
					used[ri] = true
					if ignore == nil {
						ignore = x
					}
				}
				continue
			}
			if r.matchesVEX(x, &pkg) && (vex == nil || later(x, vex)) {
				vex = x
			}
		}
		switch {
		case vex != nil && vex.suppresses:
			suppressed = append(suppressed, vex.suppressed(f))
		case ignore != nil:
			suppressed = append(suppressed, ignore.suppressed(f))
		default:
			kept = append(kept, *f)
		}
	}
	// Check rules (VGL-...) are ApplyChecks' to warn about.
	return kept, suppressed, r.ignoreWarnings(used, now, false)
}

// ignoreWarnings names the ignore-file entries about vulnerabilities
// (checks false) or about vigil's own check rules (checks true) that have
// expired or that were not used.
func (r *Rules) ignoreWarnings(used []bool, now time.Time, checks bool) []string {
	var warnings []string
	for i, x := range r.rules {
		if x.kind != KindIgnoreFile || isCheckID(x.vuln) != checks {
			continue
		}
		switch {
		case !x.expires.IsZero() && !now.Before(x.expires):
			warnings = append(warnings, fmt.Sprintf("%s: entry %d (%s, line %d) expired on %s; it suppresses nothing",
				x.file, x.index+1, x.vuln, x.line, x.expires.Format(time.RFC3339)))
		case !used[i]:
			warnings = append(warnings, fmt.Sprintf("%s: entry %d (%s, line %d) matched no finding",
				x.file, x.index+1, x.vuln, x.line))
		}
	}
	return warnings
}

// candidates appends the indexes of the rules about f's ID or aliases,
// each once, in rule order.
func (r *Rules) candidates(f *match.Finding, out []int) []int {
	add := func(id string) {
		for _, i := range r.byID[normID(id)] {
			if !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
	}
	add(f.ID)
	for _, a := range f.Aliases {
		add(a)
	}
	slices.Sort(out)
	return out
}

// later reports whether a supersedes b.
func later(a, b *rule) bool {
	if c := a.timestamp.Compare(b.timestamp); c != 0 {
		return c > 0
	}
	return a.seq > b.seq
}

func (x *rule) suppressed(f *match.Finding) match.Suppressed {
	return match.Suppressed{
		Finding:       *f,
		Kind:          x.kind,
		File:          x.file,
		Status:        x.status,
		Justification: x.justification,
		Reason:        x.reason,
		Expires:       x.expires,
	}
}

func (x *rule) matchesIgnore(p *parsedPackage) bool {
	switch {
	case len(x.pkgs) > 0:
		return x.pkgs[0].matches(p)
	case x.name != "":
		return x.name == p.ref.Name || x.name == p.ref.SourceName
	}
	return true
}

func (r *Rules) matchesVEX(x *rule, p *parsedPackage) bool {
	for i := range x.pkgs {
		if x.pkgs[i].matches(p) {
			return true
		}
	}
	for _, prod := range x.products {
		if r.target.is(prod) {
			return true
		}
	}
	return false
}

// is reports whether a VEX product identifier names the image.
func (t target) is(product string) bool {
	product = strings.TrimSpace(product)
	if product == "" || t == (target{}) {
		return false
	}
	if t.name != "" && product == t.name {
		return true
	}
	if t.digest == "" {
		return false
	}
	if strings.EqualFold(product, t.digest) || strings.EqualFold(product, strings.TrimPrefix(t.digest, "sha256:")) {
		return true
	}
	if d, ok := ociDigest(product); ok {
		return strings.EqualFold(d, t.digest)
	}
	// "registry/repo@sha256:..." or "registry/repo:tag@sha256:...".
	if _, d, ok := strings.Cut(product, "@"); ok && !strings.HasPrefix(product, "pkg:") {
		return strings.EqualFold(d, t.digest)
	}
	return false
}

// normID is the key a vulnerability ID is indexed under: CVE and GHSA IDs
// are matched without regard to case, others exactly.
func normID(id string) string {
	id = strings.TrimSpace(id)
	if len(id) >= 4 && strings.EqualFold(id[:4], "CVE-") || len(id) >= 5 && strings.EqualFold(id[:5], "GHSA-") {
		return strings.ToUpper(id)
	}
	return id
}

// addIDs sets a rule's indexed IDs from its ID and aliases.
func (x *rule) addIDs(ids ...string) {
	for _, id := range ids {
		if k := normID(id); k != "" && !slices.Contains(x.ids, k) {
			x.ids = append(x.ids, k)
		}
	}
	x.vuln = cmp.Or(x.vuln, strings.TrimSpace(firstNonEmpty(ids)))
}

func firstNonEmpty(ss []string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
