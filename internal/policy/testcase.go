package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestKind heads a policy test file.
const TestKind = "PolicyTest"

// MaxTestFileSize caps a policy test file, in bytes.
const MaxTestFileSize = 8 << 20

// TestCase is one fixture of a policy test file.
type TestCase struct {
	Name  string
	Input *Input
	// WantAllow is true for "want: allow".
	WantAllow bool
	// Violations are the rule names expected, exactly (in any order); nil
	// when the case does not list them (only the decision is checked).
	Violations []string
	// Now overrides the evaluation time given to RunTests, when not zero.
	Now time.Time
	// Line is the case's line in the file.
	Line int
}

// TestResult is the outcome of one TestCase.
type TestResult struct {
	Name string
	Pass bool
	Got  Decision
	// Why says what differed; empty when Pass.
	Why string
}

type rawTestFile struct {
	APIVersion at[string]    `yaml:"apiVersion"`
	Kind       at[string]    `yaml:"kind"`
	Cases      []rawTestCase `yaml:"cases"`
}

type rawTestCase struct {
	Name       at[string]  `yaml:"name"`
	Input      yaml.Node   `yaml:"input"`
	Want       at[string]  `yaml:"want"`
	Violations *[]string   `yaml:"violations"`
	Now        *at[string] `yaml:"now"`
}

// ParseTests reads a policy test file:
//
//	apiVersion: vigil.dev/v1
//	kind: PolicyTest
//	cases:
//	  - name: signed image from our registry
//	    now: 2026-01-31T00:00:00Z   # optional
//	    input: {image: {...}, vulnerabilities: [...]}   # an Input, JSON field names
//	    want: allow                                      # or deny
//	    violations: [signers, maxAge]                    # optional: exactly these rules
//
// Unknown keys, in the file and in inputs, are errors with the line.
func ParseTests(r io.Reader, name string) ([]TestCase, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxTestFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read policy tests %s: %w", name, err)
	}
	if len(src) > MaxTestFileSize {
		return nil, fmt.Errorf("%s: test file larger than %d bytes", name, MaxTestFileSize)
	}
	var raw rawTestFile
	var root yaml.Node
	if err := decodeStrict(src, &root, &raw); err != nil {
		return nil, fileError(name, err)
	}
	cases, err := buildTests(&raw, &root)
	if err != nil {
		return nil, fileError(name, err)
	}
	return cases, nil
}

func buildTests(raw *rawTestFile, root *yaml.Node) ([]TestCase, error) {
	top := root.Content[0]
	if raw.APIVersion.V != APIVersion {
		return nil, errAt(orNode(raw.APIVersion.node, top), "apiVersion %q: want %q", raw.APIVersion.V, APIVersion)
	}
	if raw.Kind.V != TestKind {
		return nil, errAt(orNode(raw.Kind.node, top), "kind %q: want %q", raw.Kind.V, TestKind)
	}
	if len(raw.Cases) == 0 {
		return nil, errAt(top, "no cases")
	}
	names := map[string]bool{}
	out := make([]TestCase, 0, len(raw.Cases))
	for i := range raw.Cases {
		rc := &raw.Cases[i]
		if !rc.Name.set() || rc.Name.V == "" {
			return nil, errAt(orNode(rc.Want.node, top), "case %d: name missing", i+1)
		}
		if names[rc.Name.V] {
			return nil, errAt(rc.Name.node, "case %q: name used twice", rc.Name.V)
		}
		names[rc.Name.V] = true
		tc := TestCase{Name: rc.Name.V, Line: rc.Name.node.Line}
		switch rc.Want.V {
		case "allow":
			tc.WantAllow = true
		case "deny":
		default:
			return nil, errAt(orNode(rc.Want.node, rc.Name.node), "case %q: want %q: want allow or deny", rc.Name.V, rc.Want.V)
		}
		if rc.Violations != nil {
			tc.Violations = append([]string{}, *rc.Violations...)
			if tc.WantAllow && len(tc.Violations) > 0 {
				return nil, errAt(rc.Want.node, "case %q: want allow with violations listed", rc.Name.V)
			}
		}
		if rc.Now != nil {
			t, err := time.Parse(time.RFC3339, rc.Now.V)
			if err != nil {
				return nil, errAt(rc.Now.node, "case %q: now %q: want RFC 3339 (2026-01-31T00:00:00Z)", rc.Name.V, rc.Now.V)
			}
			tc.Now = t
		}
		in, err := decodeInput(&rc.Input)
		if err != nil {
			return nil, errAt(orNode(&rc.Input, rc.Name.node), "case %q: input: %v", rc.Name.V, err)
		}
		tc.Input = in
		out = append(out, tc)
	}
	return out, nil
}

func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n == nil || n.Kind == 0 {
		return fallback
	}
	return n
}

// decodeInput reads an Input from YAML by way of JSON, so the field names
// are the JSON names and unknown fields are errors.
func decodeInput(n *yaml.Node) (*Input, error) {
	if n.Kind == 0 {
		return &Input{}, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	v, err := jsonable(v, 0)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var in Input
	if err := dec.Decode(&in); err != nil {
		return nil, err
	}
	return &in, nil
}

// jsonable turns YAML-decoded maps with non-string keys into an error and
// times into RFC 3339 strings.
func jsonable(v any, depth int) (any, error) {
	if depth > 64 {
		return nil, errors.New("nested too deeply")
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e, err := jsonable(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[k] = e
		}
		return x, nil
	case map[any]any:
		return nil, errors.New("a mapping key is not a string")
	case []any:
		for i, e := range x {
			e, err := jsonable(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[i] = e
		}
		return x, nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	default:
		return v, nil
	}
}

// RunTests evaluates every case against p, at the case's Now or else now.
func RunTests(p *Policy, cases []TestCase, now time.Time) []TestResult {
	out := make([]TestResult, 0, len(cases))
	for _, tc := range cases {
		at := now
		if !tc.Now.IsZero() {
			at = tc.Now
		}
		got := p.Evaluate(tc.Input, at)
		res := TestResult{Name: tc.Name, Got: got, Pass: true}
		var why []string
		if got.Allowed != tc.WantAllow {
			why = append(why, fmt.Sprintf("want %s, got %s", decisionWord(tc.WantAllow), decisionWord(got.Allowed)))
		}
		if tc.Violations != nil {
			gotRules := make([]string, len(got.Violations))
			for i, v := range got.Violations {
				gotRules[i] = v.Rule
			}
			want := slices.Clone(tc.Violations)
			slices.Sort(want)
			slices.Sort(gotRules)
			if !slices.Equal(want, gotRules) {
				why = append(why, fmt.Sprintf("violations: want [%s], got [%s]", strings.Join(want, " "), strings.Join(gotRules, " ")))
			}
		}
		if len(why) > 0 {
			res.Pass, res.Why = false, strings.Join(why, "; ")
		}
		out = append(out, res)
	}
	return out
}

func decisionWord(allow bool) string {
	if allow {
		return "allow"
	}
	return "deny"
}
