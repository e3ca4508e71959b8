package suppress

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxEntries caps the entries of one ignore file.
const maxEntries = 100_000

// ignoreEntry is one entry of the YAML ignore file.
type ignoreEntry struct {
	ID      string `yaml:"id"`
	Package string `yaml:"package"`
	Reason  string `yaml:"reason"`
	Expires string `yaml:"expires"`
	// Path limits a secret or misconfiguration rule (VGL-...) to the
	// findings whose path matches this pattern (see matchPath).
	Path string `yaml:"path"`
}

var ignoreKeys = map[string]bool{"id": true, "package": true, "reason": true, "expires": true, "path": true}

// parseIgnore reads the YAML form, or the plain-text form when the first
// line that is neither blank nor a comment does not start a YAML mapping.
func parseIgnore(b []byte, file string) ([]*rule, error) {
	if isPlainIgnore(b) {
		return parsePlainIgnore(b, file)
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // empty
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: more than one YAML document", file)
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: line %d: expected a mapping with the key \"ignore\"", file, doc.Line)
	}
	var list *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "ignore":
			list = v
		default:
			return nil, fmt.Errorf("%s: line %d: unknown key %q (expected \"ignore\")", file, k.Line, k.Value)
		}
	}
	if list == nil || list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s: line %d: \"ignore\" must be a list of entries", file, list.Line)
	}
	if len(list.Content) > maxEntries {
		return nil, fmt.Errorf("%s: more than %d entries", file, maxEntries)
	}
	rules := make([]*rule, 0, len(list.Content))
	for i, n := range list.Content {
		r, err := ignoreRule(n, i, file)
		if err != nil {
			return nil, fmt.Errorf("%s: entry %d (line %d): %w", file, i+1, n.Line, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func ignoreRule(n *yaml.Node, i int, file string) (*rule, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errors.New("expected a mapping with id, reason and optional package and expires")
	}
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], n.Content[j+1]
		if !ignoreKeys[k.Value] {
			return nil, fmt.Errorf("line %d: unknown key %q (expected id, package, reason, expires)", k.Line, k.Value)
		}
		if v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: %s must be a string", v.Line, k.Value)
		}
	}
	var e ignoreEntry
	if err := n.Decode(&e); err != nil {
		return nil, err
	}
	return newIgnoreRule(e, i, n.Line, file)
}

func newIgnoreRule(e ignoreEntry, i, line int, file string) (*rule, error) {
	id := strings.TrimSpace(e.ID)
	if id == "" {
		return nil, errors.New("no id")
	}
	if strings.ContainsAny(id, " \t\r\n") {
		return nil, fmt.Errorf("id %q: must be one word", id)
	}
	r := &rule{kind: KindIgnoreFile, file: file, index: i, line: line, reason: strings.TrimSpace(e.Reason)}
	r.addIDs(id)
	if r.reason == "" {
		return nil, fmt.Errorf("%s: no reason (every entry must say why it is safe to ignore)", id)
	}
	if p := strings.TrimSpace(e.Package); p != "" {
		if strings.HasPrefix(strings.ToLower(p), "pkg:") {
			pat, err := parsePattern(p)
			if err != nil {
				return nil, fmt.Errorf("%s: package: %w", id, err)
			}
			r.pkgs = []purlPattern{pat}
		} else {
			r.name = p
		}
	}
	if p := strings.TrimSpace(e.Path); p != "" {
		if !isCheckID(id) {
			return nil, fmt.Errorf("%s: path applies only to secret and misconfiguration rules (VGL-...)", id)
		}
		if err := validPathPattern(p); err != nil {
			return nil, fmt.Errorf("%s: path: %w", id, err)
		}
		r.path = strings.TrimPrefix(p, "/")
	}
	if s := strings.TrimSpace(e.Expires); s != "" {
		t, err := parseTime(s)
		if err != nil {
			return nil, fmt.Errorf("%s: expires: %w", id, err)
		}
		r.expires = t
	}
	return r, nil
}

var yamlStart = regexp.MustCompile(`^(---|%|\{|- |[^\s#:]+\s*:(\s|$))`)

func isPlainIgnore(b []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, MaxDocument+1)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		return !yamlStart.MatchString(l)
	}
	return false
}

// parsePlainIgnore reads the plain-text form, one entry a line:
//
//	# reason on the line(s) above, or
//	CVE-2023-0286 exp:2027-01-31   # reason at the end of the line
func parsePlainIgnore(b []byte, file string) ([]*rule, error) {
	var rules []*rule
	var comment []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, MaxDocument+1)
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" {
			comment = nil
			continue
		}
		if c, ok := strings.CutPrefix(l, "#"); ok {
			comment = append(comment, strings.TrimSpace(c))
			continue
		}
		body, reason, _ := strings.Cut(l, "#")
		reason = strings.TrimSpace(reason)
		if reason == "" {
			reason = strings.TrimSpace(strings.Join(comment, " "))
		}
		comment = nil
		fields := strings.Fields(body)
		e := ignoreEntry{ID: fields[0], Reason: reason}
		for _, f := range fields[1:] {
			switch {
			case strings.HasPrefix(f, "exp:"):
				e.Expires = strings.TrimPrefix(f, "exp:")
			default:
				return nil, fmt.Errorf("%s: line %d: unexpected %q (expected ID [exp:YYYY-MM-DD] [# reason])", file, line, f)
			}
		}
		if len(rules) >= maxEntries {
			return nil, fmt.Errorf("%s: more than %d entries", file, maxEntries)
		}
		r, err := newIgnoreRule(e, len(rules), line, file)
		if err != nil {
			return nil, fmt.Errorf("%s: entry %d (line %d): %w", file, len(rules)+1, line, err)
		}
		rules = append(rules, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return rules, nil
}
