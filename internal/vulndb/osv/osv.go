package osv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Source is the Advisory.Source of every record this package emits.
const Source = "osv"

// Limits on hostile input. Real OSV records are under 200 KiB.
const (
	// MaxRecordSize caps the bytes read for one record (one JSON file or one
	// zip entry); a larger record is a Problem.
	MaxRecordSize = 8 << 20
	// MaxField caps an ID, alias, package name, purl, version, severity
	// score or range type; a longer one makes the record a Problem.
	MaxField = 1024
	// MaxURL caps one reference URL.
	MaxURL = 4096
	// MaxList caps every list in a record (aliases, affected, ranges,
	// events, versions, references, severities).
	MaxList = 1 << 14
	// MaxSummary caps the summary; a longer one is cut at a rune boundary
	// (not a Problem: the record is still right). Details are dropped.
	MaxSummary = 4096
)

// idRE is an OSV ID or alias: "GO-2023-2102", "GHSA-4374-p667-p6c8",
// "RHSA-2024:1234", "openSUSE-SU-2024:0001-1".
var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:+-]*$`)

// record is the part of an OSV 1.x record that vigil keeps. Unknown fields,
// details, related, credits, ecosystem_specific and database_specific are
// skipped by the decoder.
type record struct {
	ID         string      `json:"id"`
	Modified   time.Time   `json:"modified"`
	Published  time.Time   `json:"published"`
	Withdrawn  string      `json:"withdrawn"`
	Aliases    []string    `json:"aliases"`
	Summary    string      `json:"summary"`
	Severity   []severity  `json:"severity"`
	Affected   []affected  `json:"affected"`
	References []reference `json:"references"`
}

type severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type affected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
		PURL      string `json:"purl"`
	} `json:"package"`
	Severity []severity `json:"severity"`
	Ranges   []struct {
		Type   string         `json:"type"`
		Events []vulndb.Event `json:"events"`
	} `json:"ranges"`
	Versions []string `json:"versions"`
}

// Parse reads one OSV JSON record (schema 1.x) from r and emits it as one
// vulndb.Advisory with Source "osv". file names the input in Problems. A
// record that cannot be read (malformed or truncated JSON, fields of the
// wrong type, a field over its cap, an invalid version for an ecosystem
// vigil can check) is passed to problem and nothing is emitted; a withdrawn
// record is skipped silently. Parse returns an error only when reading r
// fails, ctx is done or emit fails.
func Parse(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	return readRecord(ctx, r, file, parseBytes, emit, problem)
}

// readRecord reads one record of r, at most MaxRecordSize+1 bytes so that
// a larger one is told apart, and parses it with parse (parseBytes or
// parseYAMLBytes).
func readRecord(ctx context.Context, r io.Reader, file string,
	parse func([]byte, string, vulndb.Emit, func(*vulndb.Problem)) error, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxRecordSize+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	return parse(data, file, emit, problem)
}

// checkRecordSize reports a record over MaxRecordSize. It returns problem
// (a no-op for nil) and whether data is to be parsed.
func checkRecordSize(data []byte, file string, problem func(*vulndb.Problem)) (func(*vulndb.Problem), bool) {
	if problem == nil {
		problem = func(*vulndb.Problem) {}
	}
	if len(data) > MaxRecordSize {
		problem(&vulndb.Problem{File: file, Err: fmt.Errorf("record larger than %d bytes", MaxRecordSize)})
		return problem, false
	}
	return problem, true
}

// parseBytes is Parse on a record already read (at most MaxRecordSize+1 bytes).
func parseBytes(data []byte, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	problem, ok := checkRecordSize(data, file, problem)
	if !ok {
		return nil
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		problem(&vulndb.Problem{File: file, Record: recordHint(data), Err: fmt.Errorf("decode OSV record: %w", err)})
		return nil
	}
	adv, err := convert(&rec)
	if err != nil {
		problem(&vulndb.Problem{File: file, Record: clip(rec.ID), Err: err})
		return nil
	}
	if adv == nil {
		return nil // withdrawn
	}
	return emit(adv)
}

// recordHint names the record of a file that did not decode, if its ID can
// be found cheaply, so a Problem says which advisory was lost.
func recordHint(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	for i := 0; i < 64 && dec.More(); i++ {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		var id string
		if tok == "id" {
			if dec.Decode(&id) == nil && len(id) <= MaxField && idRE.MatchString(id) {
				return id
			}
			return ""
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}

// convert checks rec and maps it to an Advisory; nil, nil for a withdrawn record.
func convert(rec *record) (*vulndb.Advisory, error) {
	if rec.Withdrawn != "" {
		return nil, nil
	}
	if err := checkID("id", rec.ID); err != nil {
		return nil, err
	}
	if err := checkLen("aliases", len(rec.Aliases)); err != nil {
		return nil, err
	}
	adv := &vulndb.Advisory{
		ID:        rec.ID,
		Source:    Source,
		Summary:   clipSummary(rec.Summary),
		Published: rec.Published,
		Modified:  rec.Modified,
	}
	for i, a := range rec.Aliases {
		if err := checkID(fmt.Sprintf("aliases[%d]", i), a); err != nil {
			return nil, err
		}
		if a != rec.ID && !slices.Contains(adv.Aliases, a) {
			adv.Aliases = append(adv.Aliases, a)
		}
	}
	sev, err := convertSeverity("severity", rec.Severity)
	if err != nil {
		return nil, err
	}
	adv.Severity = sev
	if err := checkLen("references", len(rec.References)); err != nil {
		return nil, err
	}
	for i, ref := range rec.References {
		if ref.URL == "" {
			continue
		}
		if len(ref.URL) > MaxURL || !printable(ref.URL) {
			return nil, fmt.Errorf("references[%d]: URL longer than %d bytes or not printable", i, MaxURL)
		}
		adv.References = append(adv.References, ref.URL)
	}
	if err := checkLen("affected", len(rec.Affected)); err != nil {
		return nil, err
	}
	for i := range rec.Affected {
		af, err := convertAffected(&rec.Affected[i])
		if err != nil {
			return nil, fmt.Errorf("affected[%d]: %w", i, err)
		}
		adv.Affected = append(adv.Affected, af)
	}
	return adv, nil
}

func convertAffected(a *affected) (vulndb.Affected, error) {
	p := a.Package
	if p.Ecosystem == "" || p.Name == "" {
		return vulndb.Affected{}, errors.New("package has no ecosystem or name")
	}
	for _, f := range []struct{ name, v string }{{"ecosystem", p.Ecosystem}, {"name", p.Name}, {"purl", p.PURL}} {
		if err := checkField("package "+f.name, f.v); err != nil {
			return vulndb.Affected{}, err
		}
	}
	out := vulndb.Affected{Ecosystem: p.Ecosystem, Package: p.Name, Status: vulndb.StatusAffected}
	sev, err := convertSeverity("severity", a.Severity)
	if err != nil {
		return vulndb.Affected{}, err
	}
	out.Severity = sev
	valid := validator(p.Ecosystem)
	if err := checkLen("ranges", len(a.Ranges)); err != nil {
		return vulndb.Affected{}, err
	}
	for i, r := range a.Ranges {
		check := valid
		switch r.Type {
		case "SEMVER":
			check = validSemver
		case "ECOSYSTEM":
		case "GIT":
			check = nil // commit hashes: nothing cheap to check beyond the field rules
		default:
			return vulndb.Affected{}, fmt.Errorf("ranges[%d]: unknown range type %q", i, clip(r.Type))
		}
		if len(r.Events) == 0 {
			return vulndb.Affected{}, fmt.Errorf("ranges[%d]: no events", i)
		}
		if err := checkLen("events", len(r.Events)); err != nil {
			return vulndb.Affected{}, err
		}
		for j, ev := range r.Events {
			if err := checkEvent(ev, check); err != nil {
				return vulndb.Affected{}, fmt.Errorf("ranges[%d].events[%d]: %w", i, j, err)
			}
		}
		out.Ranges = append(out.Ranges, vulndb.Range{Type: r.Type, Events: r.Events})
	}
	if err := checkLen("versions", len(a.Versions)); err != nil {
		return vulndb.Affected{}, err
	}
	for i, v := range a.Versions {
		if err := checkVersion(v, valid); err != nil {
			return vulndb.Affected{}, fmt.Errorf("versions[%d]: %w", i, err)
		}
	}
	if len(a.Versions) > 0 {
		out.Versions = a.Versions
	}
	return out, nil
}

// checkEvent requires exactly one field set and each version well formed.
func checkEvent(ev vulndb.Event, valid func(string) error) error {
	n := 0
	for _, v := range []string{ev.Introduced, ev.Fixed, ev.LastAffected, ev.Limit} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("event sets %d of introduced, fixed, last_affected, limit; want exactly 1", n)
	}
	switch {
	case ev.Introduced == "0":
		return nil // every version
	case ev.Limit == "*":
		return nil // no limit (GIT ranges)
	}
	return checkVersion(ev.Introduced+ev.Fixed+ev.LastAffected+ev.Limit, valid)
}

func checkVersion(v string, valid func(string) error) error {
	if err := checkField("version", v); err != nil {
		return err
	}
	if valid != nil {
		return valid(v)
	}
	return nil
}

func convertSeverity(what string, in []severity) ([]vulndb.Severity, error) {
	if err := checkLen(what, len(in)); err != nil {
		return nil, err
	}
	var out []vulndb.Severity
	for i, s := range in {
		if s.Type == "" || s.Score == "" {
			return nil, fmt.Errorf("%s[%d]: empty type or score", what, i)
		}
		if err := checkField(what+" type", s.Type); err != nil {
			return nil, err
		}
		if err := checkField(what+" score", s.Score); err != nil {
			return nil, err
		}
		out = append(out, vulndb.Severity{Type: s.Type, Score: s.Score})
	}
	return out, nil
}

// validator returns the version check for an OSV ecosystem ("Go",
// "crates.io", "Debian:12", "Alpine:v3.20", "Azure Linux:3.0"), or nil where
// vigil has no cheap check.
func validator(ecosystem string) func(string) error {
	base, _, _ := strings.Cut(ecosystem, ":")
	switch base {
	case "Go":
		return validSemver
	case "Debian", "Ubuntu":
		return version.Deb{}.Valid
	case "Alpine":
		return version.APK{}.Valid
	case "Red Hat", "AlmaLinux", "Rocky Linux", "Azure Linux", "CBL-Mariner", "openSUSE", "SUSE", "Mageia", "openEuler":
		return version.RPM{}.Valid
	}
	return nil
}

// semverRE is SemVer 2.0.0 (https://semver.org), without a leading "v" as
// OSV writes it.
var semverRE = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

func validSemver(v string) error {
	if !semverRE.MatchString(v) {
		return fmt.Errorf("version %q is not SemVer 2.0: %w", clip(v), version.ErrInvalid)
	}
	return nil
}

func checkID(what, id string) error {
	if len(id) > MaxField {
		return fmt.Errorf("%s longer than %d bytes", what, MaxField)
	}
	if !idRE.MatchString(id) {
		return fmt.Errorf("%s %q is not an advisory ID", what, clip(id))
	}
	return nil
}

func checkField(what, v string) error {
	if len(v) > MaxField {
		return fmt.Errorf("%s longer than %d bytes", what, MaxField)
	}
	if !printable(v) {
		return fmt.Errorf("%s %q has control characters or invalid UTF-8", what, clip(v))
	}
	return nil
}

func checkLen(what string, n int) error {
	if n > MaxList {
		return fmt.Errorf("%s: %d entries, more than %d", what, n, MaxList)
	}
	return nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func clipSummary(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= MaxSummary {
		return s
	}
	cut := MaxSummary
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// clipLen is how many bytes of a hostile value an error quotes.
const clipLen = 64

func clip(s string) string { return vulndb.Clip(s, clipLen) }
