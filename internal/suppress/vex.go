package suppress

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// maxComponents caps the components a CycloneDX VEX document may list
// (they are read only to resolve affects refs).
const maxComponents = 200_000

// parseVEX detects the kind of a VEX document and reads its statements.
func parseVEX(b []byte, file string) ([]*rule, error) {
	var probe struct {
		Context       json.RawMessage `json:"@context"`
		BOMFormat     string          `json:"bomFormat"`
		PredicateType string          `json:"predicateType"`
		Predicate     json.RawMessage `json:"predicate"`
		Statements    json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("%s: not a JSON VEX document: %w", file, jsonErr(err))
	}
	switch {
	case probe.BOMFormat == "CycloneDX":
		return parseCycloneDXVEX(b, file)
	case bytes.Contains(bytes.ToLower(probe.Context), []byte("openvex")) || probe.Statements != nil:
		return parseOpenVEX(b, file)
	case strings.Contains(strings.ToLower(probe.PredicateType), "openvex") && probe.Predicate != nil:
		// An in-toto statement carrying OpenVEX (as attestations do).
		return parseOpenVEX(probe.Predicate, file)
	}
	return nil, fmt.Errorf("%s: neither OpenVEX (no @context naming openvex, no statements) nor CycloneDX (no bomFormat)", file)
}

// jsonErr keeps encoding/json's message, which names the offset or field.
func jsonErr(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%w (at byte %d)", err, se.Offset)
	}
	return err
}

// OpenVEX (https://github.com/openvex/spec), versions 0.0.1 and 0.2.0. The
// few structs here are written out rather than taken from go-vex, whose
// vex package links protobuf, in-toto and a second YAML library into the
// binary and reports no statement index on errors.
type ovDocument struct {
	ID         string            `json:"@id"`
	Timestamp  string            `json:"timestamp"`
	Statements []json.RawMessage `json:"statements"`
}

type ovStatement struct {
	Vulnerability   ovVulnerability `json:"vulnerability"`
	Timestamp       string          `json:"timestamp"`
	LastUpdated     string          `json:"last_updated"`
	Products        []ovProduct     `json:"products"`
	Subcomponents   []ovComponent   `json:"subcomponents"` // 0.0.1: statement level
	Status          string          `json:"status"`
	Justification   string          `json:"justification"`
	ImpactStatement string          `json:"impact_statement"`
	ActionStatement string          `json:"action_statement"`
	StatusNotes     string          `json:"status_notes"`
}

// ovVulnerability is an object (0.2.0) or a plain ID string (0.0.1).
type ovVulnerability struct {
	ID      string   `json:"@id"`
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
}

func (v *ovVulnerability) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &v.Name)
	}
	type plain ovVulnerability
	return json.Unmarshal(b, (*plain)(v))
}

// ovComponent is an object (0.2.0) or a plain identifier (0.0.1).
type ovComponent struct {
	ID          string            `json:"@id"`
	Identifiers map[string]string `json:"identifiers"`
	Hashes      map[string]string `json:"hashes"`
}

func (c *ovComponent) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &c.ID)
	}
	type plain ovComponent
	return json.Unmarshal(b, (*plain)(c))
}

type ovProduct struct {
	ovComponent
	Subcomponents []ovComponent `json:"subcomponents"`
}

func (p *ovProduct) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &p.ID)
	}
	var aux struct {
		ID            string            `json:"@id"`
		Identifiers   map[string]string `json:"identifiers"`
		Hashes        map[string]string `json:"hashes"`
		Subcomponents []ovComponent     `json:"subcomponents"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	p.ovComponent = ovComponent{ID: aux.ID, Identifiers: aux.Identifiers, Hashes: aux.Hashes}
	p.Subcomponents = aux.Subcomponents
	return nil
}

// purls returns the component's package URLs (its @id when it is one, and
// its purl identifier).
func (c *ovComponent) purls() []string {
	var out []string
	if strings.HasPrefix(strings.ToLower(c.ID), "pkg:") {
		out = append(out, c.ID)
	}
	if p := c.Identifiers["purl"]; p != "" && p != c.ID {
		out = append(out, p)
	}
	return out
}

// names returns every identifier of the component, for image matching.
func (c *ovComponent) names() []string {
	var out []string
	if c.ID != "" {
		out = append(out, c.ID)
	}
	for _, v := range c.Identifiers {
		out = append(out, v)
	}
	for alg, h := range c.Hashes {
		if strings.EqualFold(alg, "sha-256") || strings.EqualFold(alg, "sha256") {
			out = append(out, "sha256:"+strings.ToLower(h))
		}
	}
	return out
}

var ovStatuses = map[string]bool{"not_affected": true, "affected": true, "fixed": true, "under_investigation": true}

var ovJustifications = map[string]bool{
	"component_not_present":                             true,
	"vulnerable_code_not_present":                       true,
	"vulnerable_code_not_in_execute_path":               true,
	"vulnerable_code_cannot_be_controlled_by_adversary": true,
	"inline_mitigations_already_exist":                  true,
}

func parseOpenVEX(b []byte, file string) ([]*rule, error) {
	var doc ovDocument
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: OpenVEX document: %w", file, jsonErr(err))
	}
	docTime, err := parseTime(doc.Timestamp)
	if err != nil {
		return nil, fmt.Errorf("%s: OpenVEX document timestamp: %w", file, err)
	}
	rules := make([]*rule, 0, len(doc.Statements))
	for i, raw := range doc.Statements {
		r, err := openVEXStatement(raw, i, file, docTime)
		if err != nil {
			return nil, fmt.Errorf("%s: statement %d: %w", file, i, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func openVEXStatement(raw json.RawMessage, i int, file string, docTime time.Time) (*rule, error) {
	var s ovStatement
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, jsonErr(err)
	}
	r := &rule{kind: KindOpenVEX, file: file, index: i, status: s.Status, justification: s.Justification}
	r.addIDs(append([]string{s.Vulnerability.Name, s.Vulnerability.ID}, s.Vulnerability.Aliases...)...)
	if r.vuln == "" {
		return nil, errors.New("no vulnerability name or @id")
	}
	if !ovStatuses[s.Status] {
		return nil, fmt.Errorf("%s: status %q is not one of not_affected, affected, fixed, under_investigation", r.vuln, s.Status)
	}
	if s.Justification != "" && !ovJustifications[s.Justification] {
		return nil, fmt.Errorf("%s: unknown justification %q", r.vuln, s.Justification)
	}
	if s.Status == "not_affected" && s.Justification == "" && s.ImpactStatement == "" {
		return nil, fmt.Errorf("%s: not_affected needs a justification or an impact_statement", r.vuln)
	}
	r.suppresses = s.Status == "not_affected"
	r.reason = firstNonEmpty([]string{s.ImpactStatement, s.StatusNotes, s.ActionStatement})
	ts := s.LastUpdated
	if ts == "" {
		ts = s.Timestamp
	}
	t, err := parseTime(ts)
	if err != nil {
		return nil, fmt.Errorf("%s: timestamp: %w", r.vuln, err)
	}
	if t.IsZero() {
		t = docTime
	}
	r.timestamp = t
	if len(s.Products) == 0 {
		return nil, fmt.Errorf("%s: no products", r.vuln)
	}
	for _, p := range s.Products {
		subs := slices.Concat(p.Subcomponents, s.Subcomponents)
		if len(subs) > 0 {
			for _, sc := range subs {
				if err := r.addPackages(sc.purls()); err != nil {
					return nil, fmt.Errorf("%s: subcomponent: %w", r.vuln, err)
				}
			}
			continue
		}
		if p.ID == "" && len(p.Identifiers) == 0 && len(p.Hashes) == 0 {
			return nil, fmt.Errorf("%s: a product without @id, identifiers or hashes", r.vuln)
		}
		var pkgs []string
		for _, u := range p.purls() {
			if !isImageProduct(u) {
				pkgs = append(pkgs, u)
			}
		}
		if len(pkgs) > 0 {
			// The product is itself a package (a library's own VEX).
			if err := r.addPackages(pkgs); err != nil {
				return nil, fmt.Errorf("%s: product: %w", r.vuln, err)
			}
			continue
		}
		r.products = append(r.products, p.names()...)
	}
	return r, nil
}

func (r *rule) addPackages(purls []string) error {
	for _, u := range purls {
		if isImageProduct(u) {
			r.products = append(r.products, u)
			continue
		}
		pat, err := parsePattern(u)
		if err != nil {
			return err
		}
		r.pkgs = append(r.pkgs, pat)
	}
	return nil
}

// CycloneDX VEX: a BOM whose vulnerabilities carry an analysis.
var cdxStates = map[cdx.ImpactAnalysisState]bool{
	cdx.IASResolved: true, cdx.IASResolvedWithPedigree: true, cdx.IASExploitable: true,
	cdx.IASInTriage: true, cdx.IASFalsePositive: true, cdx.IASNotAffected: true,
}

var cdxJustifications = map[cdx.ImpactAnalysisJustification]bool{
	cdx.IAJCodeNotPresent: true, cdx.IAJCodeNotReachable: true, cdx.IAJRequiresConfiguration: true,
	cdx.IAJRequiresDependency: true, cdx.IAJRequiresEnvironment: true, cdx.IAJProtectedByCompiler: true,
	cdx.IAJProtectedAtRuntime: true, cdx.IAJProtectedAtPerimeter: true, cdx.IAJProtectedByMitigatingControl: true,
}

// cdxRef is what a bom-ref of the document resolves to.
type cdxRef struct {
	purl  string
	image bool
	names []string // identifiers of an image component
}

func parseCycloneDXVEX(b []byte, file string) ([]*rule, error) {
	var doc struct {
		Metadata        *cdx.Metadata     `json:"metadata"`
		Components      []cdx.Component   `json:"components"`
		Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: CycloneDX document: %w", file, jsonErr(err))
	}
	var docTime time.Time
	refs := map[string]cdxRef{}
	n := 0
	var walk func(cs []cdx.Component, depth int, image bool) error
	walk = func(cs []cdx.Component, depth int, image bool) error {
		if depth > 32 {
			return errors.New("components nested more than 32 deep")
		}
		for i := range cs {
			c := &cs[i]
			if n++; n > maxComponents {
				return fmt.Errorf("more than %d components", maxComponents)
			}
			img := image || c.Type == cdx.ComponentTypeContainer || isImageProduct(c.PackageURL) && c.PackageURL != ""
			ref := cdxRef{purl: c.PackageURL, image: img}
			if img {
				ref.names = imageNames(c)
			}
			if c.BOMRef != "" {
				refs[c.BOMRef] = ref
			}
			if c.Components != nil {
				if err := walk(*c.Components, depth+1, false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if m := doc.Metadata; m != nil {
		t, err := parseTime(m.Timestamp)
		if err != nil {
			return nil, fmt.Errorf("%s: metadata timestamp: %w", file, err)
		}
		docTime = t
		if m.Component != nil {
			// The subject of the BOM: for a VEX about an image, the image.
			c := *m.Component
			c.Components = nil
			if err := walk([]cdx.Component{c}, 0, c.Type == cdx.ComponentTypeContainer); err != nil {
				return nil, fmt.Errorf("%s: metadata component: %w", file, err)
			}
			if m.Component.Components != nil {
				if err := walk(*m.Component.Components, 1, false); err != nil {
					return nil, fmt.Errorf("%s: metadata component: %w", file, err)
				}
			}
		}
	}
	if err := walk(doc.Components, 0, false); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}

	var rules []*rule
	for i, raw := range doc.Vulnerabilities {
		r, err := cycloneDXVulnerability(raw, i, file, docTime, refs)
		if err != nil {
			return nil, fmt.Errorf("%s: vulnerability %d: %w", file, i, err)
		}
		if r != nil {
			rules = append(rules, r)
		}
	}
	return rules, nil
}

func imageNames(c *cdx.Component) []string {
	var out []string
	for _, s := range []string{c.PackageURL, c.Name, c.Version, c.BOMRef} {
		if s != "" {
			out = append(out, s)
		}
	}
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			if h.Algorithm == cdx.HashAlgoSHA256 {
				out = append(out, "sha256:"+strings.ToLower(h.Value))
			}
		}
	}
	return out
}

// cycloneDXVulnerability reads one vulnerability; nil, nil when it has no
// analysis (a plain report, not a VEX statement).
func cycloneDXVulnerability(raw json.RawMessage, i int, file string, docTime time.Time, refs map[string]cdxRef) (*rule, error) {
	var v cdx.Vulnerability
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, jsonErr(err)
	}
	if strings.TrimSpace(v.ID) == "" {
		return nil, errors.New("no id")
	}
	if v.Analysis == nil {
		return nil, nil
	}
	a := v.Analysis
	if !cdxStates[a.State] {
		return nil, fmt.Errorf("%s: analysis state %q is not a CycloneDX impact analysis state", v.ID, a.State)
	}
	if a.Justification != "" && !cdxJustifications[a.Justification] {
		return nil, fmt.Errorf("%s: unknown analysis justification %q", v.ID, a.Justification)
	}
	r := &rule{
		kind: KindCycloneDXVEX, file: file, index: i,
		status: string(a.State), justification: string(a.Justification), reason: a.Detail,
		suppresses: a.State == cdx.IASNotAffected || a.State == cdx.IASFalsePositive,
	}
	ids := []string{v.ID}
	if v.References != nil {
		for _, ref := range *v.References {
			ids = append(ids, ref.ID)
		}
	}
	r.addIDs(ids...)
	for _, ts := range []string{a.LastUpdated, v.Updated, a.FirstIssued, v.Published} {
		t, err := parseTime(ts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.ID, err)
		}
		if !t.IsZero() {
			r.timestamp = t
			break
		}
	}
	if r.timestamp.IsZero() {
		r.timestamp = docTime
	}
	if v.Affects == nil || len(*v.Affects) == 0 {
		return nil, fmt.Errorf("%s: analysis without affects", v.ID)
	}
	for _, af := range *v.Affects {
		if err := r.addAffects(af.Ref, refs); err != nil {
			return nil, fmt.Errorf("%s: affects %q: %w", v.ID, af.Ref, err)
		}
	}
	return r, nil
}

// addAffects resolves a CycloneDX affects ref: a package URL, a bom-ref of
// this document, or a BOM-Link ("urn:cdx:SERIAL/VERSION#bom-ref") whose
// fragment is one of those. A ref that resolves to nothing known is kept
// as a product identifier (it can only name the image).
func (r *rule) addAffects(ref string, refs map[string]cdxRef) error {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return errors.New("empty ref")
	}
	if strings.HasPrefix(ref, "urn:cdx:") {
		if _, frag, ok := strings.Cut(ref, "#"); ok && frag != "" {
			ref = frag
		}
	}
	if c, ok := refs[ref]; ok {
		switch {
		case c.image:
			r.products = append(r.products, c.names...)
			return nil
		case c.purl != "":
			return r.addPackages([]string{c.purl})
		}
		r.products = append(r.products, ref)
		return nil
	}
	if strings.HasPrefix(strings.ToLower(ref), "pkg:") {
		return r.addPackages([]string{ref})
	}
	r.products = append(r.products, ref)
	return nil
}

// parseTime reads an RFC 3339 timestamp or a date; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("time %q is neither RFC 3339 nor a date (YYYY-MM-DD)", s)
}
