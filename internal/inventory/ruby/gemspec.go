package ruby

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// parseGemspec reads the gemspec RubyGems writes for an installed gem
// (Gem::Specification#to_ruby) without running it: a line reader of the
// assignments it needs, "<var>.name = ...", "<var>.version = ...",
// "<var>.license(s) = ...", whatever the block variable is called ("s" as
// RubyGems writes it, "spec" as Bundler's template does). Values must be
// literals: a string in double or single quotes, optionally followed by
// .freeze, Gem::Version.new("...") or .create("...") for the version, and
// for licences an array of such strings or %w[...]. The first assignment of
// each field counts. The "# stub: name version ..." comment RubyGems writes
// on the first lines stands in for a name or version not assigned.
//
// It returns the gem, one error per ignored field (unreadable licences:
// the gem stands without them), and an error when the gem cannot be known.
func (c *Cataloger) parseGemspec(r io.Reader, file string) (inventory.Package, []error, error) {
	lr := c.newLineReader(r)
	var (
		name, version, stubName, stubVersion string
		licenses                             []string
		hasLicenses                          bool
		bad                                  []error
	)
	for n := 1; ; n++ {
		line, truncated, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return inventory.Package{}, nil, err
		}
		s := bytes.TrimSpace(line)
		if stub, ok := bytes.CutPrefix(s, []byte("# stub: ")); ok && stubName == "" && !truncated {
			if f := strings.Fields(string(stub)); len(f) >= 2 {
				stubName, stubVersion = f[0], f[1]
			}
			continue
		}
		field, value, ok := assignment(s)
		if !ok {
			continue
		}
		if truncated {
			err := fmt.Errorf("line %d: %s: line longer than %d bytes", n, field, len(line))
			if field == "license" || field == "licenses" {
				bad, hasLicenses = append(bad, err), true
				continue
			}
			return inventory.Package{}, nil, err
		}
		switch field {
		case "name", "version":
			dst := &name
			if field == "version" {
				dst = &version
			}
			if *dst != "" {
				continue
			}
			v, err := parseString(value, field == "version")
			if err != nil {
				return inventory.Package{}, nil, fmt.Errorf("line %d: %s: %w", n, field, err)
			}
			*dst = v
		case "license", "licenses":
			if hasLicenses {
				continue
			}
			hasLicenses = true
			l, err := parseList(value)
			if err != nil {
				bad = append(bad, fmt.Errorf("line %d: %s: %w", n, field, err))
				continue
			}
			licenses = l
		}
	}
	if name == "" {
		name = stubName
	}
	if version == "" {
		version = stubVersion
	}
	switch {
	case name == "":
		return inventory.Package{}, nil, errors.New("no name")
	case !validName(name):
		return inventory.Package{}, nil, fmt.Errorf("invalid name %s", inventory.Clip(name, 80))
	case version == "":
		return inventory.Package{}, nil, fmt.Errorf("gem %s: no version", name)
	case !validVersion(version):
		return inventory.Package{}, nil, fmt.Errorf("gem %s: invalid version %s", name, inventory.Clip(version, 80))
	}
	licenses = slices.DeleteFunc(licenses, func(l string) bool { return strings.TrimSpace(l) == "" })
	for _, l := range licenses {
		if len(l) > maxLicense || strings.ContainsFunc(l, func(r rune) bool { return r < ' ' || r == 0x7f }) || len(licenses) > maxLicenses {
			bad, licenses = append(bad, fmt.Errorf("gem %s: invalid licences", name)), nil
			break
		}
	}
	if len(licenses) == 0 {
		licenses = nil
	}
	return inventory.Package{Name: name, Version: version, Type: inventory.TypeGem, Path: file, Licenses: licenses}, bad, nil
}

// maxLicense caps one licence string and maxLicenses their number.
const (
	maxLicense  = 256
	maxLicenses = 16
)

// assignment splits "<ident>.<field> = <value>" for the fields read; ok is
// false for any other line.
func assignment(s []byte) (field string, value []byte, ok bool) {
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || i > 0 && (s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9')) {
		i++
	}
	if i == 0 || i == len(s) || s[i] != '.' {
		return "", nil, false
	}
	rest := s[i+1:]
	for _, f := range []string{"name", "version", "licenses", "license"} {
		after, found := bytes.CutPrefix(rest, []byte(f))
		if !found {
			continue
		}
		after = bytes.TrimLeft(after, " \t")
		if len(after) == 0 || after[0] != '=' || len(after) > 1 && (after[1] == '=' || after[1] == '~') {
			return "", nil, false
		}
		return f, after[1:], true
	}
	return "", nil, false
}

// scanner reads the Ruby literals of one value.
type scanner struct {
	s []byte
	i int
}

func (p *scanner) spaces() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *scanner) eat(lit string) bool {
	if bytes.HasPrefix(p.s[p.i:], []byte(lit)) {
		p.i += len(lit)
		return true
	}
	return false
}

// end accepts the end of the value: nothing, or a comment.
func (p *scanner) end() error {
	p.spaces()
	if p.i < len(p.s) && p.s[p.i] != '#' {
		return fmt.Errorf("not a literal: unexpected %s", inventory.Clip(string(p.s[p.i:]), 40))
	}
	return nil
}

// str reads a quoted string and an optional ".freeze". Backslash escapes
// keep the escaped character (enough for names, versions and licences); an
// interpolation "#{" is not a literal.
func (p *scanner) str() (string, error) {
	p.spaces()
	if p.i >= len(p.s) || p.s[p.i] != '"' && p.s[p.i] != '\'' {
		return "", errors.New("not a string literal")
	}
	q := p.s[p.i]
	p.i++
	var b []byte
	for ; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			p.eat(".freeze")
			return string(b), nil
		case c == '\\' && p.i+1 < len(p.s):
			p.i++
			b = append(b, p.s[p.i])
		case c == '#' && q == '"' && p.i+1 < len(p.s) && p.s[p.i+1] == '{':
			return "", errors.New("string interpolation is not a literal")
		default:
			b = append(b, c)
		}
	}
	return "", errors.New("unterminated string")
}

// parseString reads a string value; a version may also be
// Gem::Version.new("...") or Gem::Version.create("...").
func parseString(v []byte, version bool) (string, error) {
	p := &scanner{s: v}
	p.spaces()
	wrapped := version && (p.eat("Gem::Version.new(") || p.eat("Gem::Version.create("))
	s, err := p.str()
	if err != nil {
		return "", err
	}
	if wrapped {
		p.spaces()
		if !p.eat(")") {
			return "", errors.New("Gem::Version.new without \")\"")
		}
	}
	return s, p.end()
}

// parseList reads a licence value: one string, an array of strings
// (optionally frozen), or %w[...] (any of the bracket pairs).
func parseList(v []byte) ([]string, error) {
	p := &scanner{s: v}
	p.spaces()
	if p.eat("%w") || p.eat("%W") {
		if p.i >= len(p.s) {
			return nil, errors.New("unterminated %w")
		}
		closer := map[byte]byte{'[': ']', '(': ')', '{': '}', '<': '>'}[p.s[p.i]]
		if closer == 0 {
			return nil, errors.New("unknown %w delimiter")
		}
		body, rest, ok := bytes.Cut(p.s[p.i+1:], []byte{closer})
		if !ok {
			return nil, errors.New("unterminated %w")
		}
		p.s, p.i = rest, 0
		p.eat(".freeze")
		return strings.Fields(string(body)), p.end()
	}
	if !p.eat("[") {
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return []string{s}, p.end()
	}
	var out []string
	for {
		p.spaces()
		if p.eat("]") {
			break
		}
		if len(out) > 0 && !p.eat(",") {
			return nil, errors.New("expected \",\" or \"]\"")
		}
		p.spaces()
		if len(out) > 0 && p.eat("]") { // trailing comma
			break
		}
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		if len(out) > maxLicenses {
			return nil, fmt.Errorf("more than %d licences", maxLicenses)
		}
	}
	p.eat(".freeze")
	return out, p.end()
}
