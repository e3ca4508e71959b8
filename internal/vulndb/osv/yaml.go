package osv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// MaxYAMLDepth caps the nesting of a YAML record (real PyPA records nest 6
// deep).
const MaxYAMLDepth = 64

// ParseYAML reads one OSV record written in YAML, as the PyPA advisory
// database publishes it (vulns/<package>/PYSEC-*.yaml), and emits it as
// Parse does the JSON form: the YAML is decoded to a node tree, turned into
// JSON and read by the JSON path, so every check and cap of Parse applies.
//
// Every scalar becomes a JSON string holding the scalar's text as written
// (null becomes null): OSV fields are strings, and YAML's own typing would
// turn versions such as 1.10 into the number 1.1. Anchors and aliases
// (which OSV never needs, and which make "billion laughs" bombs), merge
// keys, duplicate keys, non-scalar keys, nesting deeper than MaxYAMLDepth,
// a second document and records over MaxRecordSize are Problems. ParseYAML
// returns an error only when reading r fails, ctx is done or emit fails.
func ParseYAML(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	return readRecord(ctx, r, file, parseYAMLBytes, emit, problem)
}

// parseYAMLBytes is ParseYAML on a record already read (at most MaxRecordSize+1 bytes).
func parseYAMLBytes(data []byte, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	problem, ok := checkRecordSize(data, file, problem)
	if !ok {
		return nil
	}
	js, err := yamlToJSON(data)
	if err != nil {
		problem(&vulndb.Problem{File: file, Record: yamlHint(data), Err: fmt.Errorf("decode OSV YAML record: %w", err)})
		return nil
	}
	return parseBytes(js, file, emit, problem)
}

// yamlToJSON turns one YAML document into JSON with every scalar as a string.
func yamlToJSON(data []byte) ([]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty document")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, errors.New("more than one YAML document")
	}
	v, err := yamlValue(&doc, 0)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func yamlValue(n *yaml.Node, depth int) (any, error) {
	if depth > MaxYAMLDepth {
		return nil, fmt.Errorf("nested more than %d deep", MaxYAMLDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, errors.New("empty document")
		}
		return yamlValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		return nil, fmt.Errorf("line %d: YAML aliases are not accepted in OSV records", n.Line)
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return nil, nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key that is not a scalar", k.Line)
			}
			if k.ShortTag() == "!!merge" {
				return nil, fmt.Errorf("line %d: YAML merge keys are not accepted in OSV records", k.Line)
			}
			if _, dup := out[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, clip(k.Value))
			}
			v, err := yamlValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// yamlHint finds a record's ID in a YAML file that did not decode, from a
// top-level "id:" line, so a Problem names the advisory that was lost.
func yamlHint(data []byte) string {
	for line := range strings.Lines(string(data[:min(len(data), 64<<10)])) {
		if rest, ok := strings.CutPrefix(line, "id:"); ok {
			id := strings.Trim(strings.TrimSpace(rest), `"'`)
			if len(id) <= MaxField && idRE.MatchString(id) {
				return id
			}
			return ""
		}
	}
	return ""
}

// isRecordName says whether a file name is an OSV record: *.json, *.yaml or *.yml.
func isRecordName(name string) bool {
	return strings.HasSuffix(name, ".json") || isYAMLName(name)
}

func isYAMLName(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// parseNamed parses one record read in memory, as YAML or JSON by its name.
func parseNamed(data []byte, name string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	if isYAMLName(name) {
		return parseYAMLBytes(data, name, emit, problem)
	}
	return parseBytes(data, name, emit, problem)
}
