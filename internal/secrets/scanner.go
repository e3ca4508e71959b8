package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/finding"
)

// DefaultMaxFileSize is the largest input Scan reads unless Config raises it.
const DefaultMaxFileSize = 10 << 20

const (
	blockSize   = 256 << 10 // read unit; also the longest line kept whole
	binaryProbe = 8 << 10   // a NUL byte in this many leading bytes = binary
	maxFindings = 1000      // per input; more are not reported
	maxWindow   = 512       // bytes after a keyword a match may reach (rules with Before)
	redactShown = 4
	redactMax   = 16
)

// ErrTooLarge is returned by Scan for an input longer than MaxFileSize.
var ErrTooLarge = errors.New("secrets: input larger than the size limit; skipped")

// Config configures a Scanner. The zero value is the default.
type Config struct {
	// MaxFileSize is the largest input scanned: 0 means
	// DefaultMaxFileSize, a negative value means no limit.
	MaxFileSize int64
	// ScanBinary scans inputs that look binary (a NUL byte in the first
	// 8 KiB); by default they are skipped.
	ScanBinary bool
	// Rules replaces the rule set; nil means Default().
	Rules []Rule
	// SkipDirs names directories whose files are not scanned, by one path
	// element ("testdata") or a run of them ("go/pkg/mod"), matched
	// anywhere in a path: test fixtures and third-party sources, whose
	// fake keys would bury the real findings. Nil means DefaultSkipDirs();
	// an empty, non-nil list skips nothing.
	SkipDirs []string
}

// DefaultSkipDirs are the directories a Scanner skips unless told
// otherwise: test and example fixtures (the fake keys of every library's
// tests), and language package caches and vendored trees of third-party
// source (Go's module cache, node_modules, vendor). Installed software
// (site-packages, /usr) is still scanned.
func DefaultSkipDirs() []string {
	return []string{"test", "tests", "testdata", "test-data", "testing", "__tests__", "fixtures", "spec",
		"example", "examples", "node_modules", "vendor", "pkg/mod", ".cache/go-build", ".git"}
}

// DefaultConfig is the zero Config spelled out.
func DefaultConfig() Config { return Config{MaxFileSize: DefaultMaxFileSize} }

// Validate checks the rules without building a Scanner.
func (c Config) Validate() error {
	_, err := compile(c.Rules)
	return err
}

type compiled struct {
	Rule
	re      *regexp.Regexp
	near    *regexp.Regexp // for Before > 0: re anchored within Before bytes of the window start
	secrets []int
	// nearSecrets are the "secret" groups of near (group 1 is the match).
	nearSecrets []int    // indices of groups named "secret"
	allow       []string // lower-cased
	allowRe     *regexp.Regexp
}

// Scanner finds secrets. It is safe for concurrent use.
type Scanner struct {
	key        string
	skipDirs   []string // "/dir/"
	max        int64
	scanBinary bool
	rules      []compiled
	keywords   [][]byte // distinct, lower-case
	kwRules    [][]int  // keyword index -> rule indices
	bigrams    [1 << 10]uint64
	byBigram   map[uint16][]int // first two bytes -> keyword indices
	bufs       sync.Pool        // *buffers, so scanning many small files does not allocate 512 KiB each
}

type buffers struct{ data, lower []byte }

// keyVersion changes whenever the scanning code changes what it reports
// for the same rules (a fix in redaction, line counting, limits).
const keyVersion = 2

func scannerKey(max int64, binary bool, skip []string, rules []compiled) string {
	h := sha256.New()
	fmt.Fprintf(h, "vigil secrets\x00%d\x00%d\x00%t\x00%q", keyVersion, max, binary, skip)
	for _, r := range rules {
		// %#v quotes every string field: no two rule lists print alike.
		fmt.Fprintf(h, "\x00%#v", r.Rule)
	}
	return "secrets/" + hex.EncodeToString(h.Sum(nil))[:32]
}

func (s *Scanner) kwHasRule(k, ri int) bool { return slices.Contains(s.kwRules[k], ri) }

// New checks cfg and compiles its rules.
func New(cfg Config) (*Scanner, error) {
	rules, err := compile(cfg.Rules)
	if err != nil {
		return nil, err
	}
	s := &Scanner{max: cfg.MaxFileSize, scanBinary: cfg.ScanBinary, rules: rules}
	if s.max == 0 {
		s.max = DefaultMaxFileSize
	}
	skip := cfg.SkipDirs
	if skip == nil {
		skip = DefaultSkipDirs()
	}
	for _, d := range skip {
		d = strings.Trim(d, "/")
		if d == "" {
			return nil, errors.New("secrets: empty skip directory")
		}
		s.skipDirs = append(s.skipDirs, "/"+d+"/")
	}
	s.key = scannerKey(s.max, s.scanBinary, s.skipDirs, rules)
	idx := map[string]int{}
	s.byBigram = map[uint16][]int{}
	for ri, r := range rules {
		for _, kw := range r.Keywords {
			k, ok := idx[kw]
			if !ok {
				k = len(s.keywords)
				idx[kw] = k
				s.keywords = append(s.keywords, []byte(kw))
				s.kwRules = append(s.kwRules, nil)
				v := uint16(kw[0])<<8 | uint16(kw[1])
				s.bigrams[v>>6] |= 1 << (v & 63)
				s.byBigram[v] = append(s.byBigram[v], k)
			}
			if !slices.Contains(s.kwRules[k], ri) {
				s.kwRules[k] = append(s.kwRules[k], ri)
			}
		}
	}
	return s, nil
}

func compile(rules []Rule) ([]compiled, error) {
	if rules == nil {
		rules = Default()
	}
	out := make([]compiled, 0, len(rules))
	seen := map[string]bool{}
	for i, r := range rules {
		if r.ID == "" {
			return nil, fmt.Errorf("secrets: rule %d: empty ID", i)
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("secrets: rule %s: duplicate ID", r.ID)
		}
		seen[r.ID] = true
		if len(r.Keywords) == 0 {
			return nil, fmt.Errorf("secrets: rule %s: no keywords", r.ID)
		}
		for _, kw := range r.Keywords {
			if len(kw) < 2 || kw != strings.ToLower(kw) {
				return nil, fmt.Errorf("secrets: rule %s: keyword %q must be lower case, two bytes or more", r.ID, kw)
			}
		}
		if r.Before < 0 || r.Before > 256 {
			return nil, fmt.Errorf("secrets: rule %s: Before %d out of range 0..256", r.ID, r.Before)
		}
		if r.Lines < 0 || r.Lines > 64 {
			return nil, fmt.Errorf("secrets: rule %s: Lines %d out of range 0..64", r.ID, r.Lines)
		}
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return nil, fmt.Errorf("secrets: rule %s: compiling pattern: %w", r.ID, err)
		}
		c := compiled{Rule: r, re: re}
		if r.Before > 0 {
			// A match starts at or before its keyword, so within Before
			// bytes of the window start: check only those starts.
			c.near, err = regexp.Compile(fmt.Sprintf(`^[\s\S]{0,%d}?(%s)`, r.Before, r.Pattern))
			if err != nil {
				return nil, fmt.Errorf("secrets: rule %s: compiling pattern: %w", r.ID, err)
			}
			for gi, name := range c.near.SubexpNames() {
				if name == "secret" {
					c.nearSecrets = append(c.nearSecrets, gi)
				}
			}
		}
		for gi, name := range re.SubexpNames() {
			if name == "secret" {
				c.secrets = append(c.secrets, gi)
			}
		}
		for _, a := range r.Allow {
			if a != "" {
				c.allow = append(c.allow, strings.ToLower(a))
			}
		}
		if r.AllowPattern != "" {
			if c.allowRe, err = regexp.Compile(`^(?:` + r.AllowPattern + `)$`); err != nil {
				return nil, fmt.Errorf("secrets: rule %s: compiling allow pattern: %w", r.ID, err)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// Rules returns the scanner's rules in order.
func (s *Scanner) Rules() []Rule {
	out := make([]Rule, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.Rule
	}
	return out
}

// Key names the scanner's rules and settings (a hash of them): two
// scanners with the same Key report the same findings for the same input.
// Image scans put it in the layer cache key.
func (s *Scanner) Key() string { return s.key }

// SkipPath reports whether the file at p (slash-separated, relative or
// absolute) lies in one of Config.SkipDirs.
func (s *Scanner) SkipPath(p string) bool {
	if len(s.skipDirs) == 0 {
		return false
	}
	full := "/" + strings.TrimPrefix(p, "/")
	for _, d := range s.skipDirs {
		if strings.Contains(full, d) {
			return true
		}
	}
	return false
}

// Skip reports whether an input of size bytes would be skipped as too large;
// callers that know the size can avoid opening the file.
func (s *Scanner) Skip(size int64) bool { return s.max > 0 && size > s.max }

// Scan reads r once, a block at a time (memory stays bounded whatever the
// input size), and returns the secrets it holds in input order. Lines longer
// than 256 KiB are cut into pieces scanned one by one (a secret across a cut
// is missed). An input that looks binary is skipped (nil, nil) unless
// Config.ScanBinary; one longer than MaxFileSize gives ErrTooLarge and no
// findings. loc gives Layer and Path; Line and Column are set per finding.
func (s *Scanner) Scan(ctx context.Context, r io.Reader, loc finding.Location) ([]finding.Finding, error) {
	st := scanState{s: s, loc: loc, line: 1, col: 1}
	bs, _ := s.bufs.Get().(*buffers)
	if bs == nil {
		bs = &buffers{data: make([]byte, blockSize), lower: make([]byte, blockSize)}
	}
	defer s.bufs.Put(bs)
	buf := bs.data
	st.lower = bs.lower
	var (
		n     int   // bytes held in buf
		total int64 // bytes read
		first = true
		eof   bool
	)
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("scanning %s: %w", loc.Path, err)
		}
		fill := len(buf)
		if first && !s.scanBinary {
			fill = binaryProbe
		}
		for n < fill && !eof {
			m, err := r.Read(buf[n:fill])
			n += m
			total += int64(m)
			if s.max > 0 && total > s.max {
				return nil, fmt.Errorf("scanning %s: %w", loc.Path, ErrTooLarge)
			}
			if errors.Is(err, io.EOF) {
				eof = true
			} else if err != nil {
				return nil, fmt.Errorf("reading %s: %w", loc.Path, err)
			}
		}
		if first {
			// Only the probe has been read: a binary input costs no more.
			first = false
			if !s.scanBinary && bytes.IndexByte(buf[:min(n, binaryProbe)], 0) >= 0 {
				return nil, nil
			}
			if !eof && fill < len(buf) {
				continue
			}
		}
		if n == 0 {
			break
		}
		end := n // bytes of buf to scan now
		cut := false
		if !eof {
			if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
				end = i + 1
			} else {
				cut = true // one line longer than the buffer
			}
		}
		st.block(buf[:end], cut)
		if len(st.out) >= maxFindings {
			break
		}
		n = copy(buf, buf[end:n])
		if eof && n == 0 {
			break
		}
	}
	return st.out, nil
}

// ScanString scans one value from an image configuration (an ENV entry, a
// label, a history line) with the same rules; it never skips.
func (s *Scanner) ScanString(str string, loc finding.Location) []finding.Finding {
	st := scanState{s: s, loc: loc, line: 1, col: 1}
	st.lower = make([]byte, min(len(str), blockSize))
	for len(str) > 0 {
		end := len(str)
		cut := false
		if end > blockSize {
			end = blockSize
			if i := strings.LastIndexByte(str[:end], '\n'); i >= 0 {
				end = i + 1
			} else {
				cut = true
			}
		}
		st.block([]byte(str[:end]), cut)
		if len(st.out) >= maxFindings {
			break
		}
		str = str[end:]
	}
	return st.out
}

type scanState struct {
	s     *Scanner
	loc   finding.Location
	lower []byte
	line  int // line number at the start of the next block
	col   int // column at the start of the next block (>1 after a cut)
	out   []finding.Finding
	// per block scratch
	occ  []occurrence
	hits []hit
}

type occurrence struct{ kw, pos int }

type hit struct {
	rule       int
	start, end int // whole match, in the block
	sStart     int // secret, in the block
	sEnd       int
}

// block scans complete lines (or, when cut, a piece of one long line).
func (st *scanState) block(b []byte, cut bool) {
	s := st.s
	low := st.lower[:len(b)]
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	// One pass over the block: a bitmap of the keywords' first two bytes
	// says where a keyword may start.
	st.occ = st.occ[:0]
	for i := 0; i+1 < len(low); i++ {
		v := uint16(low[i])<<8 | uint16(low[i+1])
		if s.bigrams[v>>6]&(1<<(v&63)) == 0 {
			continue
		}
		for _, k := range s.byBigram[v] {
			if bytes.HasPrefix(low[i:], s.keywords[k]) {
				st.occ = append(st.occ, occurrence{kw: k, pos: i})
			}
		}
	}
	if len(st.occ) > 0 {
		st.hits = st.hits[:0]
		for ri := range s.rules {
			st.runRule(ri, b)
		}
		st.emit(b)
	}
	nl := bytes.Count(b, []byte{'\n'})
	st.line += nl
	if cut {
		if nl == 0 {
			st.col += len(b)
		} else {
			st.col = len(b) - bytes.LastIndexByte(b, '\n')
		}
	} else {
		st.col = 1
	}
}

// runRule runs one rule's pattern near each occurrence of its keywords.
// For a rule with Before, the anchored form runs once per occurrence on at
// most Before+maxWindow bytes; otherwise the pattern runs once per keyword
// line (plus the rule's extra lines). Either way the work is linear in the
// block size.
func (st *scanState) runRule(ri int, b []byte) {
	s := st.s
	r := &s.rules[ri]
	lastEnd := -1    // end of the last match: repeats from overlapping windows are dropped
	ls, le := -1, -1 // the current keyword line [ls, le)
	prevLine := -1   // start of the last line scanned whole
	for _, o := range st.occ {
		if o.pos < lastEnd || !s.kwHasRule(o.kw, ri) {
			continue
		}
		if o.pos >= le {
			ls = bytes.LastIndexByte(b[:o.pos], '\n') + 1
			if j := bytes.IndexByte(b[o.pos:], '\n'); j >= 0 {
				le = o.pos + j + 1
			} else {
				le = len(b)
			}
		}
		if r.near != nil {
			ws := max(ls, o.pos-r.Before)
			w := b[ws:min(le, o.pos+maxWindow)]
			m := r.near.FindSubmatchIndex(w)
			if m == nil {
				continue
			}
			st.add(ri, b, ws, m, r.nearSecrets, 1, &lastEnd)
			continue
		}
		if ls == prevLine {
			continue
		}
		prevLine = ls
		we := le
		for l := 0; l < r.Lines && we < len(b); l++ {
			if j := bytes.IndexByte(b[we:], '\n'); j >= 0 {
				we += j + 1
			} else {
				we = len(b)
			}
		}
		w := b[ls:we]
		if !r.re.Match(w) {
			continue
		}
		for _, m := range r.re.FindAllSubmatchIndex(w, -1) {
			st.add(ri, b, ls, m, r.secrets, 0, &lastEnd)
		}
	}
}

// add records match m (group g is the whole match) found in a window at
// offset off, unless it repeats an earlier one or is a placeholder.
func (st *scanState) add(ri int, b []byte, off int, m, secrets []int, g int, lastEnd *int) {
	r := &st.s.rules[ri]
	h := hit{rule: ri, start: off + m[2*g], end: off + m[2*g+1]}
	h.sStart, h.sEnd = h.start, h.end
	for _, sg := range secrets {
		if m[2*sg] >= 0 {
			h.sStart, h.sEnd = off+m[2*sg], off+m[2*sg+1]
			break
		}
	}
	if h.start < *lastEnd || !r.accept(b[h.sStart:h.sEnd]) {
		return
	}
	*lastEnd = h.end
	st.hits = append(st.hits, h)
}

func (r *compiled) accept(secret []byte) bool {
	if len(secret) == 0 || len(secret) < r.MinLength || (r.MaxLength > 0 && len(secret) > r.MaxLength) {
		return false
	}
	if r.MinClasses > 0 && classes(secret) < r.MinClasses {
		return false
	}
	if r.MinEntropy > 0 && entropy(secret) < r.MinEntropy {
		return false
	}
	if r.allowRe != nil && r.allowRe.Match(secret) {
		return false
	}
	if len(r.allow) > 0 {
		ls := bytes.ToLower(secret)
		for _, a := range r.allow {
			if bytes.Contains(ls, []byte(a)) {
				return false
			}
		}
	}
	return true
}

// emit keeps, of hits whose matches overlap, the one of the earliest rule,
// and appends findings in input order.
func (st *scanState) emit(b []byte) {
	hs := st.hits
	slices.SortFunc(hs, func(x, y hit) int {
		if x.rule != y.rule {
			return x.rule - y.rule
		}
		return x.start - y.start
	})
	kept := hs[:0:0]
	for _, h := range hs {
		overlap := false
		for _, k := range kept {
			if h.start < k.end && k.start < h.end {
				overlap = true
				break
			}
		}
		if !overlap {
			kept = append(kept, h)
		}
	}
	slices.SortFunc(kept, func(x, y hit) int {
		if x.sStart != y.sStart {
			return x.sStart - y.sStart
		}
		return x.rule - y.rule
	})
	line, pos := st.line, 0
	lineStart, firstLine := 0, true
	for _, h := range kept {
		if len(st.out) >= maxFindings {
			return
		}
		for {
			j := bytes.IndexByte(b[pos:h.sStart], '\n')
			if j < 0 {
				break
			}
			pos += j + 1
			line++
			lineStart = pos
			firstLine = false
		}
		col := h.sStart - lineStart + 1
		if firstLine {
			col += st.col - 1
		}
		r := &st.s.rules[h.rule]
		loc := st.loc
		loc.Line, loc.Column = line, col
		if endLine := line + bytes.Count(b[h.sStart:h.sEnd], []byte{'\n'}); endLine != line {
			loc.EndLine = endLine
		}
		red := Redact(string(b[h.sStart:h.sEnd]))
		st.out = append(st.out, finding.Finding{
			RuleID:      r.ID,
			Kind:        finding.KindSecret,
			Severity:    r.Severity,
			Title:       r.Title,
			Message:     fmt.Sprintf("%s (%s)", r.Title, red),
			Remediation: r.Remediation,
			Location:    loc,
			Match:       red,
		})
	}
}

// Redact shows at most the first four characters of a secret (fewer for a
// short one: never more than a third of it) followed by asterisks, at most
// 16 characters in all.
func Redact(secret string) string {
	n := utf8.RuneCountInString(secret)
	shown := min(redactShown, n/3)
	var sb strings.Builder
	i := 0
	for _, r := range secret {
		if i == shown {
			break
		}
		if r == utf8.RuneError || r < ' ' {
			r = '?'
		}
		sb.WriteRune(r)
		i++
	}
	stars := min(n, redactMax) - shown
	if stars < 4 {
		stars = 4
	}
	sb.WriteString(strings.Repeat("*", stars))
	return sb.String()
}

// entropy is the Shannon entropy of b in bits per byte.
func entropy(b []byte) float64 {
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	n := float64(len(b))
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// classes counts the character classes in b: lower case, upper case, digit,
// other.
func classes(b []byte) int {
	var seen [4]bool
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			seen[0] = true
		case 'A' <= c && c <= 'Z':
			seen[1] = true
		case '0' <= c && c <= '9':
			seen[2] = true
		default:
			seen[3] = true
		}
	}
	n := 0
	for _, s := range seen {
		if s {
			n++
		}
	}
	return n
}
