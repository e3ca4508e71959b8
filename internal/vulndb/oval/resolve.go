package oval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Package-version operations an OVAL state may use on an evr.
const (
	opLess      = "less than"
	opLessEq    = "less than or equal"
	opGreater   = "greater than"
	opGreaterEq = "greater than or equal"
	opEquals    = "equals"
	opNotEqual  = "not equal"
	opAny       = "" // the package is installed, any version
)

// flavour is the OVAL dialect, which decides the package manager and ID scheme.
type flavour int

const (
	flavourUnknown flavour = iota
	flavourAzure           // Azure Linux and CBL-Mariner: rpminfo, one definition per CVE x package
	flavourUbuntu          // Canonical USN OVAL: dpkginfo, one definition per USN
)

// test is a resolved-enough OVAL test: package tests keep their refs.
type test struct {
	pkg      bool // rpminfo_test or dpkginfo_test
	kind     string
	object   string
	states   []string
	stateAnd bool
	bad      error
}

type object struct {
	name, varRef string
	bad          error
}

type state struct {
	op, evr string
	bad     error
}

type variable struct {
	values []string
	bad    error
}

type parser struct {
	file      string
	problem   func(*vulndb.Problem)
	root      bool
	broken    bool
	generator string

	defs      []*definitionXML
	tests     map[string]*test
	objects   map[string]*object
	states    map[string]*state
	variables map[string]*variable

	// inventoryTitle is Ubuntu's "Check that Ubuntu 24.04 LTS (noble) is installed."
	inventoryTitle string
}

func newParser(file string, problem func(*vulndb.Problem)) *parser {
	return &parser{
		file: file, problem: problem,
		tests: map[string]*test{}, objects: map[string]*object{},
		states: map[string]*state{}, variables: map[string]*variable{},
	}
}

func (p *parser) report(record string, err error) {
	p.problem(&vulndb.Problem{File: p.file, Record: record, Err: err})
}

func (p *parser) addDefinition(d *definitionXML) {
	switch d.Class {
	case "inventory":
		if p.inventoryTitle == "" {
			p.inventoryTitle = d.Title
		}
		return
	case "vulnerability", "patch":
	default:
		return // compliance, miscellaneous: nothing about packages
	}
	p.defs = append(p.defs, d)
}

func (p *parser) addTest(x *testXML, bad error) {
	t := &test{kind: x.XMLName.Local, object: x.Object.Ref, bad: bad}
	switch t.kind {
	case "rpminfo_test", "dpkginfo_test":
		t.pkg = true
	}
	for _, s := range x.States {
		t.states = append(t.states, s.Ref)
	}
	switch x.StateOperator {
	case "", "AND":
		t.stateAnd = true
	case "OR":
	default:
		if t.pkg && t.bad == nil {
			t.bad = fmt.Errorf("test %s: state_operator %q not supported", clip(x.ID), clip(x.StateOperator))
		}
	}
	switch x.CheckExistence {
	case "", "at_least_one_exists", "any_exist", "all_exist", "only_one_exists":
	default:
		// none_exist ("package not installed") cannot give a vulnerable version.
		if t.pkg && t.bad == nil {
			t.bad = fmt.Errorf("test %s: check_existence %q not supported", clip(x.ID), clip(x.CheckExistence))
		}
	}
	if t.pkg && t.object == "" && t.bad == nil {
		t.bad = fmt.Errorf("test %s has no object", clip(x.ID))
	}
	p.tests[x.ID] = t
}

func (p *parser) addObject(x *objectXML, bad error) {
	switch x.XMLName.Local {
	case "rpminfo_object", "dpkginfo_object":
	default:
		return // only package objects are looked at
	}
	o := &object{bad: bad}
	switch {
	case x.Name == nil:
		o.bad = cmp.Or(o.bad, fmt.Errorf("object %s has no name", clip(x.ID)))
	case x.Name.Operation != "" && x.Name.Operation != opEquals:
		o.bad = cmp.Or(o.bad, fmt.Errorf("object %s: name operation %q not supported", clip(x.ID), clip(x.Name.Operation)))
	case x.Name.VarRef != "":
		o.varRef = x.Name.VarRef
	default:
		o.name = strings.TrimSpace(x.Name.Value)
	}
	for _, f := range x.Other {
		if f.XMLName.Local != "name" && f.XMLName.Local != "behaviors" && f.XMLName.Local != "filter" {
			o.bad = cmp.Or(o.bad, fmt.Errorf("object %s: element %q not supported", clip(x.ID), clip(f.XMLName.Local)))
		} else if f.XMLName.Local == "filter" {
			o.bad = cmp.Or(o.bad, fmt.Errorf("object %s: filters not supported", clip(x.ID)))
		}
	}
	p.objects[x.ID] = o
}

func (p *parser) addState(x *stateXML, bad error) {
	switch x.XMLName.Local {
	case "rpminfo_state", "dpkginfo_state":
	default:
		return
	}
	s := &state{bad: bad}
	for _, f := range x.Fields {
		switch f.XMLName.Local {
		case "evr":
			s.op = cmp.Or(f.Operation, opEquals)
			s.evr = strings.TrimSpace(f.Value)
			if s.evr == "" {
				s.bad = cmp.Or(s.bad, fmt.Errorf("state %s: empty evr", clip(x.ID)))
			}
		default:
			// version, release, arch, signature_keyid, ...: a constraint
			// the ECOSYSTEM range cannot carry.
			s.bad = cmp.Or(s.bad, fmt.Errorf("state %s: %s constraint not supported", clip(x.ID), clip(f.XMLName.Local)))
		}
	}
	if s.evr == "" && s.bad == nil {
		s.bad = fmt.Errorf("state %s has no evr", clip(x.ID))
	}
	p.states[x.ID] = s
}

func (p *parser) addVariable(x *variableXML, bad error) {
	v := &variable{bad: bad}
	if x.XMLName.Local != "constant_variable" {
		v.bad = cmp.Or(v.bad, fmt.Errorf("variable %s: %s not supported for package names", clip(x.ID), x.XMLName.Local))
	}
	for _, s := range x.Values {
		v.values = append(v.values, strings.TrimSpace(s))
	}
	p.variables[x.ID] = v
}

// errMissing marks a reference to a test, object, state or variable the
// file does not hold.
var errMissing = errors.New("missing")

// constraint is one package-version condition: the package (any of names)
// is installed at a version for which "version op evr" holds.
type constraint struct {
	names []string
	op    string
	evr   string
}

// alt is one way a definition can be true: all its constraints hold.
// An empty alt is a way that needs no package (a kernel or platform check).
type alt []constraint

// eval turns a criteria tree into alternatives (disjunctive normal form),
// pushing negation down to the leaves (De Morgan). Tests that are not about
// packages (uname, textfilecontent, variable_test on the running kernel,
// extend_definition) cannot be decided for an image and count as true.
func (p *parser) eval(c *criteriaXML, neg bool, depth int) ([]alt, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("criteria nested deeper than %d", MaxDepth)
	}
	if isTrue(c.Negate) {
		neg = !neg
	}
	and := true
	switch c.Operator {
	case "", "AND":
	case "OR":
		and = false
	default:
		return nil, fmt.Errorf("criteria operator %q not supported", clip(c.Operator))
	}
	if neg {
		and = !and
	}
	var parts [][]alt
	for i := range c.Criteria {
		a, err := p.eval(&c.Criteria[i], neg, depth+1)
		if err != nil {
			return nil, err
		}
		parts = append(parts, a)
	}
	for _, cr := range c.Criterion {
		a, err := p.leaf(cr.TestRef, neg != isTrue(cr.Negate))
		if err != nil {
			return nil, err
		}
		parts = append(parts, a)
	}
	for range c.Extend {
		parts = append(parts, []alt{{}})
	}
	if len(parts) == 0 {
		return nil, errors.New("empty criteria")
	}
	if !and {
		var out []alt
		for _, a := range parts {
			out = append(out, a...)
			if len(out) > MaxAlternatives {
				return nil, fmt.Errorf("criteria expand to more than %d alternatives", MaxAlternatives)
			}
		}
		return out, nil
	}
	out := []alt{{}}
	for _, part := range parts {
		if len(out)*len(part) > MaxAlternatives {
			return nil, fmt.Errorf("criteria expand to more than %d alternatives", MaxAlternatives)
		}
		next := make([]alt, 0, len(out)*len(part))
		for _, x := range out {
			for _, y := range part {
				next = append(next, append(slices.Clip(x), y...))
			}
		}
		out = next
	}
	return out, nil
}

func isTrue(s string) bool { return s == "true" || s == "1" }

// leaf resolves one criterion.
func (p *parser) leaf(ref string, neg bool) ([]alt, error) {
	t := p.tests[ref]
	switch {
	case t == nil:
		return nil, fmt.Errorf("%w test %s", errMissing, clip(ref))
	case t.bad != nil:
		return nil, t.bad
	case !t.pkg:
		return []alt{{}}, nil
	}
	o := p.objects[t.object]
	if o == nil {
		return nil, fmt.Errorf("test %s: %w object %s", clip(ref), errMissing, clip(t.object))
	}
	if o.bad != nil {
		return nil, o.bad
	}
	names := []string{o.name}
	if o.varRef != "" {
		v := p.variables[o.varRef]
		switch {
		case v == nil:
			return nil, fmt.Errorf("object %s: %w variable %s", clip(t.object), errMissing, clip(o.varRef))
		case v.bad != nil:
			return nil, v.bad
		case len(v.values) == 0:
			return nil, fmt.Errorf("variable %s has no values", clip(o.varRef))
		}
		names = v.values
	}
	for _, n := range names {
		if err := checkField("package name", n); err != nil {
			return nil, err
		}
	}
	var cs []constraint
	for _, sref := range t.states {
		s := p.states[sref]
		switch {
		case s == nil:
			return nil, fmt.Errorf("test %s: %w state %s", clip(ref), errMissing, clip(sref))
		case s.bad != nil:
			return nil, s.bad
		}
		cs = append(cs, constraint{names: names, op: s.op, evr: s.evr})
	}
	if len(cs) == 0 {
		cs = []constraint{{names: names, op: opAny}}
	}
	and := t.stateAnd
	if neg {
		for i := range cs {
			op, err := negateOp(cs[i].op)
			if err != nil {
				return nil, fmt.Errorf("test %s: %w", clip(ref), err)
			}
			cs[i].op = op
		}
		and = !and
	}
	if and {
		return []alt{cs}, nil
	}
	out := make([]alt, len(cs))
	for i, c := range cs {
		out[i] = alt{c}
	}
	return out, nil
}

func negateOp(op string) (string, error) {
	switch op {
	case opLess:
		return opGreaterEq, nil
	case opLessEq:
		return opGreater, nil
	case opGreater:
		return opLessEq, nil
	case opGreaterEq:
		return opLess, nil
	case opAny:
		return "", errors.New("negated package test (package not installed) not supported")
	}
	return "", fmt.Errorf("negated operation %q not supported", clip(op))
}

// entry collects the definitions filed under one advisory ID.
type entry struct {
	adv      *vulndb.Advisory
	severity string
	aliases  map[string]bool
	refs     map[string]bool
}

// finish resolves every definition and emits the advisories in ID order.
func (p *parser) finish(ctx context.Context, emit vulndb.Emit) error {
	fl := p.flavour()
	if fl == flavourUnknown {
		if len(p.defs) > 0 {
			p.report("", errors.New("cannot tell Azure Linux / CBL-Mariner from Ubuntu OVAL (generator, definition IDs and file name say neither)"))
		}
		return nil
	}
	eco, err := p.ecosystem(fl)
	if err != nil {
		if len(p.defs) > 0 {
			p.report("", err)
		}
		return nil
	}
	cmpr := version.Comparator(version.RPM{})
	if fl == flavourUbuntu {
		cmpr = version.Deb{}
	}
	byID := map[string]*entry{}
	var lost []string
	for i, d := range p.defs {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		err := p.definition(fl, eco, cmpr, d, byID)
		if err == nil {
			continue
		}
		if p.broken && errors.Is(err, errMissing) {
			lost = append(lost, d.ID)
			continue
		}
		p.report(recordName(d.ID, d.Title), err)
	}
	if len(lost) > 0 {
		p.report("", fmt.Errorf("%d definitions (first %s) lost their tests, objects or states to the break in the file", len(lost), clip(lost[0])))
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for n, id := range ids {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		e := byID[id]
		a := e.adv
		for al := range e.aliases {
			a.Aliases = append(a.Aliases, al)
		}
		slices.Sort(a.Aliases)
		slices.Sort(a.References)
		if e.severity != "" {
			a.Severity = []vulndb.Severity{{Type: "DISTRO", Score: e.severity}}
		}
		slices.SortStableFunc(a.Affected, func(x, y vulndb.Affected) int { return cmp.Compare(x.Package, y.Package) })
		if err := emit(a); err != nil {
			return fmt.Errorf("emit %s: %w", id, err)
		}
	}
	return nil
}

// flavour tells the dialect from the generator, else the definition IDs,
// else the file name.
func (p *parser) flavour() flavour {
	g := strings.ToLower(p.generator)
	switch {
	case strings.Contains(g, "azure linux"), strings.Contains(g, "cbl-mariner"), strings.Contains(g, "mariner"):
		return flavourAzure
	case strings.Contains(g, "canonical"), strings.Contains(g, "usn"):
		return flavourUbuntu
	}
	if len(p.defs) > 0 {
		id := p.defs[0].ID
		switch {
		case strings.HasPrefix(id, "oval:com.microsoft.azurelinux:"), strings.HasPrefix(id, "oval:com.microsoft.cbl-mariner:"):
			return flavourAzure
		case strings.HasPrefix(id, "oval:com.ubuntu."):
			return flavourUbuntu
		}
	}
	f := strings.ToLower(p.file)
	switch {
	case strings.Contains(f, "azurelinux"), strings.Contains(f, "mariner"):
		return flavourAzure
	case strings.Contains(f, "ubuntu"):
		return flavourUbuntu
	}
	return flavourUnknown
}

var (
	// azureFileRE finds the release in Microsoft's file names:
	// "azurelinux-3.0-oval.xml", "cbl-mariner-2.0-oval.xml".
	azureFileRE = regexp.MustCompile(`(?i)(azurelinux|cbl-mariner)-([0-9]+\.[0-9]+)-oval`)
	// distTagRE finds the release in an EVR's dist tag: "0:9.8p1-3.azl3", "0:1.2-1.cm2".
	distTagRE = regexp.MustCompile(`\.(azl|cm)([0-9]+)$`)
	// ubuntuTitleRE finds the release in the inventory definition's title.
	ubuntuTitleRE = regexp.MustCompile(`Ubuntu ([0-9]{2}\.[0-9]{2})\b`)
	// ubuntuIDRE finds the codename in a definition ID or file name.
	ubuntuIDRE = regexp.MustCompile(`com\.ubuntu\.([a-z]+)[.:]`)
)

// ubuntuReleases maps codenames to version numbers, for files whose
// inventory definition is missing.
var ubuntuReleases = map[string]string{
	"trusty": "14.04", "xenial": "16.04", "bionic": "18.04", "focal": "20.04",
	"jammy": "22.04", "kinetic": "22.10", "lunar": "23.04", "mantic": "23.10",
	"noble": "24.04", "oracular": "24.10", "plucky": "25.04", "questing": "25.10",
}

// ecosystem names the OSV ecosystem of the file's packages.
func (p *parser) ecosystem(fl flavour) (string, error) {
	if fl == flavourUbuntu {
		if m := ubuntuTitleRE.FindStringSubmatch(p.inventoryTitle); m != nil {
			return "Ubuntu:" + m[1], nil
		}
		for _, s := range []string{idOf(p.defs), p.file} {
			if m := ubuntuIDRE.FindStringSubmatch(s); m != nil {
				if v, ok := ubuntuReleases[m[1]]; ok {
					return "Ubuntu:" + v, nil
				}
			}
		}
		return "", errors.New("cannot tell the Ubuntu release: no inventory definition and no known codename in the IDs or the file name")
	}
	name := "Azure Linux"
	if strings.Contains(strings.ToLower(p.generator), "mariner") ||
		strings.HasPrefix(idOf(p.defs), "oval:com.microsoft.cbl-mariner:") {
		name = "CBL-Mariner"
	}
	if m := azureFileRE.FindStringSubmatch(p.file); m != nil {
		if strings.EqualFold(m[1], "cbl-mariner") {
			name = "CBL-Mariner"
		}
		return name + ":" + m[2], nil
	}
	for _, s := range p.states {
		if m := distTagRE.FindStringSubmatch(s.evr); m != nil {
			if m[1] == "cm" {
				name = "CBL-Mariner"
			}
			return name + ":" + m[2] + ".0", nil
		}
	}
	return "", errors.New("cannot tell the Azure Linux / CBL-Mariner release: the file name has no -N.N-oval and no EVR has an .azlN or .cmN tag")
}

func idOf(defs []*definitionXML) string {
	if len(defs) == 0 {
		return ""
	}
	return defs[0].ID
}

// definition maps one definition and files it under its ID in byID.
func (p *parser) definition(fl flavour, eco string, cmpr version.Comparator, d *definitionXML, byID map[string]*entry) error {
	id, aliases, err := idsOf(fl, d)
	if err != nil {
		return err
	}
	if d.Criteria == nil {
		return errors.New("no criteria")
	}
	alts, err := p.eval(d.Criteria, false, 0)
	if err != nil {
		return err
	}
	var affected []vulndb.Affected
	for _, a := range alts {
		afs, err := affectedOf(a, eco, cmpr)
		if err != nil {
			return err
		}
		affected = append(affected, afs...)
	}
	if len(affected) == 0 {
		// Kernel livepatch (LSN) and other checks of the running system:
		// nothing a package inventory can match.
		return nil
	}
	sev := strings.ToLower(strings.TrimSpace(cmp.Or(d.Severity, d.USNSeverity)))
	if err := checkOptional("severity", sev); err != nil {
		return err
	}
	var published time.Time
	for _, s := range []string{d.AdvisoryDate, d.Issued.Date} {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			published = t.UTC()
		} else if t, err := time.Parse(time.DateOnly, s); err == nil {
			published = t
		}
	}
	e := byID[id]
	if e == nil {
		src := SourceAzureLinux
		if fl == flavourUbuntu {
			src = SourceUbuntu
		}
		e = &entry{adv: &vulndb.Advisory{ID: id, Source: src}, aliases: map[string]bool{}, refs: map[string]bool{}}
		if fl == flavourUbuntu {
			if _, after, ok := strings.Cut(d.Title, " -- "); ok {
				e.adv.Summary = strings.TrimSpace(after)
			}
		}
		byID[id] = e
	}
	a := e.adv
	for _, al := range aliases {
		if al != id {
			e.aliases[al] = true
		}
	}
	for _, r := range d.Refs {
		u := strings.TrimSpace(r.RefURL)
		if u != "" && len(u) <= MaxField && !e.refs[u] {
			e.refs[u] = true
			a.References = append(a.References, u)
		}
	}
	if !published.IsZero() && (a.Published.IsZero() || published.Before(a.Published)) {
		a.Published = published
	}
	if severityRank(sev) > severityRank(e.severity) {
		e.severity = sev
	}
	for _, af := range affected {
		if sev != "" && fl == flavourAzure {
			af.Severity = []vulndb.Severity{{Type: "DISTRO", Score: sev}}
		}
		if !slices.ContainsFunc(a.Affected, func(x vulndb.Affected) bool { return sameAffected(x, af) }) {
			a.Affected = append(a.Affected, af)
		}
	}
	return nil
}

// severityRank orders distribution labels so an advisory carries its
// highest; unknown labels rank above none.
func severityRank(s string) int {
	switch s {
	case "":
		return 0
	case "critical":
		return 6
	case "high":
		return 5
	case "medium", "moderate":
		return 4
	case "low":
		return 3
	case "negligible", "unimportant":
		return 2
	}
	return 1
}

func sameAffected(x, y vulndb.Affected) bool {
	return x.Ecosystem == y.Ecosystem && x.Package == y.Package && x.Status == y.Status &&
		slices.Equal(x.Versions, y.Versions) &&
		slices.EqualFunc(x.Ranges, y.Ranges, func(a, b vulndb.Range) bool {
			return a.Type == b.Type && slices.Equal(a.Events, b.Events)
		}) &&
		slices.Equal(x.Severity, y.Severity)
}

// idsOf picks a definition's ID and aliases. Azure Linux: the CVE
// reference (else the CVE the title starts with); other references are
// aliases. Ubuntu: the USN (or LSN) reference; the CVEs are aliases.
func idsOf(fl flavour, d *definitionXML) (string, []string, error) {
	var id string
	var aliases []string
	primary := "CVE"
	if fl == flavourUbuntu {
		primary = "USN"
	}
	for _, r := range d.Refs {
		ref := strings.TrimSpace(r.RefID)
		if ref == "" {
			continue
		}
		if err := checkField("reference ID", ref); err != nil {
			return "", nil, err
		}
		if id == "" && strings.EqualFold(r.Source, primary) {
			id = ref
			continue
		}
		aliases = append(aliases, ref)
	}
	if id == "" && fl == flavourAzure {
		if f := strings.Fields(d.Title); len(f) > 0 && strings.HasPrefix(f[0], "CVE-") {
			id = f[0]
		}
	}
	if id == "" && fl == flavourUbuntu {
		if f := strings.Fields(d.Title); len(f) > 0 && (strings.HasPrefix(f[0], "USN-") || strings.HasPrefix(f[0], "LSN-")) {
			id = f[0]
		}
	}
	if id == "" {
		return "", nil, fmt.Errorf("no %s reference to name the advisory", primary)
	}
	if err := checkField("advisory ID", id); err != nil {
		return "", nil, err
	}
	return id, aliases, nil
}

// affectedOf turns one alternative into Affected entries, one per package
// name. Constraints on several packages in one alternative (A<1 AND B<2)
// cannot be said in OSV; each package gets its own range, which can only
// over-report. Constraints on one package combine into one range.
func affectedOf(a alt, eco string, cmpr version.Comparator) ([]vulndb.Affected, error) {
	type bounds struct {
		lower, upper, upperOp string
		equals                []string
	}
	var order []string
	byPkg := map[string]*bounds{}
	for _, c := range a {
		switch c.op {
		case opAny, opLess, opLessEq, opGreater, opGreaterEq, opEquals:
		default:
			return nil, fmt.Errorf("evr operation %q not supported", clip(c.op))
		}
		v := ""
		if c.op != opAny {
			var err error
			if v, err = normalize(c.evr, cmpr); err != nil {
				return nil, err
			}
		}
		for _, name := range c.names {
			b := byPkg[name]
			if b == nil {
				b = &bounds{}
				byPkg[name] = b
				order = append(order, name)
			}
			switch c.op {
			case opAny:
			case opLess, opLessEq:
				if b.upper == "" || less(cmpr, v, b.upper) || v == b.upper && c.op == opLess {
					b.upper, b.upperOp = v, c.op
				}
			case opGreater, opGreaterEq:
				// OSV "introduced" is inclusive: "greater than X" becomes
				// introduced X, which can only over-report X itself.
				if b.lower == "" || less(cmpr, b.lower, v) {
					b.lower = v
				}
			case opEquals:
				b.equals = append(b.equals, v)
			default:
				return nil, fmt.Errorf("evr operation %q not supported", clip(c.op))
			}
		}
	}
	out := make([]vulndb.Affected, 0, len(order))
	for _, name := range order {
		b := byPkg[name]
		af := vulndb.Affected{Ecosystem: eco, Package: name, Status: vulndb.StatusAffected}
		if len(b.equals) > 0 {
			if b.lower != "" || b.upper != "" || len(b.equals) > 1 && !allSame(b.equals) {
				return nil, fmt.Errorf("package %s: an exact version combined with a range", clip(name))
			}
			af.Versions = b.equals[:1]
			out = append(out, af)
			continue
		}
		if b.lower != "" && b.upper != "" && !less(cmpr, b.lower, b.upper) && !(b.lower == b.upper && b.upperOp == opLessEq) {
			continue // empty range: no version satisfies both
		}
		r := vulndb.Range{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: cmp.Or(zeroFloor(b.lower), "0")}}}
		switch b.upperOp {
		case opLess:
			r.Events = append(r.Events, vulndb.Event{Fixed: b.upper})
		case opLessEq:
			r.Events = append(r.Events, vulndb.Event{LastAffected: b.upper})
		}
		af.Ranges = []vulndb.Range{r}
		out = append(out, af)
	}
	return out, nil
}

func allSame(s []string) bool {
	for _, x := range s {
		if x != s[0] {
			return false
		}
	}
	return true
}

func less(c version.Comparator, a, b string) bool {
	r, err := c.Compare(a, b)
	return err == nil && r < 0
}

// zeroFloor turns a lower bound whose leading numeric parts are all zero
// ("0.0.0.azl3", Azure Linux's "greater than 0.0.0") into "0".
func zeroFloor(v string) string {
	if v == "" {
		return ""
	}
	nums := 0
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == '.' || r == '-' }) {
		if strings.Trim(part, "0") == "" {
			nums++
			continue
		}
		if part[0] >= '0' && part[0] <= '9' {
			return v
		}
		break
	}
	if nums > 0 {
		return "0"
	}
	return v
}

// normalize checks an EVR and drops a "0:" epoch: rpm and dpkg both read a
// missing epoch as 0, so the two spellings are the same version. Other
// epochs stay.
//
// Microsoft's files hold a few EVRs with a space after the epoch
// ("0: 1.20.10-1.azl3", from titles with a double space); the space is
// dropped, as the version is otherwise plain.
func normalize(evr string, cmpr version.Comparator) (string, error) {
	if e, rest, ok := strings.Cut(evr, ":"); ok && allDigits(e) && len(rest) > 0 && rest[0] == ' ' {
		evr = e + ":" + strings.TrimLeft(rest, " ")
	}
	if err := checkField("version", evr); err != nil {
		return "", err
	}
	v := evr
	if rest, ok := strings.CutPrefix(v, "0:"); ok {
		v = rest
	}
	if err := cmpr.Valid(v); err != nil {
		return "", fmt.Errorf("bad version: %w", err)
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func checkField(what, s string) error { return vulndb.CheckToken(what, s, MaxField) }

func checkOptional(what, s string) error {
	if s == "" {
		return nil
	}
	return checkField(what, s)
}
