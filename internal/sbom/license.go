package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// licenseKind says what a declared licence string is.
type licenseKind int

const (
	// licenseText is free text: not an SPDX identifier or expression.
	licenseText licenseKind = iota
	// licenseID is one SPDX licence identifier from the known list.
	licenseID
	// licenseExpr is a valid SPDX licence expression that is not a lone known identifier.
	licenseExpr
)

// license is one declared licence string, classified.
type license struct {
	kind licenseKind
	// value is the canonical identifier, the normalised expression, or the
	// trimmed text.
	value string
	// refs are the LicenseRef- identifiers an expression uses.
	refs []string
}

// Limits that keep hostile licence strings cheap: longer or deeper strings are
// free text.
const (
	maxExprLen   = 4096
	maxExprDepth = 32
)

// parseLicense classifies one declared licence string.
func parseLicense(s string) license {
	s = strings.TrimSpace(s)
	if id, ok := lookupID(spdxLicenseIDs[:], s); ok {
		return license{kind: licenseID, value: id}
	}
	if len(s) <= maxExprLen {
		if expr, refs, ok := parseExpression(s); ok {
			return license{kind: licenseExpr, value: expr, refs: refs}
		}
	}
	return license{kind: licenseText, value: s}
}

// lookupID finds id in list (sorted by lower case) ignoring ASCII case, as
// SPDX matches identifiers, and returns its canonical spelling.
func lookupID(list []string, id string) (string, bool) {
	i, ok := slices.BinarySearchFunc(list, id, compareFold)
	if !ok {
		return "", false
	}
	return list[i], true
}

// compareFold compares the ASCII lower-case forms of a and b without allocating.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lowerASCII(a[i]), lowerASCII(b[i])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// exprParser is a recursive-descent parser of SPDX 2.3 licence expressions
// (SPDX specification annex D):
//
//	or     = and *("OR" and)
//	and    = with *("AND" with)
//	with   = simple ["WITH" exception] / "(" or ")"
//	simple = known-id ["+"] / "LicenseRef-" idstring
//
// Operators are matched case-sensitively, identifiers case-insensitively; the
// output uses canonical identifiers, single spaces and the input's brackets.
type exprParser struct {
	toks  []string
	pos   int
	depth int
	out   []string
	refs  []string
}

// parseExpression returns s normalised when it is a valid SPDX expression.
func parseExpression(s string) (expr string, refs []string, ok bool) {
	toks, ok := tokenize(s)
	if !ok || len(toks) == 0 {
		return "", nil, false
	}
	p := exprParser{toks: toks, out: make([]string, 0, len(toks))}
	if !p.or() || p.pos != len(p.toks) {
		return "", nil, false
	}
	var b strings.Builder
	for i, t := range p.out {
		if i > 0 && t != ")" && p.out[i-1] != "(" {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String(), p.refs, true
}

// tokenize splits at white space and brackets. It refuses characters that
// cannot occur in an expression.
func tokenize(s string) ([]string, bool) {
	var toks []string
	start := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')':
			if start >= 0 {
				toks = append(toks, s[start:i])
				start = -1
			}
			if c == '(' || c == ')' {
				toks = append(toks, s[i:i+1])
			}
		case isIDChar(c) || c == '+' || c == ':':
			if start < 0 {
				start = i
			}
		default:
			return nil, false
		}
	}
	if start >= 0 {
		toks = append(toks, s[start:])
	}
	return toks, true
}

// isIDChar reports the characters of an SPDX idstring.
func isIDChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.'
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *exprParser) or() bool {
	if !p.and() {
		return false
	}
	for p.peek() == "OR" {
		p.out = append(p.out, "OR")
		p.pos++
		if !p.and() {
			return false
		}
	}
	return true
}

func (p *exprParser) and() bool {
	if !p.with() {
		return false
	}
	for p.peek() == "AND" {
		p.out = append(p.out, "AND")
		p.pos++
		if !p.with() {
			return false
		}
	}
	return true
}

func (p *exprParser) with() bool {
	if p.peek() == "(" {
		p.depth++
		if p.depth > maxExprDepth {
			return false
		}
		p.out = append(p.out, "(")
		p.pos++
		if !p.or() || p.peek() != ")" {
			return false
		}
		p.out = append(p.out, ")")
		p.pos++
		p.depth--
		return true
	}
	if !p.simple() {
		return false
	}
	if p.peek() == "WITH" {
		p.pos++
		exc, ok := lookupID(spdxExceptionIDs[:], p.peek())
		if !ok {
			return false
		}
		p.out = append(p.out, "WITH", exc)
		p.pos++
	}
	return true
}

func (p *exprParser) simple() bool {
	t := p.peek()
	if ref, ok := strings.CutPrefix(t, "LicenseRef-"); ok {
		if !isIDString(ref) {
			return false
		}
		p.out = append(p.out, t)
		p.refs = append(p.refs, t)
		p.pos++
		return true
	}
	// An identifier of the list may itself end in "+" (the deprecated "GPL-2.0+").
	if id, ok := lookupID(spdxLicenseIDs[:], t); ok {
		p.out = append(p.out, id)
		p.pos++
		return true
	}
	base, plus := strings.CutSuffix(t, "+")
	if !plus {
		return false
	}
	id, ok := lookupID(spdxLicenseIDs[:], base)
	if !ok {
		return false
	}
	p.out = append(p.out, id+"+")
	p.pos++
	return true
}

func isIDString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIDChar(s[i]) {
			return false
		}
	}
	return true
}

// licenseRef names free licence text as an SPDX LicenseRef: the text itself
// when it is a valid idstring, else a readable prefix of it and a hash, so that
// different texts never share a name.
func licenseRef(text string) string {
	if isIDString(text) && len(text) <= 64 {
		return "LicenseRef-" + text
	}
	var b strings.Builder
	b.WriteString("LicenseRef-")
	dash := false
	n := 0
	for i := 0; i < len(text) && n < 40; i++ {
		c := text[i]
		if isIDChar(c) && c != '-' {
			b.WriteByte(c)
			dash = false
			n++
		} else if !dash && n > 0 {
			b.WriteByte('-')
			dash = true
			n++
		}
	}
	if !dash && n > 0 {
		b.WriteByte('-')
	}
	sum := sha256.Sum256([]byte(text))
	b.WriteString(hex.EncodeToString(sum[:4]))
	return b.String()
}

// declared is the licences of one package, classified and without repeats.
type declared []license

func parseLicenses(ss []string) declared {
	var d declared
	for _, s := range ss {
		l := parseLicense(s)
		if l.value == "" || slices.ContainsFunc(d, func(o license) bool { return o.kind == l.kind && o.value == l.value }) {
			continue
		}
		d = append(d, l)
	}
	return d
}

// spdxExpression combines the licences into one SPDX expression with AND,
// naming free text by LicenseRef; "" when there are none.
func (d declared) spdxExpression() string {
	switch len(d) {
	case 0:
		return ""
	case 1:
		return d[0].spdx()
	}
	parts := make([]string, len(d))
	for i, l := range d {
		parts[i] = l.spdx()
		if l.kind == licenseExpr && topLevelOr(parts[i]) {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " AND ")
}

func (l license) spdx() string {
	if l.kind == licenseText {
		return licenseRef(l.value)
	}
	return l.value
}

// hasText reports whether any licence is free text.
func (d declared) hasText() bool {
	return slices.ContainsFunc(d, func(l license) bool { return l.kind == licenseText })
}

// hasExpr reports whether any licence is an expression.
func (d declared) hasExpr() bool {
	return slices.ContainsFunc(d, func(l license) bool { return l.kind == licenseExpr })
}

// topLevelOr reports whether a normalised expression has an OR outside
// brackets, the one case that needs brackets when joined with AND.
func topLevelOr(expr string) bool {
	depth := 0
	for i := 0; i < len(expr); i++ {
		switch expr[i] {
		case '(':
			depth++
		case ')':
			depth--
		case 'O':
			if depth == 0 && strings.HasPrefix(expr[i:], "OR ") && i > 0 && expr[i-1] == ' ' {
				return true
			}
		}
	}
	return false
}
