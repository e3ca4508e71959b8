package version

import (
	"strings"

	debversion "pault.ag/go/debian/version"
)

// Deb orders Debian and Ubuntu package versions as dpkg does:
// [epoch:]upstream[-revision], with dpkg's verrevcmp for the upstream
// version and the revision (letters sort before non-letters, '~' before
// everything, even the end of the string, digit runs compared as numbers).
//
// The comparison itself is pault.ag/go/debian/version.Compare, which passes
// every Debian vector. Its Parse is not used because it differs from dpkg's
// parseversion: it refuses versions that dpkg only warns about (and still
// compares), and it accepts an empty upstream version ("-1") that dpkg
// refuses. The split below follows dpkg's lib/dpkg/parse.c instead.
//
// Limit: bytes >= 0x80 (invalid in a Debian version; dpkg warns) sort after
// all ASCII punctuation here, as dpkg does where char is unsigned (arm64);
// dpkg on amd64, where char is signed, sorts them before punctuation.
type Deb struct{}

var _ Comparator = Deb{}

// Compare orders a and b as `dpkg --compare-versions` does. It returns an
// error only for what dpkg refuses outright (empty, embedded space, bad or
// too big epoch, empty upstream or revision); versions dpkg merely warns
// about (not starting with a digit, odd characters) are compared.
func (Deb) Compare(a, b string) (int, error) {
	va, err := parseDeb(a)
	if err != nil {
		return 0, err
	}
	vb, err := parseDeb(b)
	if err != nil {
		return 0, err
	}
	return sign(debversion.Compare(va, vb)), nil
}

// Valid reports what dpkg reports for v, its warnings included.
func (Deb) Valid(v string) error {
	d, err := parseDeb(v)
	if err != nil {
		return err
	}
	if !isDigit(d.Version[0]) {
		return invalid("deb", v, "version number does not start with digit")
	}
	for i := 0; i < len(d.Version); i++ {
		if c := d.Version[i]; !isAlnum(c) && !strings.ContainsRune(".-+~:", rune(c)) {
			return invalid("deb", v, "invalid character in version number")
		}
	}
	for i := 0; i < len(d.Revision); i++ {
		if c := d.Revision[i]; !isAlnum(c) && !strings.ContainsRune(".+~", rune(c)) {
			return invalid("deb", v, "invalid character in revision number")
		}
	}
	return nil
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// parseDeb splits v as dpkg's parseversion does and fails where it fails
// (not where it only warns). It does not allocate on success.
func parseDeb(v string) (debversion.Version, error) {
	s := v
	for len(s) > 0 && isBlank(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isBlank(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if s == "" {
		return debversion.Version{}, invalid("deb", v, "version string is empty")
	}
	if strings.IndexByte(s, ' ') >= 0 || strings.IndexByte(s, '\t') >= 0 {
		return debversion.Version{}, invalid("deb", v, "version string has embedded spaces")
	}
	var epoch uint
	if colon := strings.IndexByte(s, ':'); colon >= 0 {
		// strtol: an optional sign, then digits, which must end at the colon.
		e := s[:colon]
		neg := false
		if e != "" && (e[0] == '+' || e[0] == '-') {
			neg = e[0] == '-'
			e = e[1:]
		}
		n := 0
		for n < len(e) && isDigit(e[n]) {
			n++
		}
		switch {
		case n == 0: // strtol parsed nothing
			return debversion.Version{}, invalid("deb", v, "epoch in version is empty")
		case n != len(e):
			return debversion.Version{}, invalid("deb", v, "epoch in version is not number")
		}
		if cmpDigits(e, "2147483647") > 0 { // INT_MAX, the largest epoch dpkg takes
			if neg {
				return debversion.Version{}, invalid("deb", v, "epoch in version is negative")
			}
			return debversion.Version{}, invalid("deb", v, "epoch in version is too big")
		}
		for i := 0; i < len(e); i++ {
			epoch = epoch*10 + uint(e[i]-'0')
		}
		if neg && epoch != 0 {
			return debversion.Version{}, invalid("deb", v, "epoch in version is negative")
		}
		s = s[colon+1:]
		if s == "" {
			return debversion.Version{}, invalid("deb", v, "nothing after colon in version number")
		}
	}
	d := debversion.Version{Epoch: epoch, Version: s}
	if hyphen := strings.LastIndexByte(s, '-'); hyphen >= 0 {
		d.Version, d.Revision = s[:hyphen], s[hyphen+1:]
		if d.Revision == "" {
			return debversion.Version{}, invalid("deb", v, "revision number is empty")
		}
	}
	if d.Version == "" {
		return debversion.Version{}, invalid("deb", v, "version number is empty")
	}
	return d, nil
}
