package debian

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// Source is the Advisory.Source of every record this package emits.
const Source = "debian"

// Limits on hostile input. The real DSA list is under 1 MiB, its longest
// line (a CVE list) under 4 KiB.
const (
	// MaxFileSize caps the bytes read from one list; the rest of a larger
	// file is reported as a Problem, what came before is kept.
	MaxFileSize = 256 << 20
	// MaxLine caps one line; a longer line is a Problem for its entry.
	MaxLine = 64 << 10
)

var (
	headerRE  = regexp.MustCompile(`^\[([^\]]*)\]\s+(\S+)\s*(.*)$`)
	releaseRE = regexp.MustCompile(`^\[([^\]]*)\]\s+-\s+(\S+)(?:\s+([^\s(]+))?\s*(?:\((.*)\))?\s*$`)
	pkgRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]*$`)
	cveRE     = regexp.MustCompile(`^(?:CVE-[0-9]{4}-[0-9]{4,}|TEMP-[0-9]{7}-[0-9A-F]{6})$`)
)

// ParseDSAList reads the tracker's data/DSA/list and emits one Advisory per
// DSA ("DSA-5343-1"), in file order. See parseList for what becomes of a
// malformed entry.
func ParseDSAList(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	return parseList(ctx, r, file, "DSA", MaxFileSize, emit, problem)
}

// ParseDLAList reads the tracker's data/DLA/list (Debian LTS advisories)
// and emits one Advisory per DLA ("DLA-3380-1"), in file order.
func ParseDLAList(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	return parseList(ctx, r, file, "DLA", MaxFileSize, emit, problem)
}

// advisoryID matches the IDs of one list: DSA-135 (before 2002's suffixes)
// and DSA-5343-1; DLA-0001-1.
func advisoryIDRE(kind string) *regexp.Regexp {
	return regexp.MustCompile(`^` + kind + `-[0-9]{1,6}(?:-[0-9]{1,3})?$`)
}

// parseList reads a DSA or DLA list: entries of a header
//
//	[07 Feb 2023] DSA-5343-1 openssl - security update
//
// then indented lines: "{CVE-...}" aliases, "[release] - srcpkg version"
// or "[release] - srcpkg <marker> (notes)", and "NOTE:" lines. A header that
// cannot be read (bad date, an ID of the wrong form) drops its entry with a
// Problem; a body line that cannot be read (unknown release, bad version or
// package name, junk) drops that line with a Problem and the entry is kept.
// Reading goes on with the next entry either way.
func parseList(ctx context.Context, r io.Reader, file, kind string, limit int64, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	if problem == nil {
		problem = func(*vulndb.Problem) {}
	}
	idRE := advisoryIDRE(kind)
	lines := newListLines(r, file, limit)

	var (
		cur     *vulndb.Advisory // entry being read; nil when none or dropped
		skipped bool             // the current entry was dropped: ignore its body
		seen    map[string]bool  // affected keys of cur, to drop exact repeats
	)
	report := func(record string, err error) {
		problem(&vulndb.Problem{File: file, Record: record, Err: fmt.Errorf("line %d: %w", lines.n, err)})
	}
	flush := func() error {
		if cur == nil {
			return nil
		}
		a := cur
		cur = nil
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
			rec = cur.ID
		}
		if bad != nil {
			if strings.HasPrefix(s, "[") {
				// an unreadable header: its body must not join the entry before
				if err := flush(); err != nil {
					return err
				}
				rec, skipped = "", true
			}
			report(rec, bad)
			continue
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		if s[0] == '[' {
			if err := flush(); err != nil {
				return err
			}
			a, err := parseHeader(s, idRE)
			if err != nil {
				report(headerRecord(s), err)
				skipped = true
				continue
			}
			cur, skipped, seen = a, false, map[string]bool{}
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
		if err := parseBody(cur, strings.TrimSpace(s), seen); err != nil {
			report(cur.ID, err)
		}
	}
	if err := lines.overflow(); err != nil {
		report("", err)
	}
	return flush()
}

func isControl(r rune) bool {
	return r < ' ' && r != '\t' || r == 0x7f
}

// headerRecord names a header that did not parse: its ID if it has one.
func headerRecord(s string) string {
	if m := headerRE.FindStringSubmatch(s); m != nil {
		return clip(m[2])
	}
	return ""
}

func parseHeader(s string, idRE *regexp.Regexp) (*vulndb.Advisory, error) {
	m := headerRE.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("malformed header %q", clip(s))
	}
	date, id, rest := m[1], m[2], m[3]
	if !idRE.MatchString(id) {
		return nil, fmt.Errorf("malformed advisory ID %q", clip(id))
	}
	t, err := time.Parse("02 Jan 2006", date)
	if err != nil {
		return nil, fmt.Errorf("bad date %q: %w", clip(date), err)
	}
	if t.Year() < 1993 { // Debian began in 1993; a year before is corruption
		return nil, fmt.Errorf("bad date %q: before Debian existed", clip(date))
	}
	summary := rest
	if i := strings.Index(rest, " - "); i >= 0 {
		summary = rest[i+3:]
	} else if strings.HasPrefix(rest, "- ") {
		summary = rest[2:]
	}
	return &vulndb.Advisory{
		ID:         id,
		Source:     Source,
		Summary:    strings.TrimSpace(summary),
		Published:  t.UTC(),
		References: []string{"https://security-tracker.debian.org/tracker/" + id},
	}, nil
}

// parseBody applies one trimmed body line to a.
func parseBody(a *vulndb.Advisory, s string, seen map[string]bool) error {
	switch {
	case strings.HasPrefix(s, "NOTE:"):
		return nil
	case strings.HasPrefix(s, "{"):
		if !strings.HasSuffix(s, "}") {
			return fmt.Errorf("unterminated alias list %q", clip(s))
		}
		var bad []string
		for _, id := range strings.Fields(s[1 : len(s)-1]) {
			if !cveRE.MatchString(id) {
				bad = append(bad, clip(id))
				continue
			}
			if id != a.ID && !seen["alias "+id] {
				seen["alias "+id] = true
				a.Aliases = append(a.Aliases, id)
			}
		}
		if bad != nil {
			return fmt.Errorf("malformed CVE IDs %q dropped", bad)
		}
		return nil
	case strings.HasPrefix(s, "["):
		af, err := parseRelease(s)
		if err != nil {
			return err
		}
		key := fmt.Sprintf("%s %s %s %v", af.Ecosystem, af.Package, af.Status, af.Ranges)
		if !seen[key] {
			seen[key] = true
			a.Affected = append(a.Affected, af)
		}
		return nil
	}
	return fmt.Errorf("unrecognised line %q", clip(s))
}

// parseRelease reads "[bullseye] - openssl 1.1.1n-0+deb11u4 (high)" or
// "[lenny] - vlc <not-affected> (Vulnerable code not present)".
func parseRelease(s string) (vulndb.Affected, error) {
	m := releaseRE.FindStringSubmatch(s)
	if m == nil {
		return vulndb.Affected{}, fmt.Errorf("malformed release line %q", clip(s))
	}
	codename, pkg, ver, notes := m[1], m[2], m[3], m[4]
	eco, ok := Ecosystem(codename)
	if !ok {
		return vulndb.Affected{}, fmt.Errorf("unknown release %q", clip(codename))
	}
	if !pkgRE.MatchString(pkg) || len(pkg) > 256 {
		return vulndb.Affected{}, fmt.Errorf("malformed source package name %q", clip(pkg))
	}
	af := vulndb.Affected{Ecosystem: eco, Package: pkg}
	if err := setStatus(&af, ver); err != nil {
		return vulndb.Affected{}, fmt.Errorf("%s %s: %w", codename, pkg, err)
	}
	if u := urgency(notes); u != "" {
		af.Severity = []vulndb.Severity{{Type: "DISTRO", Score: u}}
	}
	return af, nil
}

// setStatus fills the status and range from a fixed version or a marker.
func setStatus(af *vulndb.Affected, ver string) error {
	switch ver {
	case "":
		return errors.New("no version or status")
	case "<not-affected>", "<removed>":
		af.Status = vulndb.StatusNotAffected
	case "<unfixed>", "<postponed>", "<undetermined>":
		af.Status = vulndb.StatusUnfixed
	case "<no-dsa>", "<ignored>":
		af.Status = vulndb.StatusWontFix
	case "<end-of-life>":
		af.Status = vulndb.StatusEndOfLife
	default:
		if strings.HasPrefix(ver, "<") {
			return fmt.Errorf("unknown status %q", clip(ver))
		}
		if len(ver) > 256 {
			return fmt.Errorf("version of %d bytes", len(ver))
		}
		if err := (version.Deb{}).Valid(ver); err != nil {
			return err
		}
		af.Status = vulndb.StatusAffected
		af.Ranges = []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: ver}}}}
	}
	return nil
}

// urgency finds the tracker's urgency among the ";"-separated notes of a
// release line: "(bug #332524; medium)" -> "medium". A trailing "*" or "**"
// (urgency guessed) is dropped.
func urgency(notes string) string {
	for _, n := range strings.Split(notes, ";") {
		n = strings.TrimRight(strings.TrimSpace(n), "*")
		switch n {
		case "unimportant", "low", "medium", "high", "not yet assigned":
			return n
		}
	}
	return ""
}

// clipLen is how many bytes of a hostile value an error quotes.
const clipLen = 80

func clip(s string) string { return vulndb.Clip(s, clipLen) }

// emitAdvisory emits a, naming it in emit's error.
func emitAdvisory(emit vulndb.Emit, a *vulndb.Advisory) error {
	if err := emit(a); err != nil {
		return fmt.Errorf("emit %s: %w", a.ID, err)
	}
	return nil
}

// listLines reads the lines of a tracker list (data/DSA/list,
// data/DLA/list, data/CVE/list) for parseList and parseCVEList: at most
// limit bytes of it, each line at most MaxLine bytes, with ctx checked
// every 1024 lines.
type listLines struct {
	*lineReader
	lr    *io.LimitedReader
	file  string
	limit int64
}

func newListLines(r io.Reader, file string, limit int64) *listLines {
	lr := &io.LimitedReader{R: r, N: limit + 1}
	return &listLines{lineReader: newLineReader(lr, MaxLine), lr: lr, file: file, limit: limit}
}

// scan returns the next line. A line that cannot be read (longer than
// MaxLine, of which s holds the start, or binary) comes with bad saying
// why. err is io.EOF at the end of the input (or of the limit), ctx's
// error, or the reader's error wrapped with the file name.
func (l *listLines) scan(ctx context.Context) (s string, bad, err error) {
	if l.n%1024 == 0 {
		if err := ctx.Err(); err != nil {
			return "", nil, err
		}
	}
	line, long, err := l.next()
	if errors.Is(err, io.EOF) {
		return "", nil, io.EOF
	}
	if err != nil {
		return "", nil, fmt.Errorf("read %s: %w", l.file, err)
	}
	s = string(line)
	switch {
	case long:
		bad = fmt.Errorf("line longer than %d bytes", MaxLine)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, isControl):
		bad = errors.New("binary or non-UTF-8 text")
	}
	return s, bad, nil
}

// overflow is the Problem of a list cut at the limit, nil for one read
// whole.
func (l *listLines) overflow() error {
	if l.lr.N <= 0 {
		return fmt.Errorf("file larger than %d bytes: read stopped there", l.limit)
	}
	return nil
}

// lineReader reads lines of at most max bytes; of a longer line only the
// first 256 bytes are returned (flagged long), the rest is discarded without
// being held in memory.
type lineReader struct {
	r    *bufio.Reader
	n    int    // number of the line last returned, from 1
	head []byte // the start of a line too long to return whole
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, max)}
}

func (l *lineReader) next() (line []byte, long bool, err error) {
	b, err := l.r.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		l.n++
		head := b[:min(len(b), 256)]
		l.head = append(l.head[:0], head...)
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = l.r.ReadSlice('\n')
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false, err
		}
		return l.head, true, nil
	case errors.Is(err, io.EOF) && len(b) == 0:
		return nil, false, io.EOF
	case err != nil && !errors.Is(err, io.EOF):
		return nil, false, err
	}
	l.n++
	b = trimEOL(b)
	return b, false, nil
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}
