package python

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

type parseFunc = func(c *Cataloger, r io.Reader, file string, warn func(string, ...any)) ([]inventory.Package, error)

type lockCase struct {
	name     string
	in       string
	want     []string // "name version", in file order
	warnings []string // substrings, one per warning
	err      string   // the file is skipped
}

func runLockCases(t *testing.T, parse parseFunc, tests []lockCase) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.MaxPackages = 6
	cfg.MaxLockBytes = 64 << 10
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var warnings []string
			warn := func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) }
			pkgs, err := parse(c, io.LimitReader(strings.NewReader(tc.in), cfg.MaxLockBytes+1), "f", warn)
			if tc.err != "" {
				if _, ok := err.(*fileError); !ok || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want a file error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				if p.Type != inventory.TypePyPI || p.Path != "f" {
					t.Errorf("bad package %+v", p)
				}
				got = append(got, p.Name+" "+p.Version)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			if len(warnings) != len(tc.warnings) {
				t.Fatalf("warnings %q, want %q", warnings, tc.warnings)
			}
			for i, w := range tc.warnings {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %q, want %q", warnings[i], w)
				}
			}
		})
	}
}

func TestParsePoetry(t *testing.T) {
	t.Parallel()
	runLockCases(t, (*Cataloger).parsePoetry, []lockCase{
		{name: "lock 2", in: `
[[package]]
name = "PyYAML"
version = "6.0.1"
files = [{file = "x.whl", hash = "sha256:00"}]
[package.source]
type = "legacy"
url = "https://example.org/simple"
reference = "private"

[[package]]
name = "b"
version = "1.0"
description = """multi-line ]]]]
with ''' and \""" and [[["""""

[metadata]
lock-version = "2.0"
`, want: []string{"PyYAML 6.0.1", "b 1.0"}},
		{name: "lock 1 with metadata.files", in: "[[package]]\nname = \"a\"\nversion = \"1\"\ncategory = \"main\"\n" +
			"[metadata]\nlock-version = \"1.1\"\n[metadata.files]\na = [{file = \"a.whl\", hash = \"sha256:00\"}]\n",
			want: []string{"a 1"}},
		{name: "no packages", in: "[metadata]\nlock-version = \"2.0\"\n"},
		{name: "empty", in: ""},
		{name: "bad entries are skipped", in: "[[package]]\nname = 3\nversion = \"1\"\n" +
			"[[package]]\nname = \"ok\"\nversion = \"1\"\n" +
			"[[package]]\nname = \"nov\"\n" +
			"[[package]]\nname = \"a b\"\nversion = \"1\"\n",
			want: []string{"ok 1"}, warnings: []string{"package 1:", "package 3: nov: invalid version", "package 4: invalid name"}},
		{name: "not TOML", in: "{\"package\": []}", err: "TOML"},
		{name: "package not an array of tables", in: "package = \"x\"\n", err: "TOML"},
		{name: "too many packages", in: strings.Repeat("[[package]]\nname = \"a\"\nversion = \"1\"\n", 7), err: "more than 6 packages"},
		{name: "too deep", in: "a = " + strings.Repeat("[", 65) + strings.Repeat("]", 65), err: "nested deeper than 64"},
		{name: "too deep in inline tables", in: "a = " + strings.Repeat("{b = ", 65) + "1" + strings.Repeat("}", 65), err: "nested deeper"},
		{name: "dotted key of 10,000 parts", in: strings.Repeat("a.", 10_000) + "a = 1\n", err: "nested deeper than 64"},
		{name: "too large", in: strings.Repeat("# x\n", 20_000), err: "larger than 65536 bytes"},
	})
}

func TestParseUV(t *testing.T) {
	t.Parallel()
	runLockCases(t, (*Cataloger).parseUV, []lockCase{
		{name: "sources", in: `version = 1
[[package]]
name = "a"
version = "1"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "self"
version = "0.1.0"
source = { editable = "." }
[[package]]
name = "member"
source = { virtual = "packages/member" }
[[package]]
name = "local"
version = "2"
source = { directory = "../local" }
[[package]]
name = "g"
version = "3"
source = { git = "https://github.com/o/g?rev=main#0123abcd" }
`, want: []string{"a 1", "g 3"}},
		{name: "url and path sources are distributions", in: "[[package]]\nname = \"u\"\nversion = \"1\"\nsource = { url = \"https://example.org/u-1.tar.gz\" }\n" +
			"[[package]]\nname = \"p\"\nversion = \"2\"\nsource = { path = \"dist/p-2-py3-none-any.whl\" }\n",
			want: []string{"u 1", "p 2"}},
		{name: "wrong source type", in: "[[package]]\nname = \"a\"\nversion = \"1\"\nsource = \"pypi\"\n[[package]]\nname = \"b\"\nversion = \"1\"\n",
			want: []string{"b 1"}, warnings: []string{"package 1:"}},
		{name: "no version outside a local project", in: "[[package]]\nname = \"a\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
			warnings: []string{"a: invalid version"}},
		{name: "bad TOML", in: "[[package]\n", err: "TOML"},
	})
}

func TestParsePipfile(t *testing.T) {
	t.Parallel()
	runLockCases(t, (*Cataloger).parsePipfile, []lockCase{
		{name: "pins", in: `{"default": {"b": {"version": "==2"}, "a": {"version": "== 1.0", "markers": "x"}},
			"develop": {"c": {"version": "===1.0-legacy"}}}`, want: []string{"a 1.0", "b 2", "c 1.0-legacy"}},
		{name: "no pin", in: `{"default": {"g": {"git": "https://x", "ref": "abc"}, "e": {"editable": true, "path": "."},
			"r": {"version": ">=1"}, "s": {"version": "*"}, "w": {"version": "==1.*"}, "n": {"version": "=="}}}`},
		{name: "bad entries", in: `{"default": {"a": [], "b": {"version": 1}, "c d": {"version": "==1"}, "e": {"version": "==1 2"}, "ok": {"version": "==1"}}}`,
			want: []string{"ok 1"}, warnings: []string{`default "a"`, `default "b"`, "invalid name", "invalid version"}},
		{name: "no sections", in: `{"_meta": {}}`},
		{name: "null sections", in: `{"default": null, "develop": null}`},
		{name: "section of the wrong type", in: `{"default": ["a"]}`, err: "JSON"},
		{name: "not JSON", in: "[[package]]", err: "JSON"},
		{name: "truncated", in: `{"default": {"a": {"version": "==1"}`, err: "JSON"},
		{name: "too many", in: `{"default": {"a": {}, "b": {}, "e": {}}, "develop": {"c": {}, "d": {}, "f": {}, "g": {}}}`, err: "more than 6 packages"},
		{name: "too deep", in: `{"default": {"a": ` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "}}", err: "nested deeper than 64"},
		{name: "brackets in strings do not count", in: `{"default": {"a": {"version": "==1", "markers": "` + strings.Repeat(`[\"{`, 100) + `"}}}`,
			want: []string{"a 1"}},
	})
}
