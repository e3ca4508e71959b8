package python

import "bytes"

// checkDepth refuses a TOML (isTOML) or JSON document that nests arrays and
// tables deeper than max, before a parser recurses into it: BurntSushi/toml
// has no depth limit and spends minutes on 100,000 nested arrays. Brackets in
// strings and comments do not count; syntax is the parser's job, so an
// unterminated string simply ends the scan of its line (TOML) or the
// document (JSON).
func checkDepth(b []byte, max int, isTOML bool) error {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '#':
			if isTOML {
				i = lineEnd(b, i)
			}
		case '"':
			switch {
			case isTOML && bytes.HasPrefix(b[i:], []byte(`"""`)):
				i = multiLineEnd(b, i+3, '"')
			default:
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
			if depth++; depth > max {
				return skipFile("nested deeper than %d at byte %d", max, i)
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
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
// literal strings; a TOML string ends at the end of its line at the latest.
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
