package ruby

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestParseGemspec(t *testing.T) {
	t.Parallel()
	const file = "specifications/x.gemspec"
	wrap := func(body string) string { return "Gem::Specification.new do |s|\n" + body + "\nend\n" }
	tests := []struct {
		name, in string
		want     *inventory.Package // nil: the file is skipped
		bad      string             // a field error, the gem kept
		err      string
	}{
		{name: "double quotes and freeze", in: wrap(`  s.name = "a".freeze` + "\n" + `  s.version = "1.0"`), want: &inventory.Package{Name: "a", Version: "1.0"}},
		{name: "single quotes", in: wrap(`s.name = 'a'` + "\n" + `s.version = '1.0'.freeze`), want: &inventory.Package{Name: "a", Version: "1.0"}},
		{name: "Gem::Version.new", in: wrap(`s.name = "a"` + "\n" + `s.version = Gem::Version.new("1.2.3")`), want: &inventory.Package{Name: "a", Version: "1.2.3"}},
		{name: "Gem::Version.create, odd spacing, CRLF", in: "s.name='a'\r\n\ts.version\t=  Gem::Version.create( '1.2.3' )  # c\r\n",
			want: &inventory.Package{Name: "a", Version: "1.2.3"}},
		{name: "any block variable", in: wrap(`gem.name = "a"` + "\n" + `gem.version = "1"`), want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "prerelease", in: wrap(`s.name = "a"` + "\n" + `s.version = "2.0.0.rc1"`), want: &inventory.Package{Name: "a", Version: "2.0.0.rc1"}},
		{name: "licenses array with trailing comma", in: wrap("s.name = \"a\"\ns.version = \"1\"\ns.licenses = [\"MIT\".freeze, 'Ruby',].freeze"),
			want: &inventory.Package{Name: "a", Version: "1", Licenses: []string{"MIT", "Ruby"}}},
		{name: "license string", in: wrap("s.name = \"a\"\ns.version = \"1\"\ns.license = \"GPL-2.0-or-later\""),
			want: &inventory.Package{Name: "a", Version: "1", Licenses: []string{"GPL-2.0-or-later"}}},
		{name: "empty licences", in: wrap("s.name = \"a\"\ns.version = \"1\"\ns.licenses = []\ns.license = \"MIT\""),
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "%w() licences", in: wrap("s.name = \"a\"\ns.version = \"1\"\ns.licenses = %w(MIT Ruby)"),
			want: &inventory.Package{Name: "a", Version: "1", Licenses: []string{"MIT", "Ruby"}}},
		{name: "licence not a literal keeps the gem", in: wrap("s.name = \"a\"\ns.version = \"1\"\ns.licenses = LICENSES"),
			want: &inventory.Package{Name: "a", Version: "1"}, bad: "line 4: licenses: not a string literal"},
		{name: "licence with a control character", in: wrap("s.name = \"a\"\ns.version = \"1\"\ns.license = \"MIT\x01\""),
			want: &inventory.Package{Name: "a", Version: "1"}, bad: "invalid licences"},
		{name: "escaped quote", in: wrap(`s.name = "a"` + "\n" + `s.version = "1"` + "\n" + `s.license = "it\"s"`),
			want: &inventory.Package{Name: "a", Version: "1", Licenses: []string{`it"s`}}},
		{name: "comparison and match are not assignments", in: wrap("s.name == \"x\"\ns.name =~ /y/\ns.name = \"a\"\ns.version = \"1\""),
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "other fields with the same prefix are not read", in: wrap("s.name = \"a\"\ns.versions = \"9\"\ns.version = \"1\"\ns.license_file = \"x\""),
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "stub stands in", in: "# stub: a 1.5 ruby lib\n" + wrap("s.summary = \"x\""), want: &inventory.Package{Name: "a", Version: "1.5"}},
		{name: "assignment wins over stub", in: "# stub: a 1.5 ruby lib\n" + wrap("s.version = \"1.6\""), want: &inventory.Package{Name: "a", Version: "1.6"}},
		{name: "version from a constant", in: wrap("s.name = \"a\"\ns.version = A::VERSION"), err: "line 3: version: not a string literal"},
		{name: "interpolation", in: wrap("s.name = \"a\"\ns.version = \"#{x}\""), err: "interpolation"},
		{name: "unterminated", in: wrap("s.name = \"a"), err: "unterminated string"},
		{name: "trailing code", in: wrap("s.name = \"a\" + b"), err: "not a literal"},
		{name: "no name", in: wrap("s.version = \"1\""), err: "no name"},
		{name: "no version", in: wrap("s.name = \"a\""), err: "gem a: no version"},
		{name: "invalid name", in: wrap("s.name = \"a b\"\ns.version = \"1\""), err: "invalid name"},
		{name: "invalid version", in: wrap("s.name = \"a\"\ns.version = \"1 2\""), err: "invalid version"},
		{name: "version with a NUL", in: wrap("s.name = \"a\"\ns.version = \"1\x00\""), err: "invalid version"},
		{name: "empty", in: "", err: "no name"},
		{name: "binary", in: "\x7fELF\x02\x01\x01\x00\x00\x00", err: "no name"},
		{name: "long name line", in: wrap("s.name = \"" + strings.Repeat("a", 1000) + "\"\ns.version = \"1\""), err: "line 2: name: line longer than 256 bytes"},
		{name: "long licence line keeps the gem", in: wrap("s.name = \"a\"\ns.version = \"1\"\ns.licenses = [\"" + strings.Repeat("a", 1000) + "\"]"),
			want: &inventory.Package{Name: "a", Version: "1"}, bad: "licenses: line longer than"},
		{name: "long other lines are fine", in: wrap("s.description = \"" + strings.Repeat("x", 3000) + "\"\ns.name = \"a\"\ns.version = \"1\""),
			want: &inventory.Package{Name: "a", Version: "1"}},
		{name: "too large", in: wrap("s.name = \"a\"\ns.version = \"1\"\n" + strings.Repeat("#\n", 3000)), err: "file too large"},
	}
	cfg := DefaultConfig()
	cfg.MaxLine = 256
	cfg.MaxFileSize = 5000
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, bad, err := c.parseGemspec(strings.NewReader(tc.in), file)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := *tc.want
			want.Type, want.Path = inventory.TypeGem, file
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("package (-want +got):\n%s", diff)
			}
			if tc.bad == "" && len(bad) > 0 || tc.bad != "" && (len(bad) != 1 || !strings.Contains(bad[0].Error(), tc.bad)) {
				t.Errorf("field errors %v, want %q", bad, tc.bad)
			}
		})
	}
}

func TestParseLock(t *testing.T) {
	t.Parallel()
	const file = "Gemfile.lock"
	tests := []struct {
		name, in string
		want     []string // "name version"
		bad      []string
		err      string
	}{
		{name: "dependencies and other sections skipped",
			in:   "GEM\n  remote: https://rubygems.org/\n  specs:\n    a (1.0)\n      b (>= 1)\n    b (2.0)\n\nPLATFORMS\n    ruby (1.0)\n\nDEPENDENCIES\n  a\n",
			want: []string{"a 1.0", "b 2.0"}},
		{name: "CRLF", in: "GEM\r\n  specs:\r\n    a (1.0)\r\n", want: []string{"a 1.0"}},
		{name: "specs only under specs:", in: "GEM\n  remote: x\n    a (1.0)\n  specs:\n    b (2.0)\n", want: []string{"b 2.0"}},
		{name: "platform variants fold", in: "GEM\n  specs:\n    a (1.0-x86_64-linux)\n    a (1.0-arm64-darwin)\n    a (1.0)\n", want: []string{"a 1.0"}},
		{name: "malformed spec lines", in: "GEM\n  specs:\n    a\n    b (1.0\n    c ()\n    d (x)\n    e f (1.0)\n    \x00 (1.0)\n    g (1.0)\n",
			want: []string{"g 1.0"}, bad: []string{"line 3:", "line 4:", "line 5:", "line 6:", "line 7:", "line 8:"}},
		{name: "tabs are not indentation", in: "GEM\n  specs:\n\ta (1.0)\n    b (1.0)\n", want: []string{"b 1.0"}},
		{name: "long spec line", in: "GEM\n  specs:\n    a (" + strings.Repeat("1", 300) + ")\n    b (1.0)\n", want: []string{"b 1.0"}, bad: []string{"line 3: longer than 256"}},
		{name: "too many specs", in: "GEM\n  specs:\n" + strings.Repeat("    a (1.0)\n", 11), err: "more than 10 specs"},
		{name: "too large", in: "GEM\n  specs:\n" + "    a (1.0)\n" + strings.Repeat("      b (1)\n", 100), err: "file too large"},
		{name: "empty", in: ""},
		{name: "binary", in: "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"},
	}
	cfg := DefaultConfig()
	cfg.MaxLine = 256
	cfg.MaxFileSize = 1000
	cfg.MaxEntries = 10
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pkgs, bad, err := c.parseLock(strings.NewReader(tc.in), file)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				if p.Type != inventory.TypeGem || p.Path != file {
					t.Errorf("bad package %+v", p)
				}
				got = append(got, p.Name+" "+p.Version)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("gems (-want +got):\n%s", diff)
			}
			if len(bad) != len(tc.bad) {
				t.Fatalf("errors %v, want %d", bad, len(tc.bad))
			}
			for i, e := range bad {
				if !strings.HasPrefix(e.Error(), tc.bad[i]) {
					t.Errorf("error %d = %v, want %q", i, e, tc.bad[i])
				}
			}
		})
	}
}
