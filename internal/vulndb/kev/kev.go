package kev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"
	"unicode"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Limits on hostile input. The real catalogue is 1.3 MB with 1,404 entries
// of under 2 KB each.
const (
	// MaxFileSize caps the bytes read from one file.
	MaxFileSize = 64 << 20
	// MaxEntry caps one entry of the vulnerabilities array.
	MaxEntry = 1 << 20
	// MaxField caps every kept field of an entry.
	MaxField = 1024
)

// Catalog is the catalogue's header.
type Catalog struct {
	Title   string
	Version string
	// Released is dateReleased; zero when absent or unreadable.
	Released time.Time
	// Count is the catalogue's own count of entries.
	Count int
	// Entries is the number of entries emitted.
	Entries int
}

var cveRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

var errNotKEV = errors.New(`not a KEV catalogue: no "vulnerabilities" array`)

// Parse reads one KEV catalogue and emits each entry; see Read.
func Parse(ctx context.Context, r io.Reader, file string, emit func(vulndb.KEV) error, problem func(*vulndb.Problem)) error {
	_, err := Read(ctx, r, file, emit, problem)
	return err
}

// Read reads one KEV catalogue from r, emits each entry and returns the
// catalogue's header. file names the input in Problems. An entry that
// cannot be read is passed to problem and the others still import; a file
// that breaks off is a Problem and the entries before the break are kept.
// Read returns an error only when reading r fails, ctx is done or emit
// fails.
func Read(ctx context.Context, r io.Reader, file string, emit func(vulndb.KEV) error, problem func(*vulndb.Problem)) (Catalog, error) {
	return read(ctx, r, file, MaxFileSize, emit, problem)
}

// read is Read with the size cap as a parameter, so tests can exceed it cheaply.
func read(ctx context.Context, r io.Reader, file string, limit int64, emit func(vulndb.KEV) error, problem func(*vulndb.Problem)) (Catalog, error) {
	if problem == nil {
		problem = func(*vulndb.Problem) {}
	}
	p := &parser{file: file, problem: problem, emit: emit, ctx: ctx}
	sr := vulndb.NewSourceReader(r)
	lr := &io.LimitedReader{R: sr, N: limit + 1}
	p.dec = json.NewDecoder(lr)
	err := p.top()
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return p.cat, ctx.Err()
	case sr.Err() != nil:
		return p.cat, fmt.Errorf("read %s: %w", file, sr.Err())
	case p.emitErr != nil:
		return p.cat, p.emitErr
	case lr.N <= 0:
		problem(&vulndb.Problem{File: file, Err: fmt.Errorf("file larger than %d bytes: read stopped there (%d entries before it kept)", limit, p.cat.Entries)})
	case errors.Is(err, errNotKEV):
		problem(&vulndb.Problem{File: file, Err: err})
	default:
		problem(&vulndb.Problem{File: file, Err: fmt.Errorf("malformed JSON at byte %d (%d entries before the break kept): %w", p.dec.InputOffset(), p.cat.Entries, err)})
	}
	return p.cat, nil
}

type parser struct {
	ctx     context.Context
	file    string
	dec     *json.Decoder
	problem func(*vulndb.Problem)
	emit    func(vulndb.KEV) error
	emitErr error
	cat     Catalog
}

func (p *parser) top() error {
	tok, err := p.dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return errNotKEV
	}
	seen := false
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch key {
		case "vulnerabilities":
			if err := p.entries(); err != nil {
				return err
			}
			seen = true
			continue
		case "title":
			p.cat.Title = p.str(key)
		case "catalogVersion":
			p.cat.Version = p.str(key)
		case "dateReleased":
			s := p.str(key)
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				p.cat.Released = t.UTC()
			} else if s != "" {
				p.problem(&vulndb.Problem{File: p.file, Err: fmt.Errorf("dateReleased %q is not an RFC 3339 time", clip(s))})
			}
			continue
		case "count":
			var raw json.RawMessage
			if err := p.dec.Decode(&raw); err != nil {
				return err
			}
			n, _ := strconv.Atoi(string(raw))
			p.cat.Count = n
			continue
		default:
			var skip json.RawMessage
			if err := p.dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return err
	}
	if !seen {
		return errNotKEV
	}
	return nil
}

// str decodes the next value as a short string; anything else is "".
func (p *parser) str(string) string {
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		return ""
	}
	var s string
	if len(raw) > MaxField || json.Unmarshal(raw, &s) != nil || !printable(s) {
		return ""
	}
	return s
}

func (p *parser) entries() error {
	tok, err := p.dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('[') {
		return errNotKEV
	}
	for i := 0; p.dec.More(); i++ {
		if err := p.ctx.Err(); err != nil {
			return err
		}
		var raw json.RawMessage
		if err := p.dec.Decode(&raw); err != nil {
			return err
		}
		k, err := convert(raw)
		if err != nil {
			p.problem(&vulndb.Problem{File: p.file, Record: recordName(i, k.CVE), Err: err})
			continue
		}
		if err := p.emit(k); err != nil {
			p.emitErr = err
			return err
		}
		p.cat.Entries++
	}
	_, err = p.dec.Token()
	return err
}

func recordName(i int, cve string) string {
	if cve != "" && len(cve) <= 64 && cveRE.MatchString(cve) {
		return fmt.Sprintf("entry %d (%s)", i, cve)
	}
	return fmt.Sprintf("entry %d", i)
}

// convert checks one entry; on error the returned KEV holds what could be
// read (for naming the record).
func convert(raw json.RawMessage) (vulndb.KEV, error) {
	var k vulndb.KEV
	if len(raw) > MaxEntry {
		return k, fmt.Errorf("entry of %d bytes, more than %d", len(raw), MaxEntry)
	}
	if len(raw) == 0 || raw[0] != '{' {
		return k, errors.New("entry is not a JSON object")
	}
	if err := json.Unmarshal(raw, &k); err != nil {
		return vulndb.KEV{}, fmt.Errorf("decode entry: %w", err)
	}
	if !cveRE.MatchString(k.CVE) || len(k.CVE) > 64 {
		return k, fmt.Errorf("cveID %q is not a CVE ID", clip(k.CVE))
	}
	for _, f := range []struct{ name, v string }{
		{"vendorProject", k.VendorProject}, {"product", k.Product}, {"vulnerabilityName", k.Name},
		{"dateAdded", k.DateAdded}, {"dueDate", k.DueDate}, {"knownRansomwareCampaignUse", k.KnownRansomwareCampaignUse},
	} {
		if len(f.v) > MaxField {
			return k, fmt.Errorf("%s of %d bytes, more than %d", f.name, len(f.v), MaxField)
		}
		if !printable(f.v) {
			return k, fmt.Errorf("%s holds control characters", f.name)
		}
	}
	for _, f := range []struct{ name, v string }{{"dateAdded", k.DateAdded}, {"dueDate", k.DueDate}} {
		if f.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, f.v); err != nil {
			return k, fmt.Errorf("%s %q is not a YYYY-MM-DD date", f.name, clip(f.v))
		}
	}
	return k, nil
}

func printable(s string) bool {
	for _, r := range s {
		if r == unicode.ReplacementChar || (unicode.IsControl(r) && r != '\t') {
			return false
		}
	}
	return true
}

// clipLen is how many bytes of a hostile value an error quotes.
const clipLen = 80

func clip(s string) string { return vulndb.Clip(s, clipLen) }
