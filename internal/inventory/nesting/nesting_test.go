package nesting_test

import (
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory/nesting"
)

func TestJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		tooDeep  bool
	}{
		{"flat", `{"a": 1, "b": [1, 2]}`, false},
		{"at the limit", `{"a": [[1]]}`, false},
		{"one past", `{"a": [[[1]]]}`, true},
		{"brackets in a string", `{"a": "[[[["}`, false},
		{"escaped quote in a string", `{"a": "\"[[[["}`, false},
		{"escaped backslash ends the string", `{"a": "\\", "b": [[[1]]]}`, true},
		{"hash is no comment", `{"#": [1]}`, false},
		{"single quotes are no string", `{"a": '[[['}`, true},
		{"siblings do not add up", `[[1], [2], [3], {"a": [4]}]`, false},
		{"stray closers do not go below zero", `]]]]]]{"a": [[[1]]]}`, true},
		{"unterminated string ends the scan", `{"a": "[[[[`, false},
		{"empty", ``, false},
		{"NUL bytes", "{\x00[\x00[\x00]]}", false},
		{"a million opens", strings.Repeat("[", 1_000_000), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := nesting.JSON([]byte(tc.in), 3)
			if (err != nil) != tc.tooDeep {
				t.Errorf("JSON(%.40q, 3) = %v, want too deep: %v", tc.in, err, tc.tooDeep)
			}
			if err != nil && !strings.Contains(err.Error(), "JSON nested deeper than 3 at byte ") {
				t.Errorf("message %q", err)
			}
		})
	}
}

func TestTOML(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		tooDeep  bool
	}{
		{"Cargo.lock", "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\n \"b 1.0\",\n]\n", false},
		{"arrays at the limit", "a = [[[1]]]", false},
		{"arrays one past", "a = [[[[1]]]]", true},
		{"inline tables at the limit", "a = {b = {c = {d = 1}}}", false},
		{"inline tables one past", "a = {b = {c = {d = {e = 1}}}}", true},
		{"brackets in a basic string", "a = \"[[[[\"", false},
		{"brackets in a literal string", "a = '[[[['", false},
		{"literal string has no escapes", "a = '\\'\nb = [[[[1]]]]", true},
		{"multi-line literal", "a = '''\n[[[[\n'''", false},
		{"multi-line basic with escaped quote", "a = \"\"\"[[[[\\\"\"\"\"\"", false},
		{"multi-line closes with two extra quotes", "a = \"\"\"x\"\"\"\"\" \nb = [[[[1]]]]", true},
		{"comment", "# [[[[\na = 1", false},
		{"unterminated string ends at its line", "a = \"unterminated [[[[\nb = [[[[1]]]]", true},
		{"table header", "[[a]]\n[[b]]\n", false},
		{"dotted key at the limit", "a.b.c.d = 1", false},
		{"dotted key one past", "a.b.c.d.e = 1", true},
		{"dotted header one past", "[a.b.c.d]\n", true},
		{"dotted key in an inline table", "x = {a.b.c.d = 1}", true},
		{"quoted parts count", "\"a\".'b'.\"c\".d.e = 1", true},
		{"dots in a quoted key do not", "\"a.b.c.d.e\" = 1", false},
		{"floats", "a = [1.5, 2.5, 3.5, 4.5, 5.5]\nb = 1.5\nc = 1979-05-27T07:32:00.999Z", false},
		{"a comment ends a key", "a.b # x.y.z\nc = 1", false},
		{"stray closers", "]]]]]]\na = [[[[1]]]]", true},
		{"NUL bytes", "a = [\x00[\x00]]", false},
		{"a 10,000-part key", strings.Repeat("a.", 10_000) + "a = 1", true},
		{"a million opens", "a = " + strings.Repeat("[", 1_000_000), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := nesting.TOML([]byte(tc.in), 3)
			if (err != nil) != tc.tooDeep {
				t.Errorf("TOML(%.40q, 3) = %v, want too deep: %v", tc.in, err, tc.tooDeep)
			}
			if err != nil && !strings.Contains(err.Error(), "nested deeper than 3 at byte ") {
				t.Errorf("message %q", err)
			}
		})
	}
}
