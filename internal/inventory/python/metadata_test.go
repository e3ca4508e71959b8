package python

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestParseMetadata(t *testing.T) {
	t.Parallel()
	const file = "x.dist-info/METADATA"
	longDesc := strings.Repeat("A very long description line.\n", 100_000)
	tests := []struct {
		name    string
		in      string
		want    *inventory.Package // nil: the file is skipped
		err     string
		warning string
	}{
		{name: "minimal", in: "Name: a\nVersion: 1.0\n",
			want: &inventory.Package{Name: "a", Version: "1.0"}},
		{name: "field names ignore case, values are trimmed", in: "NAME:   Foo.Bar_baz-2  \nversion:\t2.0rc1 \n",
			want: &inventory.Package{Name: "Foo.Bar_baz-2", Version: "2.0rc1"}},
		{name: "CRLF and a byte order mark", in: "\xef\xbb\xbfName: a\r\nVersion: 1\r\n\r\nName: b\r\n",
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "the body is never read", in: "Name: a\nVersion: 1\n\nName: b\nVersion: 2\nLicense: GPL\n" + longDesc,
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "a line that is no field starts the body", in: "Name: a\nVersion: 1\nnot a header\nLicense: GPL\n",
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "the first of repeated fields wins", in: "Name: a\nName: b\nVersion: 1\nVersion: 2\n",
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "continuation lines belong to their field",
			in:   "Name: a\nDescription: x\n        Version: 9\n        License: GPL\n        \nVersion: 1\n",
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "License-Expression wins",
			in: "Name: a\nVersion: 1\nLicense: MIT license\nLicense-Expression: MIT OR Apache-2.0\n" +
				"Classifier: License :: OSI Approved :: MIT License\n",
			want: &inventory.Package{Name: "a", Version: "1", Licenses: []string{"MIT OR Apache-2.0"}}},
		{name: "License and classifiers, deduplicated",
			in: "Name: a\nVersion: 1\nLicense: MIT\nClassifier: License :: OSI Approved :: MIT License\n" +
				"Classifier: License :: OSI Approved :: BSD License\nClassifier: License :: OSI Approved\n" +
				"Classifier: License :: Public Domain\nClassifier: Topic :: Software Development\n" +
				"Classifier: License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)\n",
			want: &inventory.Package{Name: "a", Version: "1", Licenses: []string{"MIT", "BSD License", "Public Domain", "MPL-2.0"}}},
		{name: "a licence text is no licence name",
			in:   "Name: a\nVersion: 1\nLicense: Copyright (c) 2020 Someone\n        Permission is hereby granted\n",
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "UNKNOWN is no licence", in: "Name: a\nVersion: 1\nLicense: UNKNOWN\n",
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "a long License is no name", in: "Name: a\nVersion: 1\nLicense: " + strings.Repeat("x", 200) + "\n",
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "a line over MaxLine is skipped with its continuation",
			in:   "Name: a\nSummary: " + strings.Repeat("s", 70_000) + "\n Version: 9\nVersion: 1\n",
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "a header over the cap keeps what it read",
			in:      "Name: a\nVersion: 1\nDescription: " + strings.Repeat("d\n        ", 200_000) + "\nLicense: MIT\n",
			want:    &inventory.Package{Name: "a", Version: "1"},
			warning: "header longer than 1048576 bytes"},
		{name: "no Name before the cap", in: "Description: " + strings.Repeat("d\n        ", 200_000) + "\nName: a\n",
			err: "no Name field in the header's first bytes"},
		{name: "empty", in: "", err: "no Name field"},
		{name: "only a body", in: "\nName: a\nVersion: 1\n", err: "no Name field"},
		{name: "no Version", in: "Name: a\n", err: "no Version field"},
		{name: "continued Name", in: "Name: a\n b\nVersion: 1\n", err: "invalid name"},
		{name: "path in Name", in: "Name: ../a\nVersion: 1\n", err: "invalid name"},
		{name: "NUL in Name", in: "Name: a\x00\nVersion: 1\n", err: "invalid name"},
		{name: "blank in Version", in: "Name: a\nVersion: 1 2\n", err: "invalid version"},
		{name: "control byte in Version", in: "Name: a\nVersion: 1\x1b[2J\n", err: "invalid version"},
		{name: "binary", in: "\x7fELF\x02\x01\x01\x00\x00", err: "no Name field"},
	}
	c := New(nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var warnings []string
			warn := func(f string, a ...any) { warnings = append(warnings, f) }
			r := &countingReader{r: strings.NewReader(tc.in)}
			got, err := c.parseMetadataFile(r, file, warn)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := *tc.want
			w.Type, w.Path = inventory.TypePyPI, file
			if diff := cmp.Diff([]inventory.Package{w}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tc.warning == "" && len(warnings) > 0 || tc.warning != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], "header longer")) {
				t.Errorf("warnings %q, want %q", warnings, tc.warning)
			}
			if r.n > c.cfg.MaxHeaderBytes+readBuf {
				t.Errorf("read %d bytes", r.n)
			}
		})
	}
}

// TestMetadataReadsOnlyTheHeader checks the promise of the docs: a METADATA
// file costs the bytes of its header rounded up to the read buffer, however
// long its description.
func TestMetadataReadsOnlyTheHeader(t *testing.T) {
	t.Parallel()
	in := realisticMetadata("requests", "2.31.0", 1<<20)
	r := &countingReader{r: strings.NewReader(in)}
	if _, err := New(nil).parseMetadataFile(r, "m", func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	if header := strings.Index(in, "\n\n"); r.n > int64(header+readBuf) {
		t.Errorf("read %d bytes of a %d-byte header", r.n, header)
	}
}

func TestClassifierLicense(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"License :: OSI Approved :: MIT License":                           "MIT",
		"License :: OSI Approved :: Apache Software License":               "Apache Software License",
		"License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GNU General Public License v3 (GPLv3)",
		"License :: OSI Approved":                                          "",
		"License :: Other/Proprietary License":                             "Other/Proprietary License",
		"License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication":  "CC0-1.0",
		"License :: OSI Approved :: ISC License (ISCL)":                    "ISC",
		"License ::  ": "",
		"License :: OSI Approved :: " + strings.Repeat("x", 300):                   "",
		"License :: OSI Approved :: The Unlicense (Unlicense)":                     "Unlicense",
		"License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)":          "BSL-1.0",
		"License :: OSI Approved :: MIT No Attribution License (MIT-0)":            "MIT-0",
		"License :: OSI Approved :: Zero-Clause BSD (0BSD)":                        "0BSD",
		"License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "GNU Lesser General Public License v2 (LGPLv2)",
	} {
		if got := classifierLicense(in); got != want {
			t.Errorf("classifierLicense(%q) = %q, want %q", in, got, want)
		}
	}
}
