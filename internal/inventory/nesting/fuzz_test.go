package nesting_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory/nesting"
)

// jsonDepth is the nesting of a valid JSON document, from encoding/json's
// own tokens.
func jsonDepth(t *testing.T, b []byte) int {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // 1E1000 is valid JSON, no float64
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return deepest
		}
		if err != nil {
			t.Fatalf("valid JSON %q: %v", b, err)
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
			deepest = max(deepest, depth)
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
	}
}

// FuzzJSON checks JSON against encoding/json on every valid document: it
// refuses exactly those deeper than the limit.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`{"packages": [{"name": "a/b", "version": "1.0.0", "license": ["MIT"]}]}`,
		`{"a": "[[\"\\", "b": [[[]]]}`,
		`[[[[[[[[1]]]]]]]]`,
		`]]{"x": [1]}`,
		`"unterminated [[`,
		`[1E1000]`,
	} {
		f.Add([]byte(s), 4)
	}
	f.Fuzz(func(t *testing.T, b []byte, limit int) {
		limit = max(0, limit%16)
		err := nesting.JSON(b, limit)
		if !json.Valid(b) || len(b) > 1<<16 {
			return
		}
		if d := jsonDepth(t, b); (d > limit) != (err != nil) {
			t.Fatalf("JSON(%q, %d) = %v, depth is %d", b, limit, err, d)
		}
	})
}

// FuzzTOML checks that TOML never panics, that a larger limit refuses no
// more, and that a limit of the document's length refuses nothing.
func FuzzTOML(f *testing.F) {
	for _, s := range []string{
		"version = 4\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"ddc6f9cc\"\ndependencies = [\n \"serde_derive\",\n]\n",
		"[metadata]\nlock-version = \"2.0\"\n[metadata.files]\na = [{file = \"a.whl\", hash = \"sha256:00\"}]\n",
		"a = \"\"\"x\"\"\"\"\"\nb = '''y'''\nc = 'z' # [[\n",
		"a.b.c.d.e = 1\n[x.y.z]\n",
		"a = [[[[[[[[1]]]]]]]]",
	} {
		f.Add([]byte(s), 4)
	}
	f.Fuzz(func(t *testing.T, b []byte, limit int) {
		limit = max(0, limit%16)
		err := nesting.TOML(b, limit)
		if err == nil && nesting.TOML(b, limit+1) != nil {
			t.Fatalf("TOML(%q) passes %d but not %d", b, limit, limit+1)
		}
		if err := nesting.TOML(b, len(b)); err != nil {
			t.Fatalf("TOML(%q, len) = %v", b, err)
		}
	})
}
