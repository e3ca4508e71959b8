package policy

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
	"go.yaml.in/yaml/v3"
)

// CostLimit bounds the evaluation cost of one CEL expression, in cel-go
// cost units (about one per operation and per list element visited). An
// expression that exceeds it stops and is reported as a violation of its
// rule. One million lets a rule walk 500 packages × 200 vulnerabilities
// once, not nest loops over all of them.
const CostLimit = 1_000_000

// rule is one compiled custom rule.
type rule struct {
	name    string
	message string
	deny    cel.Program
	msgExpr cel.Program // nil: message is static
}

func newEnv() (*cel.Env, error) {
	mapT := cel.MapType(cel.StringType, cel.DynType)
	listT := cel.ListType(mapT)
	return cel.NewEnv(
		cel.Variable("image", mapT),
		cel.Variable("packages", listT),
		cel.Variable("vulnerabilities", listT),
		cel.Variable("findings", listT),
		cel.Variable("signatures", listT),
		cel.Variable("attestations", listT),
		cel.Variable("workload", cel.DynType),
		cel.Variable("now", cel.TimestampType),
		ext.Strings(),
		cel.ParserExpressionSizeLimit(MaxExpressionSize),
	)
}

// compileRule compiles a rule's expressions; msgs are "line:col: rule <name>: <message>".
func compileRule(env *cel.Env, rr *rawRule, src []byte) (*rule, []string) {
	r := &rule{name: rr.Name.V, message: rr.Message}
	var msgs []string
	prog, errs := compileExpr(env, rr.Name.V, rr.Deny.V, rr.Deny.node, src, cel.BoolType)
	msgs = append(msgs, errs...)
	r.deny = prog
	if rr.MessageExpression != nil {
		prog, errs := compileExpr(env, rr.Name.V, rr.MessageExpression.V, rr.MessageExpression.node, src, cel.StringType)
		msgs = append(msgs, errs...)
		r.msgExpr = prog
	}
	if len(msgs) > 0 {
		return nil, msgs
	}
	return r, nil
}

func compileExpr(env *cel.Env, name, expr string, node *yaml.Node, src []byte, want *cel.Type) (cel.Program, []string) {
	if len(expr) > MaxExpressionSize {
		return nil, []string{fmt.Sprintf("%d:%d: rule %s: expression longer than %d bytes", node.Line, node.Column, name, MaxExpressionSize)}
	}
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		var msgs []string
		for _, e := range iss.Errors() {
			line, col := exprPos(expr, e.Location.Line(), e.Location.Column(), node, src)
			msgs = append(msgs, fmt.Sprintf("%d:%d: rule %s: %s", line, col, name, e.Message))
		}
		return nil, msgs
	}
	if out := ast.OutputType(); !out.IsExactType(want) && !out.IsExactType(cel.DynType) {
		return nil, []string{fmt.Sprintf("%d:%d: rule %s: expression is %s, want %s", node.Line, node.Column, name, out, want)}
	}
	prog, err := env.Program(ast, cel.CostLimit(CostLimit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, []string{fmt.Sprintf("%d:%d: rule %s: %v", node.Line, node.Column, name, err)}
	}
	return prog, nil
}

// exprPos maps a position inside a CEL expression (1-based line, 0-based
// column in code points, as cel-go reports it) to the 1-based line and
// column of the same character in the YAML file. It walks the raw text of
// the scalar from where the YAML node starts and aligns it with the decoded
// value: the raw text holds the same non-blank characters, plus indentation,
// line folding, quotes and escapes. Where it cannot align (an escape that
// changes a character), it answers the start of the scalar.
func exprPos(expr string, line, col int, node *yaml.Node, src []byte) (int, int) {
	startLine, startCol := node.Line, node.Column
	// target: rune offset inside expr.
	target := 0
	for i, l := range strings.SplitAfter(expr, "\n") {
		if i == line-1 {
			target += col
			break
		}
		target += utf8.RuneCountInString(l)
	}
	// Byte offset of the node start in src.
	off, ok := offsetOf(src, startLine, startCol)
	if !ok {
		return startLine, startCol
	}
	fl, fc := startLine, startCol
	raw := src[off:]
	i := 0
	advance := func() {
		r, n := utf8.DecodeRune(raw[i:])
		i += n
		if r == '\n' {
			fl, fc = fl+1, 1
		} else {
			fc++
		}
	}
	if node.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		// Skip the indicator line ("|", ">-", "|2 # comment").
		for i < len(raw) && raw[i] != '\n' {
			advance()
		}
	} else if node.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 && i < len(raw) {
		advance() // opening quote
	}
	k := 0
	for _, vr := range expr {
		if k == target {
			break
		}
		k++
		if vr == ' ' || vr == '\t' || vr == '\n' || vr == '\r' {
			continue // blanks fold and indent freely; match them lazily
		}
		// Find vr in raw, skipping only blanks, quotes and backslashes.
		for {
			if i >= len(raw) {
				return startLine, startCol
			}
			r, _ := utf8.DecodeRune(raw[i:])
			if r == vr {
				advance()
				break
			}
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\\' || r == '"' || r == '\'' {
				advance()
				continue
			}
			return startLine, startCol
		}
	}
	// Now at the target character: skip blanks the raw text has before it,
	// unless the target itself is a blank.
	if k < utf8.RuneCountInString(expr) {
		tr := []rune(expr)[k]
		if tr != ' ' && tr != '\t' && tr != '\n' {
			for i < len(raw) {
				r, _ := utf8.DecodeRune(raw[i:])
				if r == tr {
					break
				}
				if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\\' || r == '"' || r == '\'' {
					advance()
					continue
				}
				break
			}
		}
	}
	return fl, fc
}

// offsetOf returns the byte offset of 1-based line and rune column in src.
func offsetOf(src []byte, line, col int) (int, bool) {
	off := 0
	for l := 1; l < line; l++ {
		j := strings.IndexByte(string(src[off:]), '\n')
		if j < 0 {
			return 0, false
		}
		off += j + 1
	}
	for c := 1; c < col; c++ {
		if off >= len(src) || src[off] == '\n' {
			return 0, false
		}
		_, n := utf8.DecodeRune(src[off:])
		off += n
	}
	return off, true
}

// activation binds the CEL variables for one evaluation. Each variable is
// converted from the Input the first time an expression reads it, once per
// Evaluate: a policy whose rules only read image never looks at packages.
func newActivation(c *celFields, in *Input, now time.Time) (interpreter.Activation, error) {
	return interpreter.NewActivation(map[string]any{
		"image":           func() ref.Val { return record[Image]{&in.Image, c.image} },
		"packages":        func() ref.Val { return listVal(in.Packages, c.pkg) },
		"vulnerabilities": func() ref.Val { return listVal(in.Vulnerabilities, c.vuln) },
		"findings":        func() ref.Val { return listVal(in.Findings, c.finding) },
		"signatures":      func() ref.Val { return listVal(in.Signatures, c.signature) },
		"attestations":    func() ref.Val { return listVal(in.Attestations, c.attestation) },
		"workload": func() ref.Val {
			if in.Workload == nil {
				return types.NullValue
			}
			return record[Workload]{in.Workload, c.workload}
		},
		"now": func() ref.Val { return types.Timestamp{Time: now.UTC()} },
	})
}
