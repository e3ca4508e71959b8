package python

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestParseRequirement(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line, name, version, err string
	}{
		{line: "requests==2.31.0", name: "requests", version: "2.31.0"},
		{line: "  PyYAML == 6.0.1  ", name: "PyYAML", version: "6.0.1"},
		{line: "urllib3===1.26.5+local", name: "urllib3", version: "1.26.5+local"},
		{line: "a[b,c]==1", name: "a", version: "1"},
		{line: "a [b] == 1 ; python_version < \"3.8\"", name: "a", version: "1"},
		{line: "a==1;sys_platform=='linux'", name: "a", version: "1"},
		{line: "a==1 --hash=sha256:00 --hash sha256:11", name: "a", version: "1"},
		{line: "a==1 # pinned by hand", name: "a", version: "1"},
		{line: "zope.interface (==6.2)", name: "zope.interface", version: "6.2"},
		{line: "a==1!2.0.post1.dev3", name: "a", version: "1!2.0.post1.dev3"},
		// Not one version: skipped without a word.
		{line: ""},
		{line: "# comment"},
		{line: "   # indented comment"},
		{line: "-r other.txt"},
		{line: "--requirement=other.txt"},
		{line: "-c constraints.txt"},
		{line: "-e ."},
		{line: "--editable git+https://github.com/o/r.git#egg=r"},
		{line: "--index-url https://example.org/simple"},
		{line: "-i https://example.org/simple"},
		{line: "--hash=sha256:00"},
		{line: "requests"},
		{line: "requests[socks]"},
		{line: "requests>=2"},
		{line: "requests~=2.31"},
		{line: "requests!=2.30"},
		{line: "requests<3"},
		{line: "requests==2.*"},
		{line: "requests==2.31,!=2.31.1"},
		{line: "requests>=2,==2.31.0"},
		{line: "requests ==  "},
		{line: "name @ https://example.org/name-1.0.tar.gz"},
		{line: "name@git+https://github.com/o/name.git@v1"},
		{line: "git+https://github.com/o/r.git@v1#egg=r"},
		{line: "https://example.org/r-1.0.tar.gz#sha256=00"},
		{line: "./local/dir"},
		{line: "C:\\wheels\\r-1.0-py3-none-any.whl"},
		{line: "r-1.0-py3-none-any.whl"},
		// Not a requirement: a warning.
		{line: "!!!", err: "not a requirement"},
		{line: "a$==1", err: "not a requirement"},
		{line: "a[b==1", err: "unclosed extras"},
		{line: "-a==1x"},
		{line: "a-==1", err: "invalid name"},
		{line: ".a==1", err: "invalid name"},
		{line: "a==1\x00", err: "invalid version"},
		{line: "a== 1 2", err: "invalid version"},
	} {
		name, version, err := parseRequirement(tc.line)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.line, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.line, err)
		case name != tc.name || version != tc.version:
			t.Errorf("%q: got %q %q, want %q %q", tc.line, name, version, tc.name, tc.version)
		}
	}
}

func TestParseRequirementsFile(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.MaxLine = 256
	cfg.MaxLines = 50
	cfg.MaxPackages = 5
	cfg.MaxRequirementsBytes = 4 << 10
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 300)
	runLockCases(t, (*Cataloger).parseRequirements, []lockCase{
		{name: "continuations", in: "a==1 \\\n    --hash=sha256:00 \\\n    --hash=sha256:11\n    # via b\nb \\\n==2\n", want: []string{"a 1", "b 2"}},
		{name: "a comment line ending in a backslash is not continued", in: "# x \\\nc==3\n", want: []string{"c 3"}},
		{name: "a continuation at the end", in: "a==1\\", want: []string{"a 1"}},
		{name: "CRLF and BOM", in: "\xef\xbb\xbfa==1\r\nb==2\r\n", want: []string{"a 1", "b 2"}},
	})
	for _, tc := range []struct {
		name     string
		in       string
		want     string
		warnings []string
		err      string
	}{
		{name: "a long line is skipped", in: "a==1\n" + long + "\nb==2\n", want: "a b", warnings: []string{"line 2: longer than 256"}},
		{name: "a long joined line is skipped", in: "a==1 \\\n" + strings.Repeat("--hash=sha256:0000 \\\n", 20) + "\nb==2\n",
			want: "b", warnings: []string{"line 1: longer than 256"}},
		{name: "bad lines are counted", in: "!\n!\nok==1\n", want: "ok", warnings: []string{"line 1: not", "line 2: not"}},
		{name: "too many lines", in: strings.Repeat("\n", 51), err: "more than 50 lines"},
		{name: "too many requirements", in: strings.Repeat("a==1\n", 6), err: "more than 5 requirements"},
		{name: "too large", in: strings.Repeat("# "+strings.Repeat("p", 118)+"\n", 40), err: "larger than 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var warnings []string
			warn := func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) }
			pkgs, err := c.parseRequirements(io.LimitReader(strings.NewReader(tc.in), cfg.MaxRequirementsBytes+1), "f", warn)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range pkgs {
				names = append(names, p.Name)
			}
			if got := strings.Join(names, " "); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
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
