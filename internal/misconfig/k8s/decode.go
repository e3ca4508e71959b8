package k8s

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
)

// chunk is one YAML document of the input, split on "---" lines.
type chunk struct {
	text      []byte
	startLine int    // 1-based line of the chunk's first line in the file
	source    string // Helm "# Source:" template, if any
}

// splitDocuments cuts data at document-start markers ("---" at column 0,
// alone or followed by a blank). Markers cannot occur inside a scalar of a
// well-formed stream, so cutting on them lets one broken document fail
// without taking the others with it. Chunks holding only comments and
// blanks are kept (the caller skips them) so that line numbers stay exact.
func splitDocuments(data []byte) []chunk {
	var out []chunk
	start, startLine, line := 0, 1, 1
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		next := len(data)
		if end >= 0 {
			next = off + end + 1
		}
		l := data[off:next]
		if off > start && isDocStart(l) {
			out = append(out, chunk{text: data[start:off], startLine: startLine})
			start, startLine = off, line
		}
		off = next
		line++
	}
	if start < len(data) {
		out = append(out, chunk{text: data[start:], startLine: startLine})
	}
	for i := range out {
		out[i].source = helmSource(out[i].text)
	}
	return out
}

func isDocStart(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	return len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r'
}

// helmSource returns the template named by a "# Source: chart/templates/x.yaml"
// comment before the document's content, as `helm template` writes it.
func helmSource(text []byte) string {
	for len(text) > 0 {
		var l []byte
		l, text, _ = bytes.Cut(text, []byte("\n"))
		s := strings.TrimSpace(string(l))
		switch {
		case s == "" || isDocStart([]byte(s)):
			continue
		case strings.HasPrefix(s, "# Source:"):
			return strings.TrimSpace(strings.TrimPrefix(s, "# Source:"))
		case strings.HasPrefix(s, "#"):
			continue
		default:
			return ""
		}
	}
	return ""
}

// parseChunk parses one document. A nil node means an empty document.
func parseChunk(c chunk) (n *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("yaml parser failed: %v", r)
		}
	}()
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(c.text))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		// The parser counts lines from the document's start; say so in
		// a way the caller can make absolute.
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			if l, aerr := strconv.Atoi(m[1]); aerr == nil {
				return nil, &lineError{line: l, err: errors.New(m[2])}
			}
		}
		return nil, err
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0], nil
	}
	if doc.Kind == 0 {
		return nil, nil
	}
	return &doc, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// lineError is an error at a line of the current document.
type lineError struct {
	line int // 1-based, in the document's chunk
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *lineError) Unwrap() error { return e.err }

func atLine(n *yaml.Node, format string, args ...any) error {
	return &lineError{line: n.Line, err: fmt.Errorf(format, args...)}
}

// budget counts YAML nodes across the whole input.
type budget struct {
	nodes, maxNodes, maxDepth int
}

// errTooManyNodes ends the whole check: the input is hostile or absurd.
var errTooManyNodes = errors.New("too many YAML nodes")

// walk counts n's nodes against the budget and refuses aliases (and so
// billion-laughs expansion) and nesting deeper than the cap.
func (b *budget) walk(n *yaml.Node, depth int) error {
	if depth > b.maxDepth {
		return atLine(n, "nesting deeper than %d", b.maxDepth)
	}
	b.nodes++
	if b.nodes > b.maxNodes {
		return fmt.Errorf("%w: more than %d", errTooManyNodes, b.maxNodes)
	}
	if n.Kind == yaml.AliasNode {
		return atLine(n, "YAML aliases are not accepted in manifests")
	}
	for _, c := range n.Content {
		if err := b.walk(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// toValue converts a node to the values encoding/json produces (maps with
// string keys, slices, strings, float64/int64, bools, nil).
func toValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toValue(n.Content[0])
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, atLine(k, "mapping key is not a scalar")
			}
			if _, dup := m[k.Value]; dup {
				return nil, atLine(k, "duplicate key %q", k.Value)
			}
			v, err := toValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toValue(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				return nil, atLine(n, "%w", err)
			}
			if f, ok := v.(float64); ok && (f != f || f > 1e308 || f < -1e308) {
				return nil, atLine(n, "number %q out of range", n.Value)
			}
			return v, nil
		default:
			return n.Value, nil
		}
	default:
		return nil, atLine(n, "unexpected YAML node")
	}
}

// child returns the value node under key in mapping n, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// path follows keys from n; it stops at the deepest node it finds.
func path(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		c := child(n, k)
		if c == nil {
			return n
		}
		n = c
	}
	return n
}

// item returns the i-th element of sequence n, or n itself.
func item(n *yaml.Node, i int) *yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
		return n
	}
	return n.Content[i]
}

func scalar(n *yaml.Node, key string) string {
	c := child(n, key)
	if c == nil || c.Kind != yaml.ScalarNode {
		return ""
	}
	return c.Value
}

// workload is a decoded pod-bearing object.
type workload struct {
	kind     string
	meta     metav1.ObjectMeta // the object's own metadata
	podMeta  metav1.ObjectMeta // the pod (template) metadata
	spec     corev1.PodSpec
	specNode *yaml.Node // the pod spec's node (for lines)
}

// podSpecPath is where each pod-bearing kind keeps its pod spec; kinds not
// listed carry no pod.
func podSpecPath(kind string) []string {
	switch kind {
	case "Pod":
		return []string{"spec"}
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController":
		return []string{"spec", "template", "spec"}
	case "CronJob":
		return []string{"spec", "jobTemplate", "spec", "template", "spec"}
	}
	return nil
}

// decodeWorkload decodes a pod-bearing object from its node via JSON into
// the k8s.io/api type of its kind, matching field names case-sensitively as
// the API server does. ok is false for other kinds.
func decodeWorkload(n *yaml.Node) (w workload, ok bool, err error) {
	kind := scalar(n, "kind")
	p := podSpecPath(kind)
	if p == nil {
		return w, false, nil
	}
	v, err := toValue(n)
	if err != nil {
		return w, true, err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return w, true, fmt.Errorf("encode %s as JSON: %w", kind, err)
	}
	w.kind = kind
	var tmpl *corev1.PodTemplateSpec
	switch kind {
	case "Pod":
		var o corev1.Pod
		err = kjson.UnmarshalCaseSensitivePreserveInts(data, &o)
		w.meta, w.podMeta, w.spec = o.ObjectMeta, o.ObjectMeta, o.Spec
	case "Deployment":
		var o appsv1.Deployment
		err = kjson.UnmarshalCaseSensitivePreserveInts(data, &o)
		w.meta, tmpl = o.ObjectMeta, &o.Spec.Template
	case "StatefulSet":
		var o appsv1.StatefulSet
		err = kjson.UnmarshalCaseSensitivePreserveInts(data, &o)
		w.meta, tmpl = o.ObjectMeta, &o.Spec.Template
	case "DaemonSet":
		var o appsv1.DaemonSet
		err = kjson.UnmarshalCaseSensitivePreserveInts(data, &o)
		w.meta, tmpl = o.ObjectMeta, &o.Spec.Template
	case "ReplicaSet":
		var o appsv1.ReplicaSet
		err = kjson.UnmarshalCaseSensitivePreserveInts(data, &o)
		w.meta, tmpl = o.ObjectMeta, &o.Spec.Template
	case "ReplicationController":
		var o corev1.ReplicationController
		err = kjson.UnmarshalCaseSensitivePreserveInts(data, &o)
		w.meta, tmpl = o.ObjectMeta, o.Spec.Template
	case "Job":
		var o batchv1.Job
		err = kjson.UnmarshalCaseSensitivePreserveInts(data, &o)
		w.meta, tmpl = o.ObjectMeta, &o.Spec.Template
	case "CronJob":
		var o batchv1.CronJob
		err = kjson.UnmarshalCaseSensitivePreserveInts(data, &o)
		w.meta, tmpl = o.ObjectMeta, &o.Spec.JobTemplate.Spec.Template
	}
	if err != nil {
		return w, true, fmt.Errorf("decode %s: %w", kind, err)
	}
	if tmpl != nil {
		w.podMeta, w.spec = tmpl.ObjectMeta, tmpl.Spec
	}
	w.specNode = path(n, p...)
	return w, true, nil
}
