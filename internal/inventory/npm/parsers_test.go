package npm

import (
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/testenv"
	"go.yaml.in/yaml/v3"
)

// fixtureApp is what npm 11 locked for {lodash 4.17.15, minimist 1.2.0,
// @babel/code-frame 7.12.13, string-width-cjs: npm:string-width@^4.2.0},
// in every lockfileVersion (testdata/lock-v*.json, written by
// `npm install --package-lock-only --lockfile-version N`).
var fixtureApp = []string{
	"@babel/code-frame@7.12.13", "@babel/helper-validator-identifier@7.29.7", "@babel/highlight@7.25.9",
	"ansi-regex@5.0.1", "ansi-styles@3.2.1", "chalk@2.4.2", "color-convert@1.9.3", "color-name@1.1.3",
	"emoji-regex@8.0.0", "escape-string-regexp@1.0.5", "has-flag@3.0.0", "is-fullwidth-code-point@3.0.0",
	"js-tokens@4.0.0", "lodash@4.17.15", "minimist@1.2.0", "picocolors@1.1.1", "string-width@4.2.3",
	"strip-ansi@6.0.1", "supports-color@5.5.0",
}

func TestParsers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, fixture string
		want                []string
		warns               []string // substrings, one warning each, in order
		debug               int      // entries skipped on purpose
	}{
		{"npm v1", "app/package-lock.json", "lock-v1.json", fixtureApp, nil, 0},
		{"npm v2", "app/package-lock.json", "lock-v2.json", fixtureApp, nil, 0},
		{"npm v3", "app/package-lock.json", "lock-v3.json", fixtureApp, nil, 0},
		{"shrinkwrap", "app/npm-shrinkwrap.json", "lock-v3.json", fixtureApp, nil, 0},
		{"hidden lock", "app/node_modules/.package-lock.json", "lock-v3.json", fixtureApp, nil, 0},
		{"npm v1 edge", "package-lock.json", "lock-v1-edge.json",
			[]string{"@s/c@3.0.0-beta.1+build.7", "@s/real@4.0.0", "a@0.9.0", "a@1.0.0", "b@2.0.0"},
			[]string{"value of the wrong type", "invalid package name", "invalid version", "no version", "null dependency", "no version"}, 4},
		{"npm v3 edge", "package-lock.json", "lock-v3-edge.json",
			[]string{"@s/b@2.0.0", "@s/real@4.0.0", "a@1.0.0", "d@5.0.0-rc.1"},
			[]string{"value of the wrong type", "invalid package name", "no version", "no version"}, 3},
		{"yarn v1", "yarn.lock", "yarn-v1.lock",
			[]string{"@babel/code-frame@7.12.13", "forked@1.2.0", "lodash@4.17.15", "lodash@4.17.21", "minimist@1.2.0", "string-width@4.2.3"},
			nil, 1},
		{"yarn berry", "yarn.lock", "yarn-berry.lock",
			[]string{"@babel/code-frame@7.12.13", "lodash@4.17.21", "resolve@1.22.1", "string-width@4.2.3", "typescript@5.0.4"},
			nil, 3},
		{"pnpm v5", "pnpm-lock.yaml", "pnpm-v5.yaml",
			[]string{"@babel/core@7.12.3", "@babel/plugin-x@7.0.0", "lodash@4.17.15", "supports-color@8.1.1"},
			nil, 2},
		{"pnpm v6", "pnpm-lock.yaml", "pnpm-v6.yaml",
			[]string{"@babel/core@7.22.5", "@types/react-dom@18.0.0", "lodash@4.17.15", "supports-color@8.1.1"},
			nil, 1},
		{"pnpm v9", "pnpm-lock.yaml", "pnpm-v9.yaml",
			[]string{"@babel/core@7.22.5", "lodash@4.17.15", "string-width@4.2.3", "supports-color@8.1.1"},
			nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, buf := capture()
			pkgs, err := parseAs(t, DefaultConfig(), log, tt.file, readFixture(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, nv(pkgs)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			for _, p := range pkgs {
				if p.Type != "npm" || p.Path != tt.file || p.PURL != "" || p.Layer != "" {
					t.Errorf("bad package %+v", p)
				}
			}
			checkWarnings(t, buf, tt.warns)
			if got := count(buf, slog.LevelDebug, "npm: skipped"); got != tt.debug {
				t.Errorf("%d entries skipped on purpose, want %d:\n%s", got, tt.debug, buf)
			}
		})
	}
}

// checkWarnings checks that the log has exactly one warning per want
// substring, in that order, and no other.
func checkWarnings(t *testing.T, buf *testenv.LogRecorder, want []string) {
	t.Helper()
	var got []string
	for _, r := range buf.Records() {
		if r.Level == slog.LevelWarn {
			got = append(got, r.String())
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d warnings, want %d: %q\n%s", len(got), len(want), want, buf)
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("warning %d = %s, want %q", i, got[i], w)
		}
	}
}

func TestLicensesFromLock(t *testing.T) {
	t.Parallel()
	pkgs, err := parseAs(t, DefaultConfig(), nil, "package-lock.json", readFixture(t, "lock-v3-edge.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, p := range pkgs {
		got[p.Name] = p.Licenses
	}
	want := map[string][]string{"a": {"MIT"}, "@s/b": {"ISC"}, "@s/real": nil, "d": nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("licences (-want +got):\n%s", diff)
	}
}

func TestPackageJSON(t *testing.T) {
	t.Parallel()
	const p = "app/node_modules/x/package.json"
	tests := []struct {
		name, file, in string
		want           []string
		licenses       []string
		warns          []string
	}{
		{"plain", p, `{"name":"lodash","version":"4.17.15","license":"MIT"}`, []string{"lodash@4.17.15"}, []string{"MIT"}, nil},
		{"scoped", "node_modules/@babel/core/package.json", `{"name":"@babel/core","version":"7.22.5"}`, []string{"@babel/core@7.22.5"}, nil, nil},
		{"license object", p, `{"name":"a","version":"1.0.0","license":{"type":"BSD-3-Clause","url":"x"}}`, []string{"a@1.0.0"}, []string{"BSD-3-Clause"}, nil},
		{"legacy licenses", p, `{"name":"a","version":"1.0.0","licenses":[{"type":"MIT"},{"type":"Apache-2.0"},"GPL-2.0",{"type":5},[["x"]]]}`,
			[]string{"a@1.0.0"}, []string{"MIT", "Apache-2.0", "GPL-2.0"}, nil},
		{"license array", p, `{"name":"a","version":"1.0.0","license":["MIT","ISC"]}`, []string{"a@1.0.0"}, []string{"MIT", "ISC"}, nil},
		{"license wrong type", p, `{"name":"a","version":"1.0.0","license":7}`, []string{"a@1.0.0"}, nil, nil},
		{"alias install", "node_modules/string-width-cjs/package.json", `{"name":"string-width","version":"4.2.3"}`, []string{"string-width@4.2.3"}, nil, nil},
		{"v prefix", p, `{"name":"a","version":"v1.2.3"}`, []string{"a@1.2.3"}, nil, nil},
		{"huge readme", p, `{"readme":"` + strings.Repeat("x", 512<<10) + `","name":"a","version":"1.0.0"}`, []string{"a@1.0.0"}, nil, nil},
		{"no version", p, `{"name":"a"}`, nil, nil, nil},
		{"no name", p, `{"version":"1.0.0","private":true}`, nil, nil, nil},
		{"empty object", p, `{}`, nil, nil, nil},
		{"name wrong type", p, `{"name":5,"version":"1.0.0"}`, nil, nil, []string{"wrong type"}},
		{"bad name", p, `{"name":"../../etc","version":"1.0.0"}`, nil, nil, []string{"invalid package name"}},
		{"bad version", p, `{"name":"a","version":"latest"}`, nil, nil, []string{"invalid version"}},
		{"NUL in name", p, "{\"name\":\"a\\u0000b\",\"version\":\"1.0.0\"}", nil, nil, []string{"invalid package name"}},
		{"dot dir", "node_modules/.bin/package.json", `{"name":"a","version":"1.0.0"}`, nil, nil, nil},
		{"bare scope dir", "node_modules/@s/package.json", `{"name":"a","version":"1.0.0"}`, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, buf := capture()
			pkgs, err := parseAs(t, DefaultConfig(), log, tt.file, []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, nv(pkgs)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			if len(pkgs) == 1 {
				if diff := cmp.Diff(tt.licenses, pkgs[0].Licenses); diff != "" {
					t.Errorf("licences (-want +got):\n%s", diff)
				}
			}
			checkWarnings(t, buf, tt.warns)
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	v3 := string(readFixture(t, "lock-v3.json"))
	berry := string(readFixture(t, "yarn-berry.lock"))
	pnpm := string(readFixture(t, "pnpm-v9.yaml"))
	tests := []struct {
		name, file, in, err string
	}{
		{"npm truncated", "package-lock.json", v3[:len(v3)/2], "parse JSON"},
		{"npm empty", "package-lock.json", "", "parse JSON"},
		{"npm array", "package-lock.json", "[1,2]", "not a JSON object"},
		{"npm NUL", "package-lock.json", "{\"packages\":\x00}", "parse JSON"},
		{"npm deep", "package-lock.json", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "max depth"},
		{"package.json truncated", "node_modules/a/package.json", `{"name":"a","vers`, "parse JSON"},
		{"package.json not JSON", "node_modules/a/package.json", "\x7fELF\x00", "parse JSON"},
		{"berry truncated quote", "yarn.lock", berry + "\n\"x@npm:1:\n  version: \"1", "parse YAML"},
		{"berry anchors", "yarn.lock", "__metadata:\n  version: 8\n\"a@npm:1\": &x\n  version: 1.0.0\n\"b@npm:1\": *x\n", "anchor or alias"},
		{"berry laughs", "yarn.lock", "__metadata: {}\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n", "anchor or alias"},
		{"berry not a mapping", "yarn.lock", "__metadata:\n  version: 8\n---\n- a\n- b\n", "not a YAML mapping"},
		{"pnpm NUL", "pnpm-lock.yaml", pnpm + "\x00", "parse YAML"},
		{"pnpm list", "pnpm-lock.yaml", "- lockfileVersion\n", "not a YAML mapping"},
		{"pnpm tab indent", "pnpm-lock.yaml", "packages:\n\t/a@1.0.0: {}\n", "parse YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseAs(t, DefaultConfig(), nil, tt.file, []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestYarnV1Hostile(t *testing.T) {
	t.Parallel()
	good := "ok@^1.0.0:\n  version \"1.0.0\"\n\n"
	huge := strings.Repeat("x", 200<<10)
	tests := []struct {
		name  string
		in    string
		want  []string
		warns []string
	}{
		{"empty", "", nil, nil},
		{"comments only", "# yarn lockfile v1\n\n", nil, nil},
		{"CRLF", strings.ReplaceAll(good, "\n", "\r\n"), []string{"ok@1.0.0"}, nil},
		{"unquoted version", "ok@^1:\n  version 1.0.0\n", []string{"ok@1.0.0"}, nil},
		{"truncated entry", good + "cut@^1:\n  vers", []string{"ok@1.0.0"}, []string{"no version"}},
		{"truncated key", good + "cut@^1", []string{"ok@1.0.0"}, []string{"not an entry"}},
		{"field first", "  version \"1.0.0\"\n" + good, []string{"ok@1.0.0"}, []string{"field before the first entry"}},
		{"second version", "a@^1:\n  version \"1.0.0\"\n  version \"2.0.0\"\n" + good, []string{"ok@1.0.0"}, []string{"second version"}},
		{"huge key line", huge + ":\n  version \"1.0.0\"\n" + good, []string{"ok@1.0.0"}, []string{"longer than"}},
		{"huge resolved line", "a@^1:\n  version \"1.0.0\"\n  resolved \"" + huge + "\"\n" + good, []string{"a@1.0.0", "ok@1.0.0"}, nil},
		{"huge version line", "a@^1:\n  version \"" + huge + "\"\n" + good, []string{"ok@1.0.0"}, []string{"longer than"}},
		{"no range", "a:\n  version \"1.0.0\"\n" + good, []string{"ok@1.0.0"}, []string{"has no range"}},
		{"binary", "\x00\x01\xff:\n  version \"1.0.0\"\n" + good, []string{"ok@1.0.0"}, []string{"has no range"}},
		{"bad name", "\"../x@^1\":\n  version \"1.0.0\"\n" + good, []string{"ok@1.0.0"}, []string{"invalid package name"}},
		{"duplicate entry", good + "ok@~1.0.0:\n  version \"1.0.0\"\n", []string{"ok@1.0.0"}, nil},
		{"quoted comma", "\"a@>=1, <2\", a@^1:\n  version \"1.5.0\"\n", []string{"a@1.5.0"}, nil},
		{"escaped quote", "\"a@x\\\"y\":\n  version \"1.0.0\"\n", []string{"a@1.0.0"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, buf := capture()
			pkgs, err := parseAs(t, DefaultConfig(), log, "yarn.lock", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, nv(pkgs)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			checkWarnings(t, buf, tt.warns)
		})
	}
}

func TestYAMLHostile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, in string
		want           []string
		warns          []string
	}{
		{"berry entry not a mapping", "yarn.lock", "__metadata:\n  version: 8\n\"a@npm:1\": 5\n\"b@npm:^1\":\n  version: 1.0.0\n  resolution: \"b@npm:1.0.0\"\n",
			[]string{"b@1.0.0"}, []string{"malformed yarn.lock entry"}},
		{"berry version a mapping", "yarn.lock", "__metadata:\n  version: 8\n\"a@npm:1\":\n  version: {x: 1}\n",
			nil, []string{"no version"}},
		{"berry no resolution", "yarn.lock", "__metadata:\n  version: 8\n\"a@npm:^1, a@npm:^1.1\":\n  version: 1.2.0\n",
			[]string{"a@1.2.0"}, nil},
		{"berry float version", "yarn.lock", "__metadata:\n  version: 8\n\"a@npm:1\":\n  version: 1.0\n",
			nil, []string{"invalid version"}},
		{"pnpm packages a list", "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages: [a, b]\n", nil, []string{"not a mapping"}},
		{"pnpm empty packages", "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n", nil, nil},
		{"pnpm unknown version", "pnpm-lock.yaml", "lockfileVersion: '12.0'\npackages:\n  a@1.0.0: {}\n", []string{"a@1.0.0"}, []string{"unknown pnpm lockfileVersion"}},
		{"pnpm bad key", "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  nonsense: {}\n  ? [a]\n  : {}\n  a@1.0.0: {}\n", []string{"a@1.0.0"},
			[]string{"malformed packages key", "malformed packages key"}},
		{"pnpm two documents", "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n---\nlockfileVersion: '9.0'\npackages:\n  b@2.0.0: {}\n", []string{"a@1.0.0", "b@2.0.0"}, nil},
		{"pnpm empty file", "pnpm-lock.yaml", "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, buf := capture()
			pkgs, err := parseAs(t, DefaultConfig(), log, tt.file, []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, nv(pkgs)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			checkWarnings(t, buf, tt.warns)
		})
	}
}

func TestDepthLimit(t *testing.T) {
	t.Parallel()
	nest := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"lockfileVersion":1,"dependencies":`)
		for i := range n {
			b.WriteString(`{"p` + strings.Repeat("x", i%3) + `":{"version":"1.0.` + strconv.Itoa(i) + `","dependencies":`)
		}
		b.WriteString("{}")
		for range n {
			b.WriteString("}}")
		}
		b.WriteString("}")
		return b.String()
	}
	log, buf := capture()
	pkgs, err := parseAs(t, DefaultConfig(), log, "package-lock.json", []byte(nest(100)))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 64 || count(buf, slog.LevelWarn, "nested too deep") != 1 {
		t.Errorf("100 levels: %d packages, want 64 and one warning:\n%s", len(pkgs), buf)
	}
	// 6,000 levels is 12,000 JSON levels, past encoding/json's limit: the
	// file is refused as a whole.
	if _, err := parseAs(t, DefaultConfig(), nil, "package-lock.json", []byte(nest(6000))); err == nil || !strings.Contains(err.Error(), "depth") {
		t.Errorf("6,000 levels: %v", err)
	}
}

func TestPackageCap(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.MaxPackages = 3
	in := map[string]string{
		"package-lock.json": `{"packages":{"node_modules/a":{"version":"1.0.0"},"node_modules/b":{"version":"1.0.0"},"node_modules/c":{"version":"1.0.0"},"node_modules/d":{"version":"1.0.0"}}}`,
		"yarn.lock":         "a@1:\n  version \"1.0.0\"\nb@1:\n  version \"1.0.0\"\nc@1:\n  version \"1.0.0\"\nd@1:\n  version \"1.0.0\"\n",
		"pnpm-lock.yaml":    "packages:\n  a@1.0.0: {}\n  b@1.0.0: {}\n  c@1.0.0: {}\n  d@1.0.0: {}\n",
	}
	for file, data := range in {
		if _, err := parseAs(t, cfg, nil, file, []byte(data)); err == nil || !strings.Contains(err.Error(), "more than 3") {
			t.Errorf("%s: %v", file, err)
		}
		// duplicates do not count
		cfg4 := cfg
		cfg4.MaxPackages = 4
		if pkgs, err := parseAs(t, cfg4, nil, file, []byte(data)); err != nil || len(pkgs) != 4 {
			t.Errorf("%s with room: %d %v", file, len(pkgs), err)
		}
	}
}

func TestYAMLNodeCap(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.MaxYAMLNodes = 100
	flow := "packages: [" + strings.Repeat("a,", 1000) + "a]\n"
	if _, err := parseAs(t, cfg, nil, "pnpm-lock.yaml", []byte(flow)); err == nil || !strings.Contains(err.Error(), "may hold up to") {
		t.Errorf("flow list: %v", err)
	}
	// The bound check runs first and is never below the count, so the
	// exact count is a safety net: checked on its own.
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("a: [b, c, {d: e}]\n"), &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := checkNodes(&doc, &n, 7); err == nil || !strings.Contains(err.Error(), "more than 7 YAML nodes") {
		t.Errorf("exact count: %v", err)
	}
	n = 0
	if err := checkNodes(&doc, &n, 9); err != nil || n != 9 {
		t.Errorf("exact count: %d nodes, %v", n, err)
	}
}

func TestYAMLNodeBound(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "a", "[a,b]", "{a: b}", "[a: b, c: d]", "[?, ?]", "- a\n- b\n-\n", "a: b\nc:\n  - d\n  - [e, {f: g}]\n",
		"--- a\n--- b\n---\n", "? a\n: b\n", "[[[[[]]]]]", "{a, b, c}", "a: |\n  x: y\n",
		string(readFixture(t, "pnpm-v9.yaml")), string(readFixture(t, "yarn-berry.lock")),
	} {
		count := 0
		dec := newTestYAMLDecoder(in)
		for {
			n, ok := dec()
			if !ok {
				break
			}
			count += n
		}
		if bound := yamlNodeBound([]byte(in)); count > bound {
			t.Errorf("%q: %d nodes, bound %d", in, count, bound)
		}
	}
}
