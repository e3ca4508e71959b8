package osv

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

func parseYAMLString(s string) result {
	var res result
	res.err = ParseYAML(context.Background(), strings.NewReader(s), "f.yaml", res.emit, res.problem)
	return res
}

func TestParseYAML(t *testing.T) {
	t.Parallel()
	res := parseYAMLString(pysecYAML)
	if res.err != nil || len(res.problems) != 0 {
		t.Fatalf("err %v, problems %v", res.err, res.problems)
	}
	want := []*vulndb.Advisory{{
		ID: "PYSEC-2023-74", Aliases: []string{"CVE-2023-32681"}, Source: Source,
		Published: time.Date(2023, 5, 26, 18, 15, 0, 0, time.UTC),
		Modified:  time.Date(2023, 6, 5, 13, 38, 0, 0, time.UTC),
		Affected: []vulndb.Affected{{
			Ecosystem: "PyPI", Package: "requests", Status: vulndb.StatusAffected,
			Ranges:   []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "2.3.0"}, {Fixed: "2.31.0"}}}},
			Versions: []string{"2.3.0", "2.10"}, // 2.10 unquoted stays "2.10", not the float 2.1
		}},
	}}
	if d := cmp.Diff(want, res.advs); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// billionLaughs is the YAML form of the XML entity bomb: nine levels of
// nine aliases each expand to 9^9 strings if aliases are followed.
const billionLaughs = `id: PYSEC-1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

func TestParseYAMLProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"billion laughs", billionLaughs, "f.yaml: PYSEC-1: decode OSV YAML record: line 3: YAML aliases are not accepted in OSV records"},
		{"merge key", "id: PYSEC-1\nbase: &b {x: 1}\nsummary:\n  <<: *b\n", "f.yaml: PYSEC-1: decode OSV YAML record: line 4: YAML merge keys are not accepted in OSV records"},
		{"duplicate key", "id: PYSEC-1\nid: PYSEC-2\n", `f.yaml: PYSEC-1: decode OSV YAML record: line 2: duplicate key "id"`},
		{"two documents", "id: PYSEC-1\n---\nid: PYSEC-2\n", "f.yaml: PYSEC-1: decode OSV YAML record: more than one YAML document"},
		{"non-scalar key", "? [a]\n: b\n", "f.yaml: decode OSV YAML record: line 1: a mapping key that is not a scalar"},
		{"deep", "id: X-1\nsummary: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n", "f.yaml: X-1: decode OSV YAML record: nested more than 64 deep"},
		{"syntax", "id: PYSEC-1\naffected: [\n", "f.yaml: PYSEC-1: decode OSV YAML record: yaml: line 2: did not find expected node content"},
		{"empty", "", "f.yaml: decode OSV YAML record: empty document"},
		{"wrong shape", "id: PYSEC-1\naffected: 3\n", "f.yaml: PYSEC-1: decode OSV record: json: cannot unmarshal string into Go struct field record.affected of type []osv.affected"},
		{"scalar document", "hello\n", "f.yaml: decode OSV record: json: cannot unmarshal string into Go value of type osv.record"},
		{"too big", "id: X-1\nsummary: " + strings.Repeat("a", MaxRecordSize) + "\n", "f.yaml: record larger than 8388608 bytes"},
		{"bad version", "id: X-1\naffected:\n- package: {ecosystem: Go, name: m}\n  ranges: [{type: SEMVER, events: [{introduced: v1}]}]\n",
			`f.yaml: X-1: affected[0]: ranges[0].events[0]: version "v1" is not SemVer 2.0: invalid version`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			res := parseYAMLString(tt.in)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if len(res.advs) != 0 || len(res.problems) != 1 {
				t.Fatalf("%d advisories, problems %v", len(res.advs), res.problems)
			}
			if got := res.problems[0].Error(); got != tt.want {
				t.Errorf("problem\n got %s\nwant %s", got, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}
