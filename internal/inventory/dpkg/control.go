package dpkg

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory/lines"
)

// stanza is one deb822 paragraph, reduced to the fields the caller asked for.
type stanza struct {
	// line is the number of the stanza's first line.
	line int
	// fields holds the wanted fields by lower-case name; a multi-line value
	// keeps its continuation lines joined by "\n", leading blanks removed.
	fields map[string]string
	// err is the first problem found in the stanza; the stanza is unusable.
	err error
}

// controlParser reads deb822 control data (dpkg's status file, a control
// file) stanza by stanza, keeping only wanted fields and bounding memory: a
// line longer than the reader's buffer is truncated (an error if the field is
// wanted), a wanted value longer than maxValue is an error of its stanza.
// Stanzas are separated by lines that are empty or hold only blanks; lines
// starting with '#' are comments.
type controlParser struct {
	lr       *lines.Reader
	wanted   []string // lower-case names
	maxValue int
}

func newControlParser(r io.Reader, bufSize, maxValue int, wanted ...string) *controlParser {
	return &controlParser{lr: lines.NewReader(r, bufSize), wanted: wanted, maxValue: maxValue}
}

// next returns the next stanza, or io.EOF after the last one. Any other error
// is a read error: parsing cannot go on.
func (p *controlParser) next() (stanza, error) {
	var (
		st      stanza
		started bool
		last    string // lower-case name of the field being continued; "" none
		lastOK  bool   // whether last is wanted (its continuation is kept)
	)
	fail := func(format string, args ...any) {
		if st.err == nil {
			st.err = fmt.Errorf("line %d: "+format, append([]any{p.lr.N}, args...)...)
		}
	}
	for {
		line, truncated, err := p.lr.Next()
		if err == io.EOF {
			if started {
				return st, nil
			}
			return stanza{}, io.EOF
		}
		if err != nil {
			return stanza{}, err
		}
		if isBlank(line) {
			if started {
				return st, nil
			}
			continue
		}
		if line[0] == '#' {
			continue
		}
		if !started {
			started = true
			st = stanza{line: p.lr.N, fields: map[string]string{}}
		}
		if line[0] == ' ' || line[0] == '\t' {
			switch {
			case last == "":
				fail("continuation line outside a field")
			case lastOK:
				if truncated {
					fail("field %q: line longer than %d bytes", last, len(line))
					continue
				}
				v := st.fields[last] + "\n" + string(bytes.TrimLeft(line, " \t"))
				if len(v) > p.maxValue {
					fail("field %q: value longer than %d bytes", last, p.maxValue)
					continue
				}
				st.fields[last] = v
			}
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !validFieldName(line[:colon]) {
			fail("not a field: %q", clip(line, 40))
			last, lastOK = "-", false // swallow its continuation lines
			continue
		}
		name := p.wantedName(line[:colon])
		last, lastOK = name, name != ""
		if !lastOK {
			last = "-" // an unwanted field: its continuation lines are skipped
			continue
		}
		if truncated {
			fail("field %q: line longer than %d bytes", name, len(line))
			lastOK = false
			continue
		}
		if _, dup := st.fields[name]; dup {
			fail("duplicate field %q", name)
			lastOK = false
			continue
		}
		st.fields[name] = string(bytes.Trim(line[colon+1:], " \t"))
	}
}

// wantedName returns the wanted field name that name matches, ignoring case,
// or "" (without allocating: most fields of a status file are not wanted).
func (p *controlParser) wantedName(name []byte) string {
	for _, w := range p.wanted {
		if len(w) == len(name) && strings.EqualFold(w, string(name)) {
			return w
		}
	}
	return ""
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// validFieldName follows deb822: printable ASCII except ':' and space, not
// starting with '#' or '-'.
func validFieldName(b []byte) bool {
	if b[0] == '-' || b[0] == '#' {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// clip shortens b for an error message.
func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
