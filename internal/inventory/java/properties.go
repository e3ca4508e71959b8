package java

import (
	"strings"
	"unicode/utf8"
)

// maxProperties caps the keys parseProperties keeps; a pom.properties has 3-5.
const maxProperties = 256

// parseProperties reads a file in the syntax of java.util.Properties.load:
// logical lines joined by a backslash at the end of a physical line (an odd
// number of them), "#" and "!" comment lines, a key ended by the first
// unescaped '=', ':' or blank, escapes \t \n \r \f \uXXXX and \x for any
// other x. Bytes that are not UTF-8 are read as ISO-8859-1, as Java does. The
// first value of a key wins (Java keeps the last; a pom.properties never
// repeats one, and a hostile file gains nothing either way). It never fails:
// what it cannot read it skips.
func parseProperties(b []byte) map[string]string {
	s := latin1(b)
	out := map[string]string{}
	for len(s) > 0 {
		var line string
		line, s = logicalLine(s)
		key, val, ok := splitProperty(line)
		if !ok {
			continue
		}
		if _, dup := out[key]; dup {
			continue
		}
		if len(out) >= maxProperties {
			break
		}
		out[key] = val
	}
	return out
}

// latin1 returns b as a string, decoding it as ISO-8859-1 unless it is valid UTF-8.
func latin1(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// logicalLine cuts one logical line off s: physical lines ending in an odd
// number of backslashes continue on the next, whose leading blanks are
// dropped. Comment lines never continue. The line keeps its escapes.
func logicalLine(s string) (line, rest string) {
	var sb strings.Builder
	first := true
	for {
		phys, next, found := cutLine(s)
		s = next
		if first {
			phys = strings.TrimLeft(phys, " \t\f")
			if phys == "" && found {
				continue // blank line
			}
			if phys != "" && (phys[0] == '#' || phys[0] == '!') {
				return "", s
			}
			first = false
		} else {
			phys = strings.TrimLeft(phys, " \t\f")
		}
		n := 0
		for n < len(phys) && phys[len(phys)-1-n] == '\\' {
			n++
		}
		if n%2 == 1 && found {
			sb.WriteString(phys[:len(phys)-1])
			continue
		}
		if n%2 == 1 {
			phys = phys[:len(phys)-1] // a continuation at the end of the file continues into nothing
		}
		sb.WriteString(phys)
		return sb.String(), s
	}
}

// cutLine cuts one physical line ended by "\n", "\r" or "\r\n".
func cutLine(s string) (line, rest string, found bool) {
	i := strings.IndexAny(s, "\r\n")
	if i < 0 {
		return s, "", false
	}
	if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
		return s[:i], s[i+2:], true
	}
	return s[:i], s[i+1:], true
}

// splitProperty splits a logical line into its unescaped key and value.
func splitProperty(line string) (key, val string, ok bool) {
	if line == "" {
		return "", "", false
	}
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	if i > len(line) {
		i = len(line)
	}
	rawKey := line[:i]
	rest := strings.TrimLeft(line[i:], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return unescape(rawKey), unescape(rest), true
}

// unescape applies the escapes of the properties syntax. A malformed \u
// escape (Java throws) keeps its text as written.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			if c != '\\' {
				sb.WriteByte(c)
			}
			continue
		}
		i++
		switch e := s[i]; e {
		case 't':
			sb.WriteByte('\t')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 'f':
			sb.WriteByte('\f')
		case 'u':
			if r, ok := hex4(s[i+1:]); ok {
				sb.WriteRune(r)
				i += 4
			} else {
				sb.WriteString(`\u`)
			}
		default:
			sb.WriteByte(e)
		}
	}
	return sb.String()
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	return r, true
}
