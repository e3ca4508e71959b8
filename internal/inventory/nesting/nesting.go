package nesting

import (
	"bytes"
	"fmt"
)

// JSON returns an error when b nests arrays and objects deeper than max,
// counting brackets outside strings. It checks no other syntax.
func JSON(b []byte, max int) error {
	return scan(b, max, false)
}

// TOML returns an error when b nests arrays, inline tables, table headers
// and dotted keys deeper than max, counting brackets outside strings and
// comments, plus the dots of a key ("a.b.c" is two levels below its table).
// It checks no other syntax.
func TOML(b []byte, max int) error {
	return scan(b, max, true)
}

func scan(b []byte, max int, isTOML bool) error {
	// dots counts the '.' outside strings since the last newline, '=', ','
	// or bracket: the dots of one key, or the one of a float.
	depth, dots := 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '#':
			if isTOML {
				i, dots = lineEnd(b, i), 0
			}
		case '.':
			if !isTOML {
				break
			}
			if dots++; depth+dots > max {
				return fmt.Errorf("TOML key nested deeper than %d at byte %d", max, i)
			}
		case '\n', '=', ',':
			dots = 0
		case '"':
			if isTOML && bytes.HasPrefix(b[i:], []byte(`"""`)) {
				i = multiLineEnd(b, i+3, '"')
			} else {
				i = stringEnd(b, i+1, '"', isTOML)
			}
		case '\'':
			switch {
			case !isTOML:
			case bytes.HasPrefix(b[i:], []byte(`'''`)):
				i = multiLineEnd(b, i+3, '\'')
			default:
				i = stringEnd(b, i+1, '\'', true)
			}
		case '[', '{':
			if depth, dots = depth+1, 0; depth > max {
				return fmt.Errorf("%s nested deeper than %d at byte %d", format(isTOML), max, i)
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
			dots = 0
		}
	}
	return nil
}

func format(isTOML bool) string {
	if isTOML {
		return "TOML"
	}
	return "JSON"
}

// lineEnd is the index of the newline ending the line at i (or the end).
func lineEnd(b []byte, i int) int {
	if j := bytes.IndexByte(b[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(b)
}

// stringEnd is the index of the quote closing a one-line string whose
// content starts at i. A backslash escapes the next byte except in TOML
// literal ('...') strings; a TOML string ends at the end of its line at the
// latest.
func stringEnd(b []byte, i int, quote byte, isTOML bool) int {
	escapes := quote == '"'
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c == quote:
			return i
		case c == '\n' && isTOML:
			return i
		case c == '\\' && escapes:
			i++
		}
	}
	return len(b)
}

// multiLineEnd is the index of the last quote closing a TOML multi-line
// string whose content starts at i: three quotes, plus up to two more that
// belong to the content.
func multiLineEnd(b []byte, i int, quote byte) int {
	closing := []byte{quote, quote, quote}
	for ; i < len(b); i++ {
		switch {
		case b[i] == '\\' && quote == '"':
			i++
		case bytes.HasPrefix(b[i:], closing):
			i += 2
			for n := 0; n < 2 && i+1 < len(b) && b[i+1] == quote; n++ {
				i++
			}
			return i
		}
	}
	return len(b)
}
