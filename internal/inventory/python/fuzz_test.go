package python

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// fuzzParser checks the invariants every parser keeps on any input: it never
// fails but with a *fileError, and every package it returns is well-formed.
func fuzzParser(f *testing.F, parse parseFunc, lineBased bool, seeds ...string) {
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		} else {
			f.Add([]byte(s))
		}
	}
	cfg := DefaultConfig()
	cfg.MaxLine = 256
	cfg.MaxLines = 1000
	cfg.MaxPackages = 100
	cfg.MaxDepth = 16
	cfg.MaxHeaderBytes = 8 << 10
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		warnings := 0
		warn := func(string, ...any) { warnings++ }
		pkgs, err := parse(c, io.LimitReader(bytes.NewReader(data), 1<<30), "dir/f", warn)
		var fe *fileError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("in-memory parse failed: %v", err)
		}
		if len(pkgs) > cfg.MaxPackages || warnings > cfg.MaxPackages+1 && !lineBased {
			t.Fatalf("%d packages", len(pkgs))
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; lineBased && len(pkgs)+warnings > lines {
			t.Fatalf("%d packages and %d warnings from %d lines", len(pkgs), warnings, lines)
		}
		for _, p := range pkgs {
			if checkName(p.Name) != nil || checkVersion(p.Version) != nil || p.Type != inventory.TypePyPI || p.Path != "dir/f" {
				t.Fatalf("bad package %+v", p)
			}
			for _, l := range p.Licenses {
				if l == "" || strings.ContainsAny(l, "\n\x00") || len(l) > 256 {
					t.Fatalf("bad licence %q", l)
				}
			}
		}
	})
}

func FuzzMetadata(f *testing.F) {
	fuzzParser(f, (*Cataloger).parseMetadataFile, true,
		"testdata/venv/lib/python3.12/site-packages/requests-2.31.0.dist-info/METADATA",
		"testdata/usr/lib/python3/dist-packages/urllib3-1.26.5.egg-info/PKG-INFO",
		"testdata/usr/lib/python3/dist-packages/six-1.16.0.egg-info",
		"Name: a\r\nVersion: 1\r\nLicense-Expression: MIT\r\n\r\n",
		"Name: a\n b\nVersion:\t1\nClassifier: License :: OSI Approved\n\nbody",
		"\xef\xbb\xbfName: a\x00\nVersion: 1\n",
	)
}

func FuzzPoetry(f *testing.F) {
	fuzzParser(f, (*Cataloger).parsePoetry, false,
		"testdata/app-poetry1/poetry.lock",
		"testdata/app-poetry2/poetry.lock",
		"[[package]]\nname = \"a\"\nversion = \"1\"\n[[package]]\nname = 1\n",
		"a = [[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]\n",
	)
}

func FuzzUV(f *testing.F) {
	fuzzParser(f, (*Cataloger).parseUV, false,
		"testdata/app-uv/uv.lock",
		"[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { editable = \".\" }\n",
		"[[package]]\nname = \"a\"\nsource = \"x\"\n",
	)
}

func FuzzPipfile(f *testing.F) {
	fuzzParser(f, (*Cataloger).parsePipfile, false,
		"testdata/app-pipenv/Pipfile.lock",
		`{"default": {"a": {"version": "==1"}, "b": []}, "develop": null}`,
		`{"default": {"a": {"version": "===1 2"}}}`,
	)
}

func FuzzRequirements(f *testing.F) {
	fuzzParser(f, (*Cataloger).parseRequirements, true,
		"testdata/app-pip/requirements.txt",
		"testdata/app-pip/requirements/prod.txt",
		"a[b]==1; python_version<'3' --hash=sha256:00 \\\n  --hash=sha256:11 # c\n-r x.txt\nb @ https://x/y\n",
		"\\\n\\\n\\",
	)
}
