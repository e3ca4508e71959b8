package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// glob is an image name pattern: "*" matches any run of characters without
// "/", "**" any run including "/"; everything else matches itself. It is
// compiled to an RE2 regular expression, so matching is linear in the name.
type glob struct {
	src string
	re  *regexp.Regexp
}

func compileGlob(s string) (glob, error) {
	if s == "" {
		return glob{}, fmt.Errorf("empty pattern")
	}
	if strings.Contains(s, "***") {
		return glob{}, fmt.Errorf("pattern %q: at most two consecutive '*'", s)
	}
	if strings.ContainsAny(s, " \t\r\n?[]{}") {
		return glob{}, fmt.Errorf("pattern %q: only '*' and '**' are special; blanks, '?', brackets and braces are not allowed", s)
	}
	var b strings.Builder
	b.WriteString("^")
	for rest := s; rest != ""; {
		i := strings.IndexByte(rest, '*')
		switch {
		case i < 0:
			b.WriteString(regexp.QuoteMeta(rest))
			rest = ""
		case i > 0:
			b.WriteString(regexp.QuoteMeta(rest[:i]))
			rest = rest[i:]
		case strings.HasPrefix(rest, "**"):
			b.WriteString(".*")
			rest = rest[2:]
		default:
			b.WriteString("[^/]*")
			rest = rest[1:]
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return glob{}, fmt.Errorf("pattern %q: %w", s, err)
	}
	return glob{src: s, re: re}, nil
}

// match reports whether name matches the whole pattern.
func (g glob) match(name string) bool { return g.re.MatchString(name) }
