package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
)

// TestCELCompileErrorPositions checks that CEL errors point at the
// character in the YAML file, whatever the scalar style.
func TestCELCompileErrorPositions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, rules, want string
	}{
		{"plain", `
rules:
  - name: r1
    deny: image.user == rooot
`, `p.yaml:6:25: rule r1: undeclared reference to 'rooot'`},
		{"double quoted with escapes", `
rules:
  - name: r2
    deny: "image.labels[\"a\"] == x"
`, `p.yaml:6:35: rule r2: undeclared reference to 'x'`},
		{"single quoted", `
rules:
  - name: r3
    deny: 'image.user == ''root'' && y'
`, `p.yaml:6:38: rule r3: undeclared reference to 'y'`},
		{"literal block, second line", `
rules:
  - name: r4
    deny: |
      image.user == "root" ||
        packages.exists(p, p.name == nope)
`, `p.yaml:8:38: rule r4: undeclared reference to 'nope'`},
		{"folded block", `
rules:
  - name: r5
    deny: >-
      image.user == "root" ||
      zzz
`, `p.yaml:8:7: rule r5: undeclared reference to 'zzz'`},
		{"plain multi-line", `
rules:
  - name: r6
    deny: image.user == "root" ||
      image.tag == 1 + "a"
`, `p.yaml:7:22: rule r6: found no matching overload for '_+_' applied to '(int, string)'`},
		{"syntax error", `
rules:
  - name: r7
    deny: image.user == (
`, `p.yaml:6:26: rule r7: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}`},
		{"two rules, two errors", `
rules:
  - name: a
    deny: aa
  - name: b
    messageExpression: '"x" + bb'
    deny: "true"
`, "p.yaml:6:11: rule a: undeclared reference to 'aa'\np.yaml:8:31: rule b: undeclared reference to 'bb'"},
		{"not bool", `
rules:
  - name: r8
    deny: packages.size()
`, `p.yaml:6:11: rule r8: expression is int, want bool`},
		{"message expression not string", `
rules:
  - name: r9
    deny: "true"
    messageExpression: "1"
`, `p.yaml:7:24: rule r9: expression is int, want string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(header+tt.rules), "p.yaml")
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notKey := filepath.Join(dir, "not.pub")
	if err := os.WriteFile(notKey, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, src, want string
	}{
		{"unknown top-level key", header + "registry: [a/b]\n", `p.yaml:3: unknown key "registry"`},
		{"unknown nested key", header + "vulnerabilities:\n  maxSeverity: high\n  maxSeverit: low\n", `p.yaml:5: unknown key "maxSeverit"`},
		{"unknown key in a rule", header + "rules:\n  - name: a\n    deny: 'true'\n    allow: 'false'\n", `p.yaml:6: unknown key "allow"`},
		{"wrong type", header + "registries: a/b\n", `p.yaml:3: cannot unmarshal !!str ` + "`a/b`" + ` (want a list)`},
		{"wrong scalar type", header + "signers: {minimum: two}\n", `p.yaml:3: cannot unmarshal !!str ` + "`two`" + ` (want int)`},
		{"wrong bool", header + "vulnerabilities: {onlyFixable: maybe}\n", `p.yaml:3: cannot unmarshal !!str ` + "`maybe`" + ` (want bool)`},
		{"mapping wanted", header + "vulnerabilities: high\n", `p.yaml:3: cannot unmarshal !!str ` + "`high`" + ` (want a mapping)`},
		{"string wanted", header + "maxAge: [1]\n", `p.yaml:3: cannot unmarshal !!seq (want string)`},
		{"duplicate key", header + "maxAge: 1d\nmaxAge: 2d\n", `p.yaml:4: mapping key "maxAge" already defined at line 3`},
		{"empty", "", `p.yaml:1: empty document`},
		{"not a mapping", "- a\n", `p.yaml:1:1: want a mapping at the top level`},
		{"two documents", header + "---\n" + header, `p.yaml:3: more than one YAML document`},
		// yaml.v3 reports the line of the context of a syntax error, 0-based.
		{"yaml syntax", header + "registries: [a\n", `p.yaml:2: did not find expected ',' or ']'`},
		{"missing apiVersion", "kind: Policy\n", `p.yaml:1:1: apiVersion: missing (want "vigil.dev/v1")`},
		{"wrong apiVersion", "apiVersion: v2\nkind: Policy\n", `p.yaml:1:13: apiVersion "v2": want "vigil.dev/v1"`},
		{"wrong kind", "apiVersion: vigil.dev/v1\nkind: Pod\n", `p.yaml:2:7: kind "Pod": want "Policy"`},
		{"bad glob", header + "registries: [\"a/[b]\"]\n", `p.yaml:3:14: registries: pattern "a/[b]": only '*' and '**' are special; blanks, '?', brackets and braces are not allowed`},
		{"triple star", header + "registries: [\"a/***\"]\n", `p.yaml:3:14: registries: pattern "a/***": at most two consecutive '*'`},
		{"bad severity", header + "vulnerabilities: {maxSeverity: moderate}\n", `p.yaml:3:32: vulnerabilities.maxSeverity: unknown severity "moderate" (want one of critical, high, medium, low, negligible, unknown) (or none)`},
		{"deny and ignore", header + "vulnerabilities: {deny: [CVE-1], ignore: [cve-1]}\n", `p.yaml:3:43: vulnerabilities: cve-1 is both denied and ignored`},
		{"bad maxAge", header + "maxAge: 30 days\n", `p.yaml:3:9: maxAge: "30 days": want a whole number of days ("30d") or a Go duration ("720h")`},
		{"negative maxAge", header + "maxAge: -1h\n", `p.yaml:3:9: maxAge: "-1h": must be positive`},
		{"bad label regex", header + "labels: [{key: a, value: '('}]\n", "p.yaml:3:26: labels: value of \"a\": error parsing regexp: missing closing ): `^(?:()$`"},
		{"duplicate label", header + "labels: [{key: a}, {key: a}]\n", `p.yaml:3:26: labels: key "a" listed twice`},
		{"bad podSecurity", header + "podSecurity: strict\n", `p.yaml:3:14: podSecurity "strict": want baseline, restricted or privileged`},
		{"bad secrets severity", header + "secrets: {maxSeverity: negligible}\n", `p.yaml:3:24: secrets.maxSeverity "negligible": want none, unknown, low, medium, high or critical`},
		{"signer without key", header + "signers:\n  keys: [{name: a}]\n", `p.yaml:4:17: signer a: publicKey or keyFile missing`},
		{"signer bad PEM", header + "signers:\n  keys: [{name: a, publicKey: nope}]\n", `p.yaml:4:31: signer a: no PEM block in the public key`},
		{"signer missing file", header + "signers:\n  keys: [{name: a, keyFile: missing.pub}]\n", `p.yaml:4:29: signer a: read key file: stat missing.pub: no such file or directory`},
		{"signer file not a key", header + "signers:\n  keys: [{name: a, keyFile: " + notKey + "}]\n", `p.yaml:4:29: signer a: no PEM block in the public key`},
		{"minimum too large", header + "signers:\n  minimum: 3\n  keys: []\n", `p.yaml:4:12: signers: minimum 3: want 1 to 0 (the number of keys)`},
		{"rule without name", header + "rules: [{deny: 'true'}]\n", `p.yaml:3:16: rules: name missing`},
		{"rule bad name", header + "rules: [{name: 'a b', deny: 'true'}]\n", `p.yaml:3:16: rules: name "a b": use letters, digits, '-', '_' and '.'`},
		{"rule twice", header + "rules: [{name: a, deny: 'true'}, {name: a, deny: 'true'}]\n", `p.yaml:3:41: rules: name "a" used twice`},
		{"rule without deny", header + "rules: [{name: a}]\n", `p.yaml:3:16: rule a: deny expression missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tt.src), "p.yaml")
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseKeyFileRelativeToPolicy(t *testing.T) {
	t.Parallel()
	p := parseFile(t, "testdata/policy.yaml")
	want, err := os.ReadFile("testdata/keys/release.pub")
	if err != nil {
		t.Fatal(err)
	}
	s := p.Signers()
	if string(s[0].PublicKey) != string(want) || s[0].KeyID != "fadd529d51501ac5a66cf7a2e89b0089bf68be0789fb295629a3b3325364ce71" {
		t.Errorf("signer %s: key ID %s, key %q", s[0].Name, s[0].KeyID, s[0].PublicKey)
	}
	if p.MinSigners() != 1 || p.Name() != "team-prod" {
		t.Errorf("MinSigners %d, Name %q", p.MinSigners(), p.Name())
	}
	s[0].PublicKey[0] = 'X' // Signers returns copies
	if p.Signers()[0].PublicKey[0] == 'X' {
		t.Error("Signers shares its key bytes")
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"myacr.azurecr.io/team/*", "myacr.azurecr.io/team/app", true},
		{"myacr.azurecr.io/team/*", "myacr.azurecr.io/team/a/b", false},
		{"myacr.azurecr.io/team/*", "myacr.azurecr.io/team", false},
		{"myacr.azurecr.io/team/*", "myacr.azurecr.io/team/", true},
		{"myacr.azurecr.io/team/**", "myacr.azurecr.io/team/a/b", true},
		{"127.0.0.1:5000/**", "127.0.0.1:5000/x", true},
		{"127.0.0.1:5000/**", "127.0.0.15000/x", false},
		{"*.azurecr.io/**", "evil.com/x.azurecr.io/y", false},
		{"*.azurecr.io/**", "a.azurecr.io/y", true},
		{"docker.io/library/nginx", "docker.io/library/nginx", true},
		{"docker.io/library/nginx", "docker.io/library/nginx2", false},
		{"ghcr.io/*/app-*", "ghcr.io/acme/app-web", true},
		{"ghcr.io/*/app-*", "ghcr.io/acme/x/app-web", false},
	}
	for _, tt := range tests {
		g, err := compileGlob(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.match(tt.name); got != tt.want {
			t.Errorf("%q matches %q = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestSetRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ref  string
		want Image
	}{
		{"nginx", Image{Registry: "docker.io", Repository: "library/nginx"}},
		{"nginx:1.25", Image{Registry: "docker.io", Repository: "library/nginx", Tag: "1.25"}},
		{"acme/web:1", Image{Registry: "docker.io", Repository: "acme/web", Tag: "1"}},
		{"index.docker.io/library/nginx", Image{Registry: "docker.io", Repository: "library/nginx"}},
		{"localhost/web", Image{Registry: "localhost", Repository: "web"}},
		{"127.0.0.1:5000/a/b:t@sha256:ab", Image{Registry: "127.0.0.1:5000", Repository: "a/b", Tag: "t", Digest: "sha256:ab"}},
		{"127.0.0.1:5000/a/b", Image{Registry: "127.0.0.1:5000", Repository: "a/b"}},
		{"myacr.azurecr.io/team/app@sha256:cd", Image{Registry: "myacr.azurecr.io", Repository: "team/app", Digest: "sha256:cd"}},
		{"", Image{}},
		{"a b", Image{}},
	}
	for _, tt := range tests {
		var got Image
		got.SetRef(tt.ref)
		tt.want.Ref = tt.ref
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("SetRef(%q) (-want +got):\n%s", tt.ref, diff)
		}
	}
}

func TestNewInput(t *testing.T) {
	t.Parallel()
	res := &match.Result{
		Inventory: &inventory.Inventory{
			Source:   inventory.Source{Kind: "registry", Name: "127.0.0.1:5000/app:1", Digest: "sha256:aa", Platform: "linux/amd64"},
			Packages: []inventory.Package{{Name: "openssl", Version: "3.0.1", Type: "deb", PURL: "pkg:deb/debian/openssl@3.0.1", Licenses: []string{"Apache-2.0"}}},
		},
		Findings: []match.Finding{
			{ID: "CVE-1", Aliases: []string{"DSA-1"}, Package: match.PackageRef{Name: "openssl", Version: "3.0.1", Type: "deb"}, Status: match.StatusFixed, FixedVersion: "3.0.2", Severity: match.SeverityHigh, CVSS: 7.5, KEV: true},
			{ID: "CVE-2", Package: match.PackageRef{Name: "openssl", Version: "3.0.1", Type: "deb"}, Status: match.StatusWontFix, Severity: match.SeverityLow},
		},
		Secrets:           []finding.Finding{{RuleID: "aws", Kind: finding.KindSecret, Severity: finding.SeverityCritical, Title: "AWS key", Location: finding.Location{Path: "app/.env"}}},
		Misconfigurations: []finding.Finding{{RuleID: "IMG-1", Kind: finding.KindImage, Severity: finding.SeverityMedium, Title: "root user"}},
	}
	want := &Input{
		Image:    Image{Ref: "127.0.0.1:5000/app:1", Registry: "127.0.0.1:5000", Repository: "app", Tag: "1", Digest: "sha256:aa", Platform: "linux/amd64"},
		Packages: []Package{{Type: "deb", Name: "openssl", Version: "3.0.1", PURL: "pkg:deb/debian/openssl@3.0.1", Licenses: []string{"Apache-2.0"}}},
		Vulnerabilities: []Vulnerability{
			{ID: "CVE-1", Aliases: []string{"DSA-1"}, Severity: match.SeverityHigh, CVSS: 7.5, FixedVersion: "3.0.2", Fixable: true, Package: VulnerablePkg{Type: "deb", Name: "openssl", Version: "3.0.1"}, KEV: true},
			{ID: "CVE-2", Severity: match.SeverityLow, Package: VulnerablePkg{Type: "deb", Name: "openssl", Version: "3.0.1"}},
		},
		Findings: []Finding{
			{RuleID: "aws", Kind: finding.KindSecret, Severity: finding.SeverityCritical, Title: "AWS key", Path: "app/.env"},
			{RuleID: "IMG-1", Kind: finding.KindImage, Severity: finding.SeverityMedium, Title: "root user"},
		},
	}
	if diff := cmp.Diff(want, NewInput(res)); diff != "" {
		t.Errorf("NewInput (-want +got):\n%s", diff)
	}
	archive := NewInput(&match.Result{Inventory: &inventory.Inventory{Source: inventory.Source{Kind: "oci-archive", Name: "img.tar"}}})
	if archive.Image.Ref != "img.tar" || archive.Image.Registry != "" {
		t.Errorf("archive image %+v", archive.Image)
	}
	if NewInput(nil) == nil {
		t.Error("NewInput(nil) = nil")
	}
}

// TestCELNamesMatchJSON checks that CEL sees every Input field under its
// JSON name, and nothing else.
func TestCELNamesMatchJSON(t *testing.T) {
	t.Parallel()
	c := newCELFields()
	in := benchInput(1, 1)
	in.Findings = in.Findings[:1]
	in.Attestations = []Attestation{{PredicateType: "p", Created: time.Unix(1, 0)}}
	in.Workload = &Workload{Kind: "Pod"}
	act, err := newActivation(c, in, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for name, goVal := range map[string]any{
		"image": in.Image, "packages": in.Packages[0], "vulnerabilities": in.Vulnerabilities[0], "findings": in.Findings[0],
		"signatures": in.Signatures[0], "attestations": in.Attestations[0], "workload": *in.Workload,
	} {
		v, ok := act.ResolveName(name)
		if !ok {
			t.Fatalf("%s not bound", name)
		}
		if l, ok := v.(traits.Lister); ok {
			v = l.Get(types.Int(0))
		}
		checkKeys(t, name, reflect.TypeOf(goVal), v.(ref.Val))
	}
	if v, _ := act.ResolveName("now"); v.(types.Timestamp).Time != testNow {
		t.Errorf("now = %v", v)
	}
}

func checkKeys(t *testing.T, path string, typ reflect.Type, v ref.Val) {
	t.Helper()
	m, ok := v.(traits.Mapper)
	if !ok {
		t.Fatalf("%s: %T is not a map", path, v)
	}
	var jsonNames, celNames []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		jsonNames = append(jsonNames, name)
		val, found := m.Find(types.String(name))
		if !found {
			continue
		}
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() {
			checkKeys(t, path+"."+name, f.Type, val)
		}
	}
	for it := m.Iterator(); it.HasNext() == types.True; {
		celNames = append(celNames, string(it.Next().(types.String)))
	}
	slices.Sort(jsonNames)
	slices.Sort(celNames)
	if diff := cmp.Diff(jsonNames, celNames); diff != "" {
		t.Errorf("%s: CEL keys (-json +cel):\n%s", path, diff)
	}
}

func TestInputJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := benchInput(2, 3)
	in.Workload = &Workload{Kind: "Pod", PodSecurity: PodSecurity{Baseline: []string{"privileged"}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var back Input
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, &back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(b), `"severity":"low"`) {
		t.Errorf("severity not a name: %s", b)
	}
}
