package version

import "strings"

// RPM orders RPM package versions ([epoch:]version[-release]) as rpm does:
// rpmvercmp on each part (alphanumeric segments, digits newer than letters,
// '~' before everything, '^' after the base version but before any further
// segment), epochs compared as numbers with a missing epoch meaning 0.
//
// Written here rather than taken from github.com/knqyf263/go-rpm-version,
// which fails 20 of the Red Hat vectors: it reads any text before a colon as
// an epoch ("a:1", "1.m+e2:1"), where rpm only takes leading digits followed
// by a colon, and it treats an empty release ("1-") as no release.
//
// The split follows rpm's parseEVR: the epoch is the run of leading digits
// when a colon follows it, the release is what follows the last '-'. A
// version without a release sorts before the same version with any release
// (even an empty one), as in the vectors; rpm's dependency matching
// (rpmverCmp) instead skips the release when either side lacks one, which is
// a range test, not an order.
type RPM struct{}

var _ Comparator = RPM{}

type rpmEVR struct {
	epoch, version, release string
	hasRelease              bool
}

func parseRPM(s string) rpmEVR {
	var v rpmEVR
	n := span(s, isDigit)
	if n < len(s) && s[n] == ':' {
		v.epoch, s = s[:n], s[n+1:]
	}
	if v.epoch == "" {
		v.epoch = "0"
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		s, v.release, v.hasRelease = s[:i], s[i+1:], true
	}
	v.version = s
	return v
}

// Compare orders a and b by epoch, version, then release. It fails only for
// an empty string; rpmvercmp itself orders any bytes (non-ASCII bytes and
// punctuation other than '~' and '^' separate segments and are not compared).
func (RPM) Compare(a, b string) (int, error) {
	if a == "" {
		return 0, invalid("rpm", a, "empty")
	}
	if b == "" {
		return 0, invalid("rpm", b, "empty")
	}
	va, vb := parseRPM(a), parseRPM(b)
	if r := rpmvercmp(va.epoch, vb.epoch); r != 0 {
		return r, nil
	}
	if r := rpmvercmp(va.version, vb.version); r != 0 {
		return r, nil
	}
	switch {
	case va.hasRelease && vb.hasRelease:
		return rpmvercmp(va.release, vb.release), nil
	case va.hasRelease:
		return 1, nil
	case vb.hasRelease:
		return -1, nil
	}
	return 0, nil
}

// Valid reports whether v is an EVR that rpmbuild would produce: an optional
// all-digit epoch, a non-empty version and, if present, a non-empty release,
// each made only of ASCII letters, digits and . _ + ~ ^.
func (RPM) Valid(v string) error {
	if v == "" {
		return invalid("rpm", v, "empty")
	}
	s := v
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if i == 0 || span(s[:i], isDigit) != i {
			return invalid("rpm", v, "epoch is not a number")
		}
		s = s[i+1:]
	}
	ver, rel, hasRel := s, "", false
	if i := strings.IndexByte(s, '-'); i >= 0 {
		ver, rel, hasRel = s[:i], s[i+1:], true
	}
	if ver == "" {
		return invalid("rpm", v, "version is empty")
	}
	if hasRel && rel == "" {
		return invalid("rpm", v, "release is empty")
	}
	for _, part := range [2]string{ver, rel} {
		for i := 0; i < len(part); i++ {
			if c := part[i]; !isAlnum(c) && !strings.ContainsRune("._+~^", rune(c)) {
				return invalid("rpm", v, "invalid character "+quoteByte(c))
			}
		}
	}
	return nil
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(rune(c)) + "'"
	}
	const hex = "0123456789abcdef"
	return "0x" + string([]byte{hex[c>>4], hex[c&15]})
}

// rpmvercmp is rpm's rpmio/rpmvercmp.c algorithm, on Go strings (a NUL byte
// is a separator here rather than the end of the string).
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	isSep := func(c byte) bool { return !isAlnum(c) && c != '~' && c != '^' }
	for len(a) > 0 || len(b) > 0 {
		for len(a) > 0 && isSep(a[0]) {
			a = a[1:]
		}
		for len(b) > 0 && isSep(b[0]) {
			b = b[1:]
		}
		// '~' sorts before everything, the end of the string included.
		if a != "" && a[0] == '~' || b != "" && b[0] == '~' {
			if a == "" || a[0] != '~' {
				return 1
			}
			if b == "" || b[0] != '~' {
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		}
		// '^' sorts after the end of the string but before anything else.
		if a != "" && a[0] == '^' || b != "" && b[0] == '^' {
			if a == "" {
				return -1
			}
			if b == "" {
				return 1
			}
			if a[0] != '^' {
				return 1
			}
			if b[0] != '^' {
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		}
		if a == "" || b == "" {
			break
		}
		isNum := isDigit(a[0])
		var na, nb int
		if isNum {
			na, nb = span(a, isDigit), span(b, isDigit)
		} else {
			na, nb = span(a, isAlpha), span(b, isAlpha)
		}
		// A numeric segment is newer than an alphabetic one.
		if nb == 0 {
			if isNum {
				return 1
			}
			return -1
		}
		var r int
		if isNum {
			r = cmpDigits(a[:na], b[:nb])
		} else {
			r = cmpBytes(a[:na], b[:nb])
		}
		if r != 0 {
			return r
		}
		a, b = a[na:], b[nb:]
	}
	// Equal segments; whichever has something left (a separator) is newer.
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}
