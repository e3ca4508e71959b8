package policy

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/match"
	"go.yaml.in/yaml/v3"
)

// APIVersion and Kind head every policy file.
const (
	APIVersion = "vigil.dev/v1"
	Kind       = "Policy"
)

// Limits on a policy file. A policy is configuration, but it may come from a
// ConfigMap or a repository the webhook does not control.
const (
	MaxPolicySize     = 1 << 20 // bytes of YAML
	MaxKeyFileSize    = 64 << 10
	MaxRules          = 1000
	MaxExpressionSize = 8 << 10 // bytes of one CEL expression
)

// Policy is a parsed, compiled policy. It is immutable after Parse and safe
// for concurrent use by any number of goroutines.
type Policy struct {
	file        string
	name        string
	registries  []glob
	signers     []Signer
	minSigners  int
	vulns       *vulnRule
	maxAge      time.Duration
	maxAgeText  string
	labels      []labelRule
	podSecurity string
	secrets     *findingRule
	misconfigs  *findingRule
	rules       []*rule
	cel         *celFields
}

// Signer is a required signer: a public key the caller verifies signatures with.
type Signer struct {
	Name string
	// PublicKey is the PEM-encoded PKIX public key.
	PublicKey []byte
	// KeyID is the hex SHA-256 of the key's PKIX DER encoding.
	KeyID string
}

type vulnRule struct {
	hasMax      bool
	max         match.Severity // violation when severity > max
	maxText     string         // as written
	none        bool           // maxSeverity: none, any vulnerability is a violation
	onlyFixable bool
	deny        map[string]bool // upper-case IDs
	ignore      map[string]bool
}

type findingRule struct {
	max     finding.Severity
	maxText string
	none    bool
	ignore  map[string]bool
}

type labelRule struct {
	key   string
	value *regexp.Regexp // nil: any value
	text  string
}

// Name is metadata.name, or the file name when the policy has none.
func (p *Policy) Name() string {
	if p.name != "" {
		return p.name
	}
	return p.file
}

// Signers returns the required signers, in file order. The caller verifies
// signatures with their keys and lists the verified ones in Input.Signatures.
func (p *Policy) Signers() []Signer {
	out := make([]Signer, len(p.signers))
	for i, s := range p.signers {
		s.PublicKey = bytes.Clone(s.PublicKey)
		out[i] = s
	}
	return out
}

// MinSigners is how many of Signers must have signed: signers.minimum, or
// all of them when the policy does not say.
func (p *Policy) MinSigners() int { return p.minSigners }

// posError is an error at a position in the YAML file; Parse prefixes the file name.
type posError struct {
	line, col int
	msg       string
}

func (e *posError) Error() string {
	if e.col > 0 {
		return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg)
	}
	return fmt.Sprintf("%d: %s", e.line, e.msg)
}

// posErrors are "line:col: msg" lines; Parse prefixes each with the file name.
type posErrors []string

func (e posErrors) Error() string { return strings.Join(e, "\n") }

func errAt(n *yaml.Node, format string, args ...any) error {
	if n == nil {
		return &posError{line: 1, msg: fmt.Sprintf(format, args...)}
	}
	return &posError{line: n.Line, col: n.Column, msg: fmt.Sprintf(format, args...)}
}

// at is a YAML value that remembers where it was written.
type at[T any] struct {
	V    T
	node *yaml.Node
}

func (a *at[T]) UnmarshalYAML(n *yaml.Node) error {
	a.node = n
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return errAt(n, "value must not be empty")
	}
	return n.Decode(&a.V)
}

func (a *at[T]) set() bool { return a != nil && a.node != nil }

type rawPolicy struct {
	APIVersion        at[string]      `yaml:"apiVersion"`
	Kind              at[string]      `yaml:"kind"`
	Metadata          *rawMetadata    `yaml:"metadata"`
	Registries        []at[string]    `yaml:"registries"`
	Signers           *rawSigners     `yaml:"signers"`
	Vulnerabilities   *rawVulns       `yaml:"vulnerabilities"`
	MaxAge            *at[string]     `yaml:"maxAge"`
	Labels            []rawLabel      `yaml:"labels"`
	PodSecurity       *at[string]     `yaml:"podSecurity"`
	Secrets           *rawFindingRule `yaml:"secrets"`
	Misconfigurations *rawFindingRule `yaml:"misconfigurations"`
	Rules             []rawRule       `yaml:"rules"`
}

type rawMetadata struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

type rawSigners struct {
	Minimum *at[int] `yaml:"minimum"`
	Keys    []rawKey `yaml:"keys"`
}

type rawKey struct {
	Name      at[string]  `yaml:"name"`
	PublicKey *at[string] `yaml:"publicKey"`
	KeyFile   *at[string] `yaml:"keyFile"`
}

type rawVulns struct {
	MaxSeverity *at[string]  `yaml:"maxSeverity"`
	OnlyFixable bool         `yaml:"onlyFixable"`
	Deny        []at[string] `yaml:"deny"`
	Ignore      []at[string] `yaml:"ignore"`
}

type rawFindingRule struct {
	MaxSeverity at[string]   `yaml:"maxSeverity"`
	Ignore      []at[string] `yaml:"ignore"`
}

type rawLabel struct {
	Key   at[string]  `yaml:"key"`
	Value *at[string] `yaml:"value"`
}

type rawRule struct {
	Name              at[string]  `yaml:"name"`
	Deny              at[string]  `yaml:"deny"`
	Message           string      `yaml:"message"`
	MessageExpression *at[string] `yaml:"messageExpression"`
}

// Parse reads and compiles a policy. name is the file name used in error
// messages ("name:line:col: ...") and the directory that relative keyFile
// paths are read from. Unknown keys are errors; every CEL expression is
// compiled here, so Evaluate never meets a syntax or type error.
func Parse(r io.Reader, name string) (*Policy, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxPolicySize+1))
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w", name, err)
	}
	if len(src) > MaxPolicySize {
		return nil, fmt.Errorf("%s: policy larger than %d bytes", name, MaxPolicySize)
	}
	var raw rawPolicy
	var root yaml.Node
	if err := decodeStrict(src, &root, &raw); err != nil {
		return nil, fileError(name, err)
	}
	p, err := build(&raw, &root, src, name)
	if err != nil {
		return nil, fileError(name, err)
	}
	return p, nil
}

// decodeStrict decodes one YAML document, rejecting unknown keys and a
// second document.
func decodeStrict(src []byte, root *yaml.Node, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(root); err != nil {
		if errors.Is(err, io.EOF) {
			return &posError{line: 1, msg: "empty document"}
		}
		return err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return &posError{line: extra.Line, msg: "more than one YAML document"}
	} else if !errors.Is(err, io.EOF) {
		return err
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return errAt(root, "want a mapping at the top level")
	}
	dec = yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	return dec.Decode(v)
}

var (
	yamlLineRE    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownKeyRE  = regexp.MustCompile(`^field (.*) not found in type \S+$`)
	typeNameInMsg = regexp.MustCompile(` into (\S+)$`)
)

// fileError turns a decoding or validation error into "name:line[:col]: msg"
// lines, one per problem.
func fileError(name string, err error) error {
	var pes posErrors
	if errors.As(err, &pes) {
		out := make([]string, len(pes))
		for i, l := range pes {
			out[i] = name + ":" + l
		}
		return errors.New(strings.Join(out, "\n"))
	}
	var pe *posError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%s", name, pe.Error())
	}
	var te *yaml.TypeError
	var lines []string
	if errors.As(err, &te) {
		lines = te.Errors
	} else {
		lines = strings.Split(err.Error(), "\n")
	}
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		m := yamlLineRE.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			out = append(out, fmt.Sprintf("%s: %s", name, strings.TrimPrefix(l, "yaml: ")))
			continue
		}
		msg := m[2]
		if k := unknownKeyRE.FindStringSubmatch(msg); k != nil {
			msg = fmt.Sprintf("unknown key %q", k[1])
		} else {
			msg = typeNameInMsg.ReplaceAllStringFunc(msg, wantType)
		}
		out = append(out, fmt.Sprintf("%s:%s: %s", name, m[1], msg))
	}
	return errors.New(strings.Join(out, "\n"))
}

// wantType rewrites yaml.v3's " into <Go type>" as what the file should hold.
func wantType(into string) string {
	t := strings.TrimPrefix(into, " into ")
	switch {
	case strings.HasPrefix(t, "[]") || strings.HasPrefix(t, "*[]"):
		return " (want a list)"
	case strings.Contains(t, "policy.raw") || strings.HasPrefix(t, "map["):
		return " (want a mapping)"
	case strings.Contains(t, "policy.at["):
		t = t[strings.Index(t, "policy.at[")+len("policy.at["):]
		return " (want " + strings.TrimSuffix(t, "]") + ")"
	case strings.Contains(t, "."):
		return ""
	}
	return " (want " + t + ")"
}

func build(raw *rawPolicy, root *yaml.Node, src []byte, file string) (*Policy, error) {
	top := root.Content[0]
	if !raw.APIVersion.set() {
		return nil, errAt(top, "apiVersion: missing (want %q)", APIVersion)
	}
	if raw.APIVersion.V != APIVersion {
		return nil, errAt(raw.APIVersion.node, "apiVersion %q: want %q", raw.APIVersion.V, APIVersion)
	}
	if !raw.Kind.set() {
		return nil, errAt(top, "kind: missing (want %q)", Kind)
	}
	if raw.Kind.V != Kind {
		return nil, errAt(raw.Kind.node, "kind %q: want %q", raw.Kind.V, Kind)
	}
	p := &Policy{file: file}
	if raw.Metadata != nil {
		p.name = raw.Metadata.Name
	}
	for _, r := range raw.Registries {
		g, err := compileGlob(r.V)
		if err != nil {
			return nil, errAt(r.node, "registries: %v", err)
		}
		p.registries = append(p.registries, g)
	}
	if err := p.buildSigners(raw.Signers, file); err != nil {
		return nil, err
	}
	if err := p.buildVulns(raw.Vulnerabilities); err != nil {
		return nil, err
	}
	if raw.MaxAge != nil {
		d, err := parseAge(raw.MaxAge.V)
		if err != nil {
			return nil, errAt(raw.MaxAge.node, "maxAge: %v", err)
		}
		p.maxAge, p.maxAgeText = d, raw.MaxAge.V
	}
	seen := map[string]bool{}
	for _, l := range raw.Labels {
		if !l.Key.set() || l.Key.V == "" {
			return nil, errAt(l.Key.node, "labels: key missing")
		}
		if seen[l.Key.V] {
			return nil, errAt(l.Key.node, "labels: key %q listed twice", l.Key.V)
		}
		seen[l.Key.V] = true
		lr := labelRule{key: l.Key.V}
		if l.Value != nil {
			re, err := regexp.Compile(`^(?:` + l.Value.V + `)$`)
			if err != nil {
				return nil, errAt(l.Value.node, "labels: value of %q: %v", l.Key.V, err)
			}
			lr.value, lr.text = re, l.Value.V
		}
		p.labels = append(p.labels, lr)
	}
	if raw.PodSecurity != nil {
		switch v := raw.PodSecurity.V; v {
		case "privileged", "baseline", "restricted":
			p.podSecurity = v
		default:
			return nil, errAt(raw.PodSecurity.node, "podSecurity %q: want baseline, restricted or privileged", v)
		}
	}
	var err error
	if p.secrets, err = buildFindingRule(raw.Secrets, "secrets"); err != nil {
		return nil, err
	}
	if p.misconfigs, err = buildFindingRule(raw.Misconfigurations, "misconfigurations"); err != nil {
		return nil, err
	}
	if len(raw.Rules) > MaxRules {
		return nil, errAt(top, "rules: more than %d", MaxRules)
	}
	if len(raw.Rules) > 0 {
		env, err := newEnv()
		if err != nil {
			return nil, fmt.Errorf("CEL environment: %w", err)
		}
		var errs []string
		names := map[string]bool{}
		for i := range raw.Rules {
			rr := &raw.Rules[i]
			if !rr.Name.set() || rr.Name.V == "" {
				return nil, errAt(rr.Deny.node, "rules: name missing")
			}
			if !validRuleName(rr.Name.V) {
				return nil, errAt(rr.Name.node, "rules: name %q: use letters, digits, '-', '_' and '.'", rr.Name.V)
			}
			if names[rr.Name.V] {
				return nil, errAt(rr.Name.node, "rules: name %q used twice", rr.Name.V)
			}
			names[rr.Name.V] = true
			if !rr.Deny.set() {
				return nil, errAt(rr.Name.node, "rule %s: deny expression missing", rr.Name.V)
			}
			r, msgs := compileRule(env, rr, src)
			for _, m := range msgs {
				errs = append(errs, m)
			}
			if r != nil {
				p.rules = append(p.rules, r)
			}
		}
		if len(errs) > 0 {
			return nil, posErrors(errs)
		}
		p.cel = newCELFields()
	}
	return p, nil
}

func validRuleName(s string) bool {
	if len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c == '_' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func (p *Policy) buildSigners(raw *rawSigners, file string) error {
	if raw == nil {
		return nil
	}
	names, ids := map[string]bool{}, map[string]bool{}
	for _, k := range raw.Keys {
		if !k.Name.set() || k.Name.V == "" {
			return errAt(k.Name.node, "signers: key name missing")
		}
		if names[k.Name.V] {
			return errAt(k.Name.node, "signers: name %q used twice", k.Name.V)
		}
		names[k.Name.V] = true
		var pemBytes []byte
		var where *yaml.Node
		switch {
		case k.PublicKey != nil && k.KeyFile != nil:
			return errAt(k.KeyFile.node, "signer %s: set publicKey or keyFile, not both", k.Name.V)
		case k.PublicKey != nil:
			pemBytes, where = []byte(k.PublicKey.V), k.PublicKey.node
		case k.KeyFile != nil:
			where = k.KeyFile.node
			path := k.KeyFile.V
			if !filepath.IsAbs(path) {
				path = filepath.Join(filepath.Dir(file), path)
			}
			b, err := readFileLimited(path, MaxKeyFileSize)
			if err != nil {
				return errAt(where, "signer %s: %v", k.Name.V, err)
			}
			pemBytes = b
		default:
			return errAt(k.Name.node, "signer %s: publicKey or keyFile missing", k.Name.V)
		}
		id, err := keyID(pemBytes)
		if err != nil {
			return errAt(where, "signer %s: %v", k.Name.V, err)
		}
		if ids[id] {
			return errAt(where, "signer %s: the same key is listed twice", k.Name.V)
		}
		ids[id] = true
		p.signers = append(p.signers, Signer{Name: k.Name.V, PublicKey: pemBytes, KeyID: id})
	}
	p.minSigners = len(p.signers)
	if raw.Minimum != nil {
		if raw.Minimum.V < 1 || raw.Minimum.V > len(p.signers) {
			return errAt(raw.Minimum.node, "signers: minimum %d: want 1 to %d (the number of keys)", raw.Minimum.V, len(p.signers))
		}
		p.minSigners = raw.Minimum.V
	}
	return nil
}

func readFileLimited(path string, limit int64) ([]byte, error) {
	// A FIFO or device would block or never end: read regular files only.
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read key file %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("key file %s larger than %d bytes", path, limit)
	}
	return b, nil
}

// keyID checks that b is one PEM "PUBLIC KEY" block and returns the hex
// SHA-256 of its DER bytes.
func keyID(b []byte) (string, error) {
	block, rest := pem.Decode(b)
	if block == nil {
		return "", errors.New("no PEM block in the public key")
	}
	if block.Type != "PUBLIC KEY" {
		return "", fmt.Errorf("PEM block is %q, want \"PUBLIC KEY\"", block.Type)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return "", errors.New("more than one PEM block in the public key")
	}
	if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
		return "", fmt.Errorf("parse public key: %w", err)
	}
	sum := sha256.Sum256(block.Bytes)
	return hex.EncodeToString(sum[:]), nil
}

// KeyID is the key ID of a PEM-encoded PKIX public key as Signer.KeyID and
// Signature.KeyID carry it: the hex SHA-256 of its DER bytes.
func KeyID(pemKey []byte) (string, error) { return keyID(pemKey) }

func (p *Policy) buildVulns(raw *rawVulns) error {
	if raw == nil {
		return nil
	}
	v := &vulnRule{onlyFixable: raw.OnlyFixable, deny: map[string]bool{}, ignore: map[string]bool{}}
	if raw.MaxSeverity != nil {
		v.hasMax, v.maxText = true, raw.MaxSeverity.V
		if strings.EqualFold(raw.MaxSeverity.V, "none") {
			v.none = true
		} else {
			s, err := match.ParseSeverity(raw.MaxSeverity.V)
			if err != nil {
				return errAt(raw.MaxSeverity.node, "vulnerabilities.maxSeverity: %v (or none)", err)
			}
			v.max, v.maxText = s, s.String()
		}
	}
	for _, id := range raw.Deny {
		if strings.TrimSpace(id.V) == "" {
			return errAt(id.node, "vulnerabilities.deny: empty ID")
		}
		v.deny[strings.ToUpper(strings.TrimSpace(id.V))] = true
	}
	for _, id := range raw.Ignore {
		k := strings.ToUpper(strings.TrimSpace(id.V))
		if k == "" {
			return errAt(id.node, "vulnerabilities.ignore: empty ID")
		}
		if v.deny[k] {
			return errAt(id.node, "vulnerabilities: %s is both denied and ignored", id.V)
		}
		v.ignore[k] = true
	}
	p.vulns = v
	return nil
}

func buildFindingRule(raw *rawFindingRule, key string) (*findingRule, error) {
	if raw == nil {
		return nil, nil
	}
	if !raw.MaxSeverity.set() {
		return nil, &posError{line: 1, msg: key + ": maxSeverity missing"}
	}
	r := &findingRule{ignore: map[string]bool{}}
	if strings.EqualFold(raw.MaxSeverity.V, "none") {
		r.none, r.maxText = true, "none"
	} else {
		s, ok := finding.ParseSeverity(strings.TrimSpace(raw.MaxSeverity.V))
		if !ok {
			return nil, errAt(raw.MaxSeverity.node, "%s.maxSeverity %q: want none, unknown, low, medium, high or critical", key, raw.MaxSeverity.V)
		}
		r.max, r.maxText = s, s.String()
	}
	for _, id := range raw.Ignore {
		r.ignore[id.V] = true
	}
	return r, nil
}

// parseAge reads a Go duration ("720h", "1h30m") or a number of days ("30d").
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 32)
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("%q: want a whole number of days (\"30d\") or a Go duration (\"720h\")", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		d, err = time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("%q: want a whole number of days (\"30d\") or a Go duration (\"720h\")", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: must be positive", s)
	}
	return d, nil
}
