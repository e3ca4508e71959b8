package version

import "fmt"

// APK orders Alpine package versions as apk-tools 3 does (src/version.c,
// apk_version_compare): digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r#}.
//
// Written here rather than taken from github.com/knqyf263/go-apk-version,
// which follows apk-tools 2: it refuses versions that apk still compares
// (11 of the Alpine vectors: "1.2_blah", "1.0bc", "1-ruff", ...) and orders
// four others the old way ("1-r-0" vs "1-r0", "0.r1" vs "0r2"). It also
// allocates on every comparison.
//
// Valid versions compare exactly as in apk-tools 3. Invalid ones compare
// token by token up to the first invalid token, which sorts after every
// valid one, as in apk-tools 3, with two differences that the Alpine vectors
// (and real secdb versions such as "5.7.1p1-r0") need:
//   - where both versions turn invalid at the same token, apk-tools 3 calls
//     them equal; here the rest of each is compared (digit runs as numbers,
//     other bytes as bytes), so "6.6.2p1-r0" < "6.6.2p1-r1" as apk-tools 2
//     had it, except after the revision or at a '-' that does not start
//     one, where the rest is ignored ("1-r0-1" = "1-r-2");
//   - "-r" with no number, at the end or before '-', is revision 0
//     ("1-r" = "1-r0"), as apk-tools 2 read it.
//
// Numbers are compared without bound, where apk-tools keeps them in a
// uint64 that wraps past 2^64-1: the two differ only for runs of 20 digits
// or more.
type APK struct{}

var _ Comparator = APK{}

// apk token kinds, in the order apk-tools gives them: a token may only be
// followed by one of a later kind (or another digit after a digit or letter).
const (
	apkInitialDigit = iota
	apkDigit
	apkLetter
	apkSuffix
	apkSuffixNo
	apkCommitHash
	apkRevisionNo
	apkEnd
	apkInvalid
)

// apk suffixes in sort order; apkSufNone is the place of "no suffix".
const (
	apkSufInvalid = iota
	apkSufAlpha
	apkSufBeta
	apkSufPre
	apkSufRC
	apkSufNone
	apkSufCVS
	apkSufSVN
	apkSufGit
	apkSufHg
	apkSufP
)

func apkSuffixValue(s string) int {
	switch s {
	case "alpha":
		return apkSufAlpha
	case "beta":
		return apkSufBeta
	case "pre":
		return apkSufPre
	case "rc":
		return apkSufRC
	case "cvs":
		return apkSufCVS
	case "svn":
		return apkSufSVN
	case "git":
		return apkSufGit
	case "hg":
		return apkSufHg
	case "p":
		return apkSufP
	}
	return apkSufInvalid
}

// apkLexer walks a version one token at a time without allocating.
type apkLexer struct {
	rest   string
	kind   int
	suffix int
	value  string
	// lenient selects Compare's reading of "-r" (see APK); Valid is strict.
	lenient bool
	// ignoreRest is set with apkInvalid when the bad token is in or after
	// the revision, where Compare ignores what is left.
	ignoreRest bool
}

func span(s string, ok func(byte) bool) int {
	n := 0
	for n < len(s) && ok(s[n]) {
		n++
	}
	return n
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isHex(c byte) bool   { return isDigit(c) || 'a' <= c && c <= 'f' }

func (l *apkLexer) digits() {
	n := span(l.rest, isDigit)
	if n == 0 {
		l.invalidate()
		return
	}
	l.value, l.rest = l.rest[:n], l.rest[n:]
}

func (l *apkLexer) first(s string) {
	l.rest = s
	l.kind = apkInitialDigit
	l.digits()
}

func (l *apkLexer) next() {
	if l.rest == "" {
		l.kind = apkEnd
		return
	}
	c := l.rest[0]
	switch {
	case isLower(c):
		if l.kind > apkDigit {
			break
		}
		l.kind, l.value, l.rest = apkLetter, l.rest[:1], l.rest[1:]
		return
	case c == '.' || isDigit(c):
		if c == '.' {
			if l.kind > apkDigit {
				break
			}
			l.rest = l.rest[1:]
		}
		switch l.kind {
		case apkInitialDigit, apkDigit:
			l.kind = apkDigit
		case apkSuffix:
			l.kind = apkSuffixNo
		default:
			l.invalidate()
			return
		}
		l.digits()
		return
	case c == '_':
		if l.kind > apkSuffixNo {
			break
		}
		n := 1 + span(l.rest[1:], isLower)
		if l.suffix = apkSuffixValue(l.rest[1:n]); l.suffix == apkSufInvalid {
			break
		}
		l.kind, l.value, l.rest = apkSuffix, l.rest[1:n], l.rest[n:]
		return
	case c == '~':
		if l.kind >= apkCommitHash {
			break
		}
		n := 1 + span(l.rest[1:], isHex)
		if n == 1 {
			break
		}
		l.kind, l.value, l.rest = apkCommitHash, l.rest[1:n], l.rest[n:]
		return
	case c == '-':
		if l.kind >= apkRevisionNo || len(l.rest) < 2 || l.rest[1] != 'r' {
			break
		}
		if n := span(l.rest[2:], isDigit); n == 0 && l.lenient && (len(l.rest) == 2 || l.rest[2] == '-') {
			l.kind, l.value, l.rest = apkRevisionNo, "0", l.rest[2:]
			return
		}
		l.kind, l.rest = apkRevisionNo, l.rest[2:]
		l.digits()
		return
	}
	l.invalidate()
}

func (l *apkLexer) invalidate() {
	l.ignoreRest = l.kind >= apkRevisionNo || l.rest != "" && l.rest[0] == '-'
	l.kind = apkInvalid
}

// apkTokenCmp compares two tokens of the same kind.
func apkTokenCmp(a, b *apkLexer) int {
	switch a.kind {
	case apkDigit:
		if a.value[0] == '0' || b.value[0] == '0' {
			// A leading zero means a string comparison (as in Gentoo): 1.01 < 1.1.
			return cmpBytes(a.value, b.value)
		}
		return cmpDigits(a.value, b.value)
	case apkInitialDigit, apkSuffixNo, apkRevisionNo:
		return cmpDigits(a.value, b.value)
	case apkLetter:
		return cmpBytes(a.value, b.value)
	case apkSuffix:
		return sign(a.suffix - b.suffix)
	}
	return cmpBytes(a.value, b.value) // commit hash
}

// Compare orders a and b as `apk version -t a b` does, invalid versions
// included. It fails only for an empty version, which apk cannot order.
func (APK) Compare(a, b string) (int, error) {
	if a == "" {
		return 0, invalid("apk", a, "empty")
	}
	if b == "" {
		return 0, invalid("apk", b, "empty")
	}
	ta, tb := apkLexer{lenient: true}, apkLexer{lenient: true}
	ta.first(a)
	tb.first(b)
	for ta.kind == tb.kind && ta.kind < apkEnd {
		if r := apkTokenCmp(&ta, &tb); r != 0 {
			return r, nil
		}
		ta.next()
		tb.next()
	}
	switch {
	case ta.kind == apkInvalid && tb.kind == apkInvalid:
		if ta.ignoreRest || tb.ignoreRest {
			return 0, nil
		}
		return cmpNatural(ta.rest, tb.rest), nil
	case ta.kind == tb.kind:
		return 0, nil
	// The versions agree up to where one goes on; the longer one is newer
	// unless what follows is a pre-release suffix.
	case ta.kind == apkSuffix && ta.suffix < apkSufNone:
		return -1, nil
	case tb.kind == apkSuffix && tb.suffix < apkSufNone:
		return 1, nil
	case ta.kind > tb.kind:
		return -1, nil
	case ta.kind < tb.kind:
		return 1, nil
	}
	return 0, nil
}

// Valid reports whether apk-tools accepts v (apk_version_validate).
func (APK) Valid(v string) error {
	if v == "" {
		return invalid("apk", v, "empty")
	}
	var l apkLexer
	for l.first(v); l.kind < apkEnd; l.next() {
	}
	if l.kind != apkEnd {
		return invalid("apk", v, fmt.Sprintf("not digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}: bad token at byte %d", len(v)-len(l.rest)))
	}
	return nil
}

// cmpNatural orders what is left of two invalid versions: runs of digits
// as numbers, any other byte by its value, a proper prefix first.
func cmpNatural(a, b string) int {
	for a != "" && b != "" {
		if isDigit(a[0]) && isDigit(b[0]) {
			na, nb := span(a, isDigit), span(b, isDigit)
			if r := cmpDigits(a[:na], b[:nb]); r != 0 {
				return r
			}
			a, b = a[na:], b[nb:]
			continue
		}
		if a[0] != b[0] {
			return cmpBytes(a[:1], b[:1])
		}
		a, b = a[1:], b[1:]
	}
	return sign(len(a) - len(b))
}
