package alpine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Source is the Advisory.Source of every record this package emits.
const Source = "alpine"

// Limits on hostile input. Real secdb files are under 200 KiB.
const (
	// MaxFileSize caps the bytes read from one secdb file; a larger file is
	// reported as a Problem and what was read before the cap is kept.
	MaxFileSize = 32 << 20
	// MaxField caps the length of a package name, version key or ID string.
	MaxField = 512
)

var (
	// releaseRE is a secdb distroversion: "v3.20" or "edge".
	releaseRE = regexp.MustCompile(`^(?:v[0-9]+\.[0-9]+|edge)$`)
)

// pkgEntry is one element of the secdb "packages" array.
type pkgEntry struct {
	Pkg struct {
		Name     string              `json:"name"`
		Secfixes map[string][]string `json:"secfixes"`
	} `json:"pkg"`
}

type entry struct {
	aliases map[string]bool
	fixes   map[string]string // package -> lowest fixed version ("0" = not affected)
}

// Parse reads one secdb JSON file (https://secdb.alpinelinux.org/<release>/<repo>.json)
// and emits one Advisory per vulnerability ID, sorted by ID, each with one
// Affected entry per origin package that lists it. file names the input in
// Problems. A record that cannot be read (a malformed ID, a package of the
// wrong shape, a version key that is not a version) is passed to problem and
// the others still import; a file truncated or otherwise broken mid-way is
// reported as a Problem and the packages before the break are emitted. Parse
// returns an error only when reading fails, ctx is done or emit fails.
func Parse(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	return parse(ctx, r, file, MaxFileSize, emit, problem)
}

// parse is Parse with the size cap as a parameter, so tests can exceed it cheaply.
func parse(ctx context.Context, r io.Reader, file string, limit int64, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	if problem == nil {
		problem = func(*vulndb.Problem) {}
	}
	report := func(record string, err error) {
		problem(&vulndb.Problem{File: file, Record: record, Err: err})
	}
	lr := &io.LimitedReader{R: r, N: limit + 1}
	dec := json.NewDecoder(lr)

	var release string
	byID := map[string]*entry{}
	err := decode(ctx, dec, &release, func(i int, raw json.RawMessage) {
		var p pkgEntry
		if err := json.Unmarshal(raw, &p); err != nil {
			report(fmt.Sprintf("packages[%d]", i), fmt.Errorf("decode package: %w", err))
			return
		}
		addPackage(i, &p, byID, report)
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var se *json.SyntaxError
		switch {
		case lr.N <= 0:
			report("", fmt.Errorf("file larger than %d bytes: read stopped there", limit))
		case errors.As(err, &se):
			report("", fmt.Errorf("malformed JSON at byte %d (entries before it kept): %w", se.Offset, err))
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, errShape):
			report("", fmt.Errorf("malformed secdb file (entries before the break kept): %w", err))
		default:
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return fmt.Errorf("read %s: %w", file, err)
			}
			report("", fmt.Errorf("malformed secdb file: %w", err))
		}
	}
	if release == "" {
		if len(byID) > 0 || err == nil {
			report("distroversion", errors.New("missing distroversion: no release to file the entries under"))
		}
		return nil
	}
	if !releaseRE.MatchString(release) {
		report("distroversion", fmt.Errorf("release %q is not vN.N or edge", clip(release)))
		return nil
	}
	return emitAll(ctx, "Alpine:"+release, byID, emit)
}

var errShape = errors.New("unexpected JSON shape")

// decode walks the top-level object token by token, decoding each element
// of "packages" on its own so one bad element costs only itself.
func decode(ctx context.Context, dec *json.Decoder, release *string, pkg func(int, json.RawMessage)) error {
	if err := delim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		if err := ctx.Err(); err != nil {
			return err
		}
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch key {
		case "distroversion":
			if err := dec.Decode(release); err != nil {
				return err
			}
		case "packages":
			if err := delim(dec, '['); err != nil {
				return err
			}
			for i := 0; dec.More(); i++ {
				if i%256 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return err
				}
				pkg(i, raw)
			}
			if err := delim(dec, ']'); err != nil {
				return err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	return delim(dec, '}')
}

func delim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%w: want %q, got %v", errShape, want, tok)
	}
	return nil
}

// addPackage files the IDs of one package under byID.
func addPackage(i int, p *pkgEntry, byID map[string]*entry, report func(string, error)) {
	name := p.Pkg.Name
	rec := fmt.Sprintf("packages[%d]", i)
	if err := checkField("package name", name); err != nil {
		report(rec, err)
		return
	}
	rec = fmt.Sprintf("packages[%d] %s", i, name)
	keys := make([]string, 0, len(p.Pkg.Secfixes))
	for k := range p.Pkg.Secfixes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, fixed := range keys {
		if err := checkVersion(fixed); err != nil {
			report(rec, err)
			continue
		}
		for _, s := range p.Pkg.Secfixes[fixed] {
			id, aliases, bad := splitIDs(s)
			for _, b := range bad {
				report(fmt.Sprintf("%s %s", rec, fixed), b)
			}
			if id == "" {
				continue
			}
			e := byID[id]
			if e == nil {
				e = &entry{aliases: map[string]bool{}, fixes: map[string]string{}}
				byID[id] = e
			}
			for _, a := range aliases {
				e.aliases[a] = true
			}
			e.fixes[name] = lowerFix(e.fixes[name], fixed)
		}
	}
}

// lowerFix keeps the first fix of an ID listed under two versions of one
// package; a real fix wins over "0" (not affected), as the safer reading.
func lowerFix(have, fixed string) string {
	switch {
	case have == "":
		return fixed
	case have == "0":
		return fixed
	case fixed == "0":
		return have
	}
	if c, err := (version.APK{}).Compare(fixed, have); err == nil && c < 0 {
		return fixed
	}
	return have
}

// splitIDs splits a secfixes string such as "CVE-2017-2887 TALOS-2017-0394"
// or "CVE-2018-16228 (HNCP)": parenthesised notes are dropped, the first
// well-formed ID is the ID and the others are aliases. Each malformed token
// is returned as an error.
func splitIDs(s string) (id string, aliases []string, bad []error) {
	if len(s) > MaxField {
		return "", nil, []error{fmt.Errorf("ID string of %d bytes (limit %d): %q", len(s), MaxField, clip(s))}
	}
	if !strings.ContainsAny(s, "()") {
		return splitFields(s, strings.Fields(s))
	}
	depth := 0
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(c)
		}
	}
	return splitFields(s, strings.Fields(b.String()))
}

func splitFields(s string, toks []string) (id string, aliases []string, bad []error) {
	for _, tok := range toks {
		if !validID(tok) {
			bad = append(bad, fmt.Errorf("malformed ID %q in %q", clip(tok), clip(s)))
			continue
		}
		if id == "" {
			id = tok
		} else if tok != id {
			aliases = append(aliases, tok)
		}
	}
	if id == "" && len(bad) == 0 {
		bad = append(bad, fmt.Errorf("no ID in %q", clip(s)))
	}
	return id, aliases, bad
}

// validID reports whether s is an advisory ID: a prefix of letters and
// digits starting with a letter, then one or more "-part"s of letters,
// digits, ".", "_" or ":" ("CVE-2024-9143", "wnpa-sec-2020-01"), or a
// hyphenless code of two or more capitals and three or more digits
// ("VSV00013"). An ID starting "CVE" must be CVE-YYYY-NNNN[N...]. It is
// hand-written rather than a regexp: it runs once per ID string.
func validID(s string) bool {
	if len(s) == 0 || !isLetter(s[0]) {
		return false
	}
	if len(s) >= 3 && strings.EqualFold(s[:3], "CVE") {
		return isCVE(s)
	}
	i := 0
	for i < len(s) && (isLetter(s[i]) || isDigit(s[i])) {
		i++
	}
	if i == len(s) { // no hyphen: "VSV00013"
		j := 0
		for j < len(s) && 'A' <= s[j] && s[j] <= 'Z' {
			j++
		}
		return j >= 2 && len(s)-j >= 3 && allDigits(s[j:])
	}
	parts := 0
	for i < len(s) {
		if s[i] != '-' {
			return false
		}
		i++
		start := i
		for i < len(s) && (isLetter(s[i]) || isDigit(s[i]) || s[i] == '.' || s[i] == '_' || s[i] == ':') {
			i++
		}
		if i == start {
			return false
		}
		parts++
	}
	return parts > 0
}

// isCVE reports whether s is CVE-YYYY-NNNN with four or more digits after the year.
func isCVE(s string) bool {
	return len(s) >= 13 && s[:4] == "CVE-" && allDigits(s[4:8]) && s[8] == '-' && len(s) >= 13 && allDigits(s[9:])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// checkVersion accepts a secfixes key: "0", or a version apk can compare.
// Keys without "-rN" ("7.36.0") are old secdb style and are kept.
func checkVersion(v string) error {
	if err := checkField("fixed version", v); err != nil {
		return err
	}
	if v == "0" {
		return nil
	}
	if _, err := (version.APK{}).Compare(v, v); err != nil {
		return fmt.Errorf("fixed version: %w", err)
	}
	if v[0] < '0' || v[0] > '9' {
		return fmt.Errorf("fixed version %q does not start with a digit", clip(v))
	}
	return nil
}

func checkField(what, s string) error { return vulndb.CheckToken(what, s, MaxField) }

// clipLen is how many bytes of a hostile value an error quotes.
const clipLen = 80

func clip(s string) string { return vulndb.Clip(s, clipLen) }

// emitAll emits the collected advisories in ID order, Affected in package order.
func emitAll(ctx context.Context, eco string, byID map[string]*entry, emit vulndb.Emit) error {
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
		a := &vulndb.Advisory{ID: id, Source: Source}
		for al := range e.aliases {
			if al != id {
				a.Aliases = append(a.Aliases, al)
			}
		}
		slices.Sort(a.Aliases)
		for pkg, fixed := range e.fixes {
			af := vulndb.Affected{Ecosystem: eco, Package: pkg}
			if fixed == "0" {
				af.Status = vulndb.StatusNotAffected
			} else {
				af.Status = vulndb.StatusAffected
				af.Ranges = []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: fixed}}}}
			}
			a.Affected = append(a.Affected, af)
		}
		slices.SortFunc(a.Affected, func(x, y vulndb.Affected) int { return cmp.Compare(x.Package, y.Package) })
		if err := emit(a); err != nil {
			return fmt.Errorf("emit %s: %w", id, err)
		}
	}
	return nil
}
