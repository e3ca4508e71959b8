package debian

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Limits on the JSON export. The real file is about 70 MB (2025) and grows
// by a few MB a year; its biggest (package, CVE) record is a few KiB.
const (
	// MaxJSONSize caps the bytes read from one export; a larger file is a
	// Problem and what was read before the cap is kept.
	MaxJSONSize = 1 << 30
	// MaxRecord caps one (package, CVE) record; a bigger one is a Problem
	// and is dropped. The decoder holds one record at a time, so this is
	// not a memory bound for a record still being read: MaxJSONSize is.
	MaxRecord = 1 << 20
)

// jsonRecord is one CVE under one source package in the export.
type jsonRecord struct {
	Description string                 `json:"description"`
	Releases    map[string]jsonRelease `json:"releases"`
}

// jsonRelease is one release of a jsonRecord. "repositories" (the version
// in each suite) is not read: matching compares against fixed_version.
type jsonRelease struct {
	Status       string `json:"status"`
	FixedVersion string `json:"fixed_version"`
	Urgency      string `json:"urgency"`
	Nodsa        string `json:"nodsa"`
	NodsaReason  string `json:"nodsa_reason"`
}

// ParseJSON reads the tracker's JSON export
// (https://security-tracker.debian.org/tracker/data/json), an object of
// source package -> CVE or TEMP- ID -> {description, releases: codename ->
// {status, fixed_version, urgency, nodsa, nodsa_reason}}, and emits one
// Advisory per ID, sorted by ID, with one Affected per (release, package)
// sorted by package then release. The file is read token by token, one
// record at a time; what is kept until the end is a compact entry per
// (ID, package, release) and one summary per ID. See doc.go for the
// status mapping.
func ParseJSON(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	return parseJSON(ctx, r, file, MaxJSONSize, emit, problem)
}

// Status codes of compactAffected.
const (
	stAffected uint8 = iota
	stNotAffected
	stUnfixed
	stWontFix
	stEndOfLife
)

var statuses = [...]vulndb.Status{
	stAffected:    vulndb.StatusAffected,
	stNotAffected: vulndb.StatusNotAffected,
	stUnfixed:     vulndb.StatusUnfixed,
	stWontFix:     vulndb.StatusWontFix,
	stEndOfLife:   vulndb.StatusEndOfLife,
}

// urgencies are the DISTRO severities kept; index 0 is none.
var urgencies = [...]string{"", "unimportant", "low", "medium", "high"}

// compactAffected is one (package, release) of an ID until the end of the
// file: 24 bytes instead of a vulndb.Affected's 120 and its slices.
type compactAffected struct {
	fixed  string // the fixed version when status is stAffected
	pkg    uint32 // index into accumulator.pkgs
	eco    uint8  // index into accumulator.ecos
	status uint8
	sev    uint8 // index into urgencies
}

type cveAcc struct {
	summary  string
	affected []compactAffected
}

// accumulator gathers the export's records by ID.
type accumulator struct {
	pkgs     []string
	pkgIndex map[string]uint32
	ecos     []string
	ecoIndex map[string]uint8 // codename -> index into ecos
	byID     map[string]*cveAcc
}

func newAccumulator() *accumulator {
	return &accumulator{pkgIndex: map[string]uint32{}, ecoIndex: map[string]uint8{}, byID: map[string]*cveAcc{}}
}

func (a *accumulator) pkg(name string) uint32 {
	if i, ok := a.pkgIndex[name]; ok {
		return i
	}
	i := uint32(len(a.pkgs))
	a.pkgs = append(a.pkgs, name)
	a.pkgIndex[name] = i
	return i
}

// eco returns the index of a codename's ecosystem; false for a codename
// Ecosystem does not know.
func (a *accumulator) eco(codename string) (uint8, bool) {
	if i, ok := a.ecoIndex[codename]; ok {
		return i, true
	}
	e, ok := Ecosystem(codename)
	if !ok {
		return 0, false
	}
	i := uint8(len(a.ecos)) // at most the codenames releaseVersion knows
	a.ecos = append(a.ecos, e)
	a.ecoIndex[codename] = i
	return i, true
}

// add files one record; it returns the reasons its releases that could
// not be read were dropped, if any.
func (a *accumulator) add(pkgName, id string, rec *jsonRecord, ps *problems) []string {
	var bad []string
	var c *cveAcc
	pkg := uint32(0)
	codenames := make([]string, 0, len(rec.Releases))
	for k := range rec.Releases {
		codenames = append(codenames, k)
	}
	slices.Sort(codenames)
	for _, codename := range codenames {
		rel := rec.Releases[codename]
		eco, ok := a.eco(codename)
		if !ok {
			ps.unknownRelease(codename, pkgName+" "+id)
			continue
		}
		ca, err := jsonStatus(&rel)
		if err != nil {
			bad = append(bad, clip(codename)+": "+err.Error())
			continue
		}
		if c == nil {
			c = a.byID[id]
			if c == nil {
				c = &cveAcc{}
				a.byID[id] = c
			}
			if c.summary == "" {
				// a copy, so a clipped summary does not pin the whole description
				c.summary = strings.Clone(clipSummary(strings.TrimSpace(rec.Description)))
			}
			pkg = a.pkg(pkgName)
		}
		ca.pkg, ca.eco = pkg, eco
		if slices.ContainsFunc(c.affected, func(x compactAffected) bool { return x.pkg == pkg && x.eco == eco }) {
			continue // a package listed twice: the first wins
		}
		c.affected = append(c.affected, ca)
	}
	return bad
}

// jsonStatus maps one release of a record onto a status.
func jsonStatus(r *jsonRelease) (compactAffected, error) {
	var ca compactAffected
	u := strings.TrimRight(r.Urgency, "*")
	ca.sev = uint8(max(0, slices.Index(urgencies[:], u)))
	switch r.Status {
	case "resolved":
		switch v := r.FixedVersion; {
		case v == "0":
			ca.status = stNotAffected
		case v == "":
			return ca, errors.New("resolved without a fixed_version")
		case len(v) > 256:
			return ca, fmt.Errorf("fixed_version of %d bytes", len(v))
		default:
			if err := (version.Deb{}).Valid(v); err != nil {
				return ca, err
			}
			ca.status, ca.fixed = stAffected, v
		}
	case "open", "undetermined":
		switch {
		case u == "end-of-life":
			ca.status = stEndOfLife
		case r.NodsaReason == "postponed":
			ca.status = stUnfixed
		case r.NodsaReason == "ignored", r.Nodsa != "" && r.NodsaReason == "":
			ca.status = stWontFix
		default:
			ca.status = stUnfixed
		}
	default:
		return ca, fmt.Errorf("unknown status %q", clip(r.Status))
	}
	return ca, nil
}

// parseJSON is ParseJSON with the size cap as a parameter.
func parseJSON(ctx context.Context, r io.Reader, file string, limit int64, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	ps := newProblems(file, problem)
	lr := &io.LimitedReader{R: r, N: limit + 1}
	dec := json.NewDecoder(lr)
	dec.UseNumber() // a number out of float64's range is bad shape, not a read failure
	acc := newAccumulator()
	err := walkJSON(ctx, dec, acc, ps)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case lr.N <= 0:
			ps.report("", fmt.Errorf("file larger than %d bytes: read stopped there", limit))
		case errors.As(err, &se):
			ps.report("", fmt.Errorf("malformed JSON at byte %d (records before it kept): %w", se.Offset, err))
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, errShape), errors.As(err, &te):
			ps.report("", fmt.Errorf("malformed export at byte %d (records before it kept): %w", dec.InputOffset(), err))
		default:
			return fmt.Errorf("read %s: %w", file, err)
		}
	}
	ps.close()
	return acc.emitAll(ctx, emit)
}

var errShape = errors.New("unexpected JSON shape")

// walkJSON reads the top-level object one package at a time and each
// package one record at a time.
func walkJSON(ctx context.Context, dec *json.Decoder, acc *accumulator, ps *problems) error {
	if err := jsonDelim(dec, '{'); err != nil {
		return err
	}
	n := 0
	// key reads the next key of a package or record, checking ctx every 256 keys.
	key := func() (json.Token, error) {
		if n++; n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		return dec.Token()
	}
	var rec jsonRecord // reused: its map is cleared, not reallocated
	for dec.More() {
		tok, err := key()
		if err != nil {
			return err
		}
		pkg, _ := tok.(string)
		tok, err = dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			ps.report(pkg, fmt.Errorf("package is a %s, not an object", jsonKind(tok)))
			if ok {
				if err := skipJSON(dec); err != nil {
					return err
				}
			}
			continue
		}
		pkgErr := checkPackage(pkg)
		if pkgErr != nil {
			ps.report(pkg, pkgErr)
		}
		for dec.More() {
			tok, err := key()
			if err != nil {
				return err
			}
			id, _ := tok.(string)
			start := dec.InputOffset()
			rec.Description = ""
			clear(rec.Releases)
			err = dec.Decode(&rec)
			var te *json.UnmarshalTypeError
			switch {
			case errors.As(err, &te):
				ps.report(pkg+" "+id, fmt.Errorf("record of the wrong shape: %w", err))
				continue
			case err != nil:
				return err
			case pkgErr != nil:
				continue
			case dec.InputOffset()-start > MaxRecord:
				ps.report(pkg+" "+id, fmt.Errorf("record of %d bytes (limit %d)", dec.InputOffset()-start, MaxRecord))
				continue
			case !cveRE.MatchString(id):
				ps.report(pkg+" "+id, fmt.Errorf("malformed ID %q", clip(id)))
				continue
			}
			if bad := acc.add(pkg, id, &rec, ps); bad != nil {
				ps.report(pkg+" "+id, fmt.Errorf("releases dropped: %s", strings.Join(bad, "; ")))
			}
		}
		if err := jsonDelim(dec, '}'); err != nil {
			return err
		}
	}
	if err := jsonDelim(dec, '}'); err != nil {
		return err
	}
	if tok, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return err
		}
		return fmt.Errorf("%w: %s after the top-level object", errShape, jsonKind(tok))
	}
	return nil
}

func jsonDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%w: want %q, got %s", errShape, want, jsonKind(tok))
	}
	return nil
}

// skipJSON skips the rest of an array or object whose opening token was read.
func skipJSON(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// jsonKind names a token for an error without quoting what may be huge.
func jsonKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(t))
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// emitAll emits the gathered advisories in ID order.
func (a *accumulator) emitAll(ctx context.Context, emit vulndb.Emit) error {
	ids := make([]string, 0, len(a.byID))
	for id := range a.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ranks := make([]float64, len(a.ecos))
	for i, e := range a.ecos {
		ranks[i] = releaseRank(e)
	}
	sevs := make([][]vulndb.Severity, len(urgencies))
	for i, u := range urgencies[1:] {
		sevs[i+1] = []vulndb.Severity{{Type: "DISTRO", Score: u}}
	}
	for n, id := range ids {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c := a.byID[id]
		delete(a.byID, id)
		slices.SortFunc(c.affected, func(x, y compactAffected) int {
			if d := cmp.Compare(a.pkgs[x.pkg], a.pkgs[y.pkg]); d != 0 {
				return d
			}
			return cmp.Compare(ranks[x.eco], ranks[y.eco])
		})
		adv := &vulndb.Advisory{
			ID:         id,
			Source:     Source,
			Summary:    c.summary,
			References: []string{"https://security-tracker.debian.org/tracker/" + id},
			Affected:   make([]vulndb.Affected, len(c.affected)),
		}
		for i, ca := range c.affected {
			af := &adv.Affected[i]
			af.Ecosystem, af.Package, af.Status = a.ecos[ca.eco], a.pkgs[ca.pkg], statuses[ca.status]
			if ca.status == stAffected {
				af.Ranges = []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: ca.fixed}}}}
			}
			af.Severity = sevs[ca.sev] // shared: advisories are read-only
		}
		if err := emitAdvisory(emit, adv); err != nil {
			return err
		}
	}
	return nil
}
