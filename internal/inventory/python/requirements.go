package python

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// parseRequirements reads a pip requirements file and returns its exact pins
// ("name==1.2.3", "name===1.2.3", with extras, environment markers, per-line
// options such as --hash, comments and backslash continuations). Option
// lines (-r, -c, -e, --index-url, ...), URL, path and VCS requirements and
// anything but one exact pin (ranges, wildcards, several clauses, no
// version) are skipped without a word: they name no single version. A line
// that is not a requirement at all is a warning.
func (c *Cataloger) parseRequirements(r io.Reader, file string, warn func(string, ...any)) ([]inventory.Package, error) {
	lim := &io.LimitedReader{R: r, N: c.cfg.MaxRequirementsBytes + 1}
	br := c.readers.get()
	defer c.readers.put(br)
	lr := newLineReader(br, lim, c.cfg.MaxLine)
	var (
		pkgs    []inventory.Package
		logical []byte // the line being joined from continuations
		pending bool   // whether logical holds a line
		start   int    // number of its first line
	)
	flush := func() error {
		if !pending {
			return nil
		}
		name, version, err := parseRequirement(string(logical))
		logical, pending = logical[:0], false
		switch {
		case err != nil:
			warn("line %d: %v", start, err)
		case name != "":
			if len(pkgs) == c.cfg.MaxPackages {
				return skipFile("more than %d requirements", c.cfg.MaxPackages)
			}
			pkgs = append(pkgs, pypi(name, version, file))
		}
		return nil
	}
	for {
		line, tooLong, err := lr.next()
		if lim.N <= 0 {
			return nil, skipFile("larger than %d bytes", c.cfg.MaxRequirementsBytes)
		}
		if errors.Is(err, io.EOF) {
			if err := flush(); err != nil {
				return nil, err
			}
			return pkgs, nil
		}
		if err != nil {
			return nil, err
		}
		if lr.n > c.cfg.MaxLines {
			return nil, skipFile("more than %d lines", c.cfg.MaxLines)
		}
		if lr.n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if tooLong {
			warn("line %d: longer than %d bytes", lr.n, c.cfg.MaxLine)
			logical, pending = logical[:0], false
			continue
		}
		if !pending {
			start, pending = lr.n, true
		}
		// As pip does: a line ending in a backslash continues on the next
		// one, unless it is a comment line.
		if bytes.HasSuffix(line, []byte(`\`)) && !isCommentLine(line) {
			logical = append(logical, line[:len(line)-1]...)
			if len(logical) > c.cfg.MaxLine {
				warn("line %d: longer than %d bytes", start, c.cfg.MaxLine)
				logical, pending = logical[:0], false
			}
			continue
		}
		logical = append(logical, line...)
		if len(logical) > c.cfg.MaxLine {
			warn("line %d: longer than %d bytes", start, c.cfg.MaxLine)
			logical, pending = logical[:0], false
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
}

// isCommentLine is pip's test for a comment line: '#' first, after blanks.
func isCommentLine(b []byte) bool {
	return len(bytes.TrimLeft(b, " \t")) > 0 && bytes.TrimLeft(b, " \t")[0] == '#'
}

// parseRequirement returns the name and version of a requirement line that
// pins exactly one version. A line that names no single version gives
// ("", "", nil); one that is no requirement at all, an error.
func parseRequirement(line string) (name, version string, err error) {
	// A comment starts at '#' at the start or after a blank (so a '#' in a
	// URL fragment is not one).
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			line = line[:i]
			break
		}
	}
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '-' {
		return "", "", nil // blank, comment or an option line (-r, -e, --index-url, ...)
	}
	// The requirement is the words before the first option (--hash=...).
	s := line
	for i := 1; i < len(line); i++ {
		if line[i] == '-' && (line[i-1] == ' ' || line[i-1] == '\t') {
			s = line[:i]
			break
		}
	}
	s, _, _ = strings.Cut(s, ";") // environment markers
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, `/\@`) {
		return "", "", nil // a URL, a VCS reference, a path, "name @ url"
	}
	n := 0
	for n < len(s) && (isAlnum(s[n]) || s[n] == '.' || s[n] == '_' || s[n] == '-') {
		n++
	}
	name, rest := s[:n], strings.TrimSpace(s[n:])
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", "", fmt.Errorf("unclosed extras in %q", clip(s))
		}
		rest = strings.TrimSpace(rest[end+1:])
	}
	if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
		rest = strings.TrimSpace(rest[1 : len(rest)-1]) // "name (==1.0)", the old form
	}
	if name == "" || rest != "" && !strings.ContainsAny(rest[:1], "=!<>~") {
		return "", "", fmt.Errorf("not a requirement: %q", clip(s))
	}
	if err := checkName(name); err != nil {
		return "", "", err
	}
	if strings.Contains(rest, ",") {
		return "", "", nil // several clauses: a range
	}
	v, ok := exactPin(rest)
	if !ok {
		return "", "", nil // no version, a range or a wildcard
	}
	if err := checkVersion(v); err != nil {
		return "", "", fmt.Errorf("%s: %w", name, err)
	}
	// Copies: the line may be long (hashes) and is not worth keeping.
	return strings.Clone(name), strings.Clone(v), nil
}
