package k8s

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/pod-security-admission/api"

	"github.com/vigil-sec/vigil/internal/finding"
)

// Config says what Check accepts and which checks run.
type Config struct {
	// MaxBytes caps the input; a larger input is an error.
	MaxBytes int64
	// MaxDocuments caps the YAML documents of one input.
	MaxDocuments int
	// MaxNodes caps the YAML nodes of one input, over all its documents.
	MaxNodes int
	// MaxDepth caps the nesting of any document.
	MaxDepth int
	// PSSLevels lists the Pod Security Standards levels to evaluate
	// ("baseline", "restricted"); empty turns PSS checks off. As in
	// Kubernetes, "restricted" includes the baseline checks; with both
	// levels each failing check is reported once, at baseline when it fails
	// there (see the package doc).
	PSSLevels []string
	// AllowedRegistries lists the registries (or registry/path prefixes,
	// "ghcr.io/acme") images may come from; empty turns the check off.
	// Images without a registry are docker.io ("nginx" is
	// "docker.io/library/nginx").
	AllowedRegistries []string
}

// DefaultConfig returns caps generous for real manifests (Helm output of
// large charts) and both PSS levels.
func DefaultConfig() Config {
	return Config{
		MaxBytes:     64 << 20,
		MaxDocuments: 20000,
		MaxNodes:     5_000_000,
		MaxDepth:     100,
		PSSLevels:    []string{string(api.LevelBaseline), string(api.LevelRestricted)},
	}
}

// Validate reports a config Check cannot use.
func (c Config) Validate() error {
	if c.MaxBytes <= 0 || c.MaxDocuments <= 0 || c.MaxNodes <= 0 || c.MaxDepth <= 0 {
		return errors.New("k8s config: MaxBytes, MaxDocuments, MaxNodes and MaxDepth must be positive")
	}
	for _, l := range c.PSSLevels {
		if l != string(api.LevelBaseline) && l != string(api.LevelRestricted) {
			return fmt.Errorf("k8s config: PSS level %q: want baseline or restricted", l)
		}
	}
	return nil
}

// Object is one Kubernetes object found in the input.
type Object struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	// Line is the object's first line in the file.
	Line int `json:"line"`
	// HelmSource is the chart template from a "# Source:" comment.
	HelmSource string `json:"helmSource,omitempty"`
	// Checked is set for pod-bearing kinds, which the checks ran on.
	Checked bool `json:"checked"`
}

// DocError is a document (or List item) that could not be decoded. It
// produces no findings; the other documents are still checked.
type DocError struct {
	Path string
	// Document is the 0-based index of the document in the input.
	Document int
	Line     int
	Err      error
}

func (e *DocError) Error() string {
	return fmt.Sprintf("%s:%d: document %d: %v", e.Path, e.Line, e.Document, e.Err)
}

func (e *DocError) Unwrap() error { return e.Err }

// Result is what Check found in one input.
type Result struct {
	// Findings are ordered by line, then rule ID, container and message.
	Findings []finding.Finding
	// Errors lists documents that were skipped, in input order.
	Errors  []*DocError
	Objects []Object
}

// ErrLimit is wrapped by the errors Check returns when the input exceeds a
// cap of Config; the Result then holds what was checked before it.
var ErrLimit = errors.New("manifest exceeds a limit")

// Check reads Kubernetes manifests (YAML or JSON, one or more documents,
// List kinds) from r and checks every pod-bearing object. path is used in
// locations only. The error is for the input as a whole (read failure,
// caps, cancellation); a bad document is a DocError in the Result.
func Check(ctx context.Context, r io.Reader, path string, cfg Config) (Result, error) {
	return check(ctx, r, path, cfg, nil)
}

// check is Check with a hook that sees every decoded workload (tests).
func check(ctx context.Context, r io.Reader, path string, cfg Config, hook func(object, source string, w *workload)) (Result, error) {
	var res Result
	if err := cfg.Validate(); err != nil {
		return res, err
	}
	data, err := io.ReadAll(io.LimitReader(r, cfg.MaxBytes+1))
	if err != nil {
		return res, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > cfg.MaxBytes {
		return res, fmt.Errorf("read %s: %w: more than %d bytes", path, ErrLimit, cfg.MaxBytes)
	}
	c := checker{cfg: cfg, path: path, pss: newPSS(cfg.PSSLevels), registries: parseAllowlist(cfg.AllowedRegistries), hook: hook}
	b := budget{maxNodes: cfg.MaxNodes, maxDepth: cfg.MaxDepth}
	doc := -1
	for _, ch := range splitDocuments(data) {
		if err := ctx.Err(); err != nil {
			return c.result(), err
		}
		c.cur = ch
		n, err := parseChunk(ch)
		if n == nil && err == nil {
			continue // empty or comments only
		}
		doc++
		if doc >= cfg.MaxDocuments {
			return c.result(), fmt.Errorf("%s: %w: more than %d documents", path, ErrLimit, cfg.MaxDocuments)
		}
		if err != nil {
			c.docErr(doc, ch.startLine, err)
			continue
		}
		if err := b.walk(n, 0); err != nil {
			if errors.Is(err, errTooManyNodes) {
				return c.result(), fmt.Errorf("%s: %w: %w", path, ErrLimit, err)
			}
			c.docErr(doc, ch.startLine+n.Line-1, err)
			continue
		}
		c.document(doc, ch, n)
	}
	return c.result(), nil
}

type checker struct {
	cfg        Config
	path       string
	pss        pssPlan
	registries []string
	rules      map[string]Rule
	hook       func(object, source string, w *workload)
	cur        chunk               // the document being checked
	parts      [][]finding.Finding // findings of each object
	res        Result
}

func (c *checker) docErr(doc, line int, err error) {
	if le, ok := errors.AsType[*lineError](err); ok {
		line, err = c.cur.startLine+le.line-1, le.err
	}
	c.res.Errors = append(c.res.Errors, &DocError{Path: c.path, Document: doc, Line: line, Err: err})
}

// result puts the findings together. Objects come in line order, and each
// object's findings lie between its first line and the next object's, so
// sorting within each object orders the whole; one final copy avoids
// regrowing a slice of large structs.
func (c *checker) result() Result {
	for _, p := range c.parts {
		slices.SortStableFunc(p, func(a, b finding.Finding) int {
			return cmp.Or(
				cmp.Compare(a.Location.Line, b.Location.Line),
				cmp.Compare(a.RuleID, b.RuleID),
				cmp.Compare(a.Location.Container, b.Location.Container),
				cmp.Compare(a.Message, b.Message),
			)
		})
	}
	c.res.Findings = slices.Concat(c.parts...)
	c.parts = nil
	return c.res
}

// document handles one parsed document: an object or a List of objects.
func (c *checker) document(doc int, ch chunk, n *yaml.Node) {
	abs := func(line int) int { return ch.startLine + line - 1 }
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		c.docErr(doc, abs(n.Line), errors.New("document is not a mapping"))
		return
	}
	kind := scalar(n, "kind")
	items := child(n, "items")
	if strings.HasSuffix(kind, "List") && items != nil {
		if items.Kind != yaml.SequenceNode {
			if items.ShortTag() != "!!null" {
				c.docErr(doc, abs(items.Line), fmt.Errorf("%s: items is not a list", kind))
			}
			return
		}
		for _, it := range items.Content {
			if it.Kind != yaml.MappingNode {
				c.docErr(doc, abs(it.Line), fmt.Errorf("%s item is not a mapping", kind))
				continue
			}
			c.object(doc, ch, it)
		}
		return
	}
	c.object(doc, ch, n)
}

func (c *checker) object(doc int, ch chunk, n *yaml.Node) {
	abs := func(line int) int { return ch.startLine + line - 1 }
	kind := scalar(n, "kind")
	if kind == "" {
		c.docErr(doc, abs(n.Line), errors.New("object has no kind"))
		return
	}
	meta := child(n, "metadata")
	obj := Object{Kind: kind, Namespace: scalar(meta, "namespace"), Name: scalar(meta, "name"), Line: abs(n.Line), HelmSource: ch.source}
	w, ok, err := decodeWorkload(n)
	if err != nil {
		c.docErr(doc, abs(n.Line), err)
		return
	}
	obj.Checked = ok
	c.res.Objects = append(c.res.Objects, obj)
	if !ok {
		return
	}
	ns := w.meta.Namespace
	if ns == "" {
		ns = "default"
	}
	c.parts = append(c.parts, nil)
	t := target{c: c, abs: abs, line: obj.Line, object: kind + "/" + ns + "/" + w.meta.Name, source: ch.source}
	if c.hook != nil {
		c.hook(t.object, ch.source, &w)
	}
	c.checkPSS(&t, &w)
	c.checkPod(&t, &w)
}

// target carries what every finding of one object shares.
type target struct {
	c      *checker
	abs    func(int) int
	line   int
	object string
	source string
}

func (t *target) add(r Rule, n *yaml.Node, container, msg string) {
	line := t.line // the object's, when the field has no node
	if n != nil && n.Line > 0 {
		line = t.abs(n.Line)
	}
	if t.source != "" {
		msg += " (template " + t.source + ")"
	}
	p := &t.c.parts[len(t.c.parts)-1]
	*p = append(*p, finding.Finding{
		RuleID:      r.ID,
		Kind:        finding.KindKubernetes,
		Severity:    r.Severity,
		Title:       r.Title,
		Message:     msg,
		Remediation: r.Remediation,
		Location:    finding.Location{Path: t.c.path, Line: line, Object: t.object, Container: container},
		References:  r.References,
	})
}
