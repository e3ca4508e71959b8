package alpine

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

// result is everything one Parse call produced.
type result = vulndbtest.Result

func parseAll(t testing.TB, r io.Reader, file string) result {
	t.Helper()
	return vulndbtest.Parse(t, Parse, r, file)
}

func parseFile(t testing.TB, path string) result {
	t.Helper()
	return vulndbtest.ParseFile(t, Parse, path)
}

func find(advs []*vulndb.Advisory, id string) *vulndb.Advisory {
	for _, a := range advs {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func fixed(eco, pkg, v string) vulndb.Affected {
	return vulndb.Affected{Ecosystem: eco, Package: pkg, Status: vulndb.StatusAffected,
		Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: v}}}}}
}

func notAffected(eco, pkg string) vulndb.Affected {
	return vulndb.Affected{Ecosystem: eco, Package: pkg, Status: vulndb.StatusNotAffected}
}

// rawCounts decodes a secdb file plainly (no ID rules) to check the README's
// numbers independently of Parse: packages and ID strings.
func rawCounts(t *testing.T, path string) (pkgs, strs int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var db struct {
		Packages []pkgEntry `json:"packages"`
	}
	if err := json.Unmarshal(b, &db); err != nil {
		t.Fatal(err)
	}
	for _, p := range db.Packages {
		for _, ids := range p.Pkg.Secfixes {
			strs += len(ids)
		}
	}
	return len(db.Packages), strs
}

// TestRealCounts checks the README's per-release numbers and what Parse
// makes of them: every package listed appears in some Affected entry, and the
// advisory and problem counts (measured once, 2024-12-28 data) hold.
func TestRealCounts(t *testing.T) {
	t.Parallel()
	dir := testenv.Shared(t, "vulndata", "alpine-secdb", "json")
	tests := []struct {
		file              string
		pkgs, strs        int // README
		advisories, probs int // measured
	}{
		{"v3.18/main.json", 246, 2561, 2438, 0},
		{"v3.18/community.json", 355, 5042, 3930, 0},
		{"v3.19/main.json", 257, 2579, 2494, 1},
		{"v3.19/community.json", 383, 5202, 4085, 0},
		{"v3.20/main.json", 255, 2576, 2492, 1},
		{"v3.20/community.json", 408, 5347, 4305, 1},
		{"v3.21/main.json", 256, 2533, 2453, 1},
		{"v3.21/community.json", 414, 5422, 4085, 1},
		{"edge/main.json", 258, 2536, 2456, 1},
		{"edge/community.json", 416, 5461, 4091, 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, tt.file)
			pkgs, strs := rawCounts(t, path)
			if pkgs != tt.pkgs || strs != tt.strs {
				t.Errorf("raw file: %d packages, %d ID strings; README says %d, %d", pkgs, strs, tt.pkgs, tt.strs)
			}
			res := parseFile(t, path)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if len(res.Advisories) != tt.advisories || len(res.Problems) != tt.probs {
				t.Errorf("got %d advisories, %d problems %q; want %d, %d", len(res.Advisories), len(res.Problems), res.Problems, tt.advisories, tt.probs)
			}
			seen := map[string]bool{}
			eco := "Alpine:" + strings.SplitN(tt.file, "/", 2)[0]
			for _, a := range res.Advisories {
				for _, af := range a.Affected {
					seen[af.Package] = true
					if af.Ecosystem != eco {
						t.Fatalf("%s: ecosystem %q, want %q", a.ID, af.Ecosystem, eco)
					}
				}
			}
			if len(seen) != tt.pkgs {
				t.Errorf("%d packages in Affected entries, want %d", len(seen), tt.pkgs)
			}
		})
	}
}

// TestAllFiles parses every secdb JSON file: no error, and only the
// malformed IDs that are really in the data are reported.
func TestAllFiles(t *testing.T) {
	t.Parallel()
	dir := testenv.Shared(t, "vulndata", "alpine-secdb", "json")
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 41 { // v3.2 main only, v3.3..v3.21 and edge main+community
		t.Errorf("%d secdb files, want 41", len(files))
	}
	total, probs := 0, 0
	for _, f := range files {
		res := parseFile(t, f)
		if res.Err != nil {
			t.Fatalf("%s: %v", f, res.Err)
		}
		total += len(res.Advisories)
		probs += len(res.Problems)
		for _, p := range res.Problems {
			if !strings.Contains(p, "malformed ID") {
				t.Errorf("unexpected problem %s", p)
			}
		}
	}
	t.Logf("%d files, %d advisories, %d problems", len(files), total, probs)
	if probs != 33 {
		t.Errorf("%d problems, want 33", probs)
	}
}

func TestSpotChecks(t *testing.T) {
	t.Parallel()
	dir := testenv.Shared(t, "vulndata", "alpine-secdb", "json")
	v320 := parseFile(t, filepath.Join(dir, "v3.20", "main.json"))
	v318 := parseFile(t, filepath.Join(dir, "v3.18", "main.json"))
	v35 := parseFile(t, filepath.Join(dir, "v3.5", "main.json"))
	const e320 = "Alpine:v3.20"
	tests := []struct {
		name string
		advs []*vulndb.Advisory
		want *vulndb.Advisory
	}{
		{"openssl fix 3.20", v320.Advisories, &vulndb.Advisory{ID: "CVE-2024-9143", Source: "alpine",
			Affected: []vulndb.Affected{fixed(e320, "openssl", "3.3.2-r1")}}},
		{"openssl fix 3.18", v318.Advisories, &vulndb.Advisory{ID: "CVE-2024-9143", Source: "alpine",
			Affected: []vulndb.Affected{fixed("Alpine:v3.18", "openssl", "3.1.7-r1")}}},
		{"busybox not affected", v320.Advisories, &vulndb.Advisory{ID: "CVE-2021-42373", Source: "alpine",
			Affected: []vulndb.Affected{notAffected(e320, "busybox")}}},
		{"zlib not affected", v320.Advisories, &vulndb.Advisory{ID: "CVE-2023-45853", Source: "alpine",
			Affected: []vulndb.Affected{notAffected(e320, "zlib")}}},
		{"merged across packages with alias", v320.Advisories, &vulndb.Advisory{ID: "CVE-2023-44487", Source: "alpine",
			Aliases: []string{"VSV00013"},
			Affected: []vulndb.Affected{
				fixed(e320, "nghttp2", "1.57.0-r0"),
				fixed(e320, "nginx", "1.24.0-r12"),
				notAffected(e320, "nodejs"),
				fixed(e320, "varnish", "7.4.2-r0"),
			}}},
		{"TALOS alias", v35.Advisories, &vulndb.Advisory{ID: "CVE-2017-2887", Source: "alpine",
			Aliases: []string{"TALOS-2017-0394"}, Affected: []vulndb.Affected{fixed("Alpine:v3.5", "sdl2_image", "2.0.1-r2")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := find(tt.advs, tt.want.ID)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.want.ID, diff)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	path := filepath.Join(testenv.Shared(t, "vulndata", "alpine-secdb", "json"), "v3.21", "community.json")
	a, b := parseFile(t, path), parseFile(t, path)
	ja, err := json.Marshal(a.Advisories)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b.Advisories)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ja, jb) || !slices.Equal(a.Problems, b.Problems) {
		t.Fatal("two parses of one file differ")
	}
	if !slices.IsSortedFunc(a.Advisories, func(x, y *vulndb.Advisory) int { return strings.Compare(x.ID, y.ID) }) {
		t.Error("advisories not in ID order")
	}
}

const head = `{"distroversion": "v3.20", "reponame": "main", "packages": [`

func TestHostile(t *testing.T) {
	t.Parallel()
	good := `{"pkg": {"name": "aom", "secfixes": {"3.9.1-r0": ["CVE-2024-5171"]}}}`
	tests := []struct {
		name     string
		in       string
		ids      []string // advisories emitted
		problems []string // substrings, one per problem, in order
	}{
		{"valid", head + good + `]}`, []string{"CVE-2024-5171"}, nil},
		{"distroversion last", `{"packages": [` + good + `], "distroversion": "v3.20"}`, []string{"CVE-2024-5171"}, nil},
		{"truncated", head + good + `, {"pkg": {"name": "x", "secf`, []string{"CVE-2024-5171"}, []string{"entries before the break kept"}},
		{"truncated after key", head + good + `, `, []string{"CVE-2024-5171"}, []string{"entries before the break kept"}},
		{"syntax error", head + good + `, {"pkg": ]`, []string{"CVE-2024-5171"}, []string{"malformed JSON"}},
		{"package wrong shape", head + `{"pkg": {"name": 7}}, {"pkg": "x"}, ` + good + `]}`,
			[]string{"CVE-2024-5171"}, []string{"packages[0]", "packages[1]"}},
		{"secfixes not arrays", head + `{"pkg": {"name": "a", "secfixes": {"1-r0": "CVE-2020-0001"}}}, ` + good + `]}`,
			[]string{"CVE-2024-5171"}, []string{"packages[0]"}},
		{"null secfixes", head + `{"pkg": {"name": "a", "secfixes": null}}, {"pkg": {"name": "b", "secfixes": {"1-r0": null}}}, ` + good + `]}`,
			[]string{"CVE-2024-5171"}, nil},
		{"bad ids", head + `{"pkg": {"name": "a", "secfixes": {"1-r0": ["CVE_2019-1", "", "CVE N/A ZBX-1", "()", "CVE-2020-1234 (note (nested))"]}}}]}`,
			[]string{"CVE-2020-1234", "ZBX-1"}, []string{`"CVE_2019-1"`, "no ID", `"CVE"`, `"N/A"`, "no ID"}},
		{"huge id", head + `{"pkg": {"name": "a", "secfixes": {"1-r0": ["CVE-2020-` + strings.Repeat("1", 100000) + `"]}}}, ` + good + `]}`,
			[]string{"CVE-2024-5171"}, []string{"limit 512"}},
		{"huge name", head + `{"pkg": {"name": "` + strings.Repeat("a", 100000) + `", "secfixes": {"1-r0": ["CVE-2020-1111"]}}}, ` + good + `]}`,
			[]string{"CVE-2024-5171"}, []string{"package name of 100000 bytes"}},
		{"bad version keys", head + `{"pkg": {"name": "a", "secfixes": {"": ["CVE-2020-1111"], "1 2": ["CVE-2020-1112"], "x1": ["CVE-2020-1113"], "1.0-r0": ["CVE-2020-1114"]}}}]}`,
			[]string{"CVE-2020-1114"}, []string{"empty fixed version", "space", "does not start with a digit"}},
		{"name with control char", head + `{"pkg": {"name": "a\u0000b", "secfixes": {"1-r0": ["CVE-2020-1111"]}}}, ` + good + `]}`,
			[]string{"CVE-2024-5171"}, []string{"control"}},
		{"unknown release", `{"distroversion": "3.20; DROP", "packages": [` + good + `]}`, nil, []string{"not vN.N or edge"}},
		{"no release", `{"packages": [` + good + `]}`, nil, []string{"missing distroversion"}},
		{"release not a string", `{"distroversion": 3, "packages": [` + good + `]}`, nil, []string{"malformed secdb file"}},
		{"not an object", `[1, 2]`, nil, []string{"unexpected JSON shape"}},
		{"binary junk", "\x00\x01\xff\xfe PK\x03\x04", nil, []string{"malformed JSON"}},
		{"empty", ``, nil, []string{"malformed secdb file"}},
		{"packages not array", `{"distroversion": "v3.20", "packages": {}}`, nil, []string{"unexpected JSON shape"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := parseAll(t, strings.NewReader(tt.in), "x.json")
			if res.Err != nil {
				t.Fatalf("Parse: %v", res.Err)
			}
			var ids []string
			for _, a := range res.Advisories {
				ids = append(ids, a.ID)
			}
			if diff := cmp.Diff(tt.ids, ids); diff != "" {
				t.Errorf("advisories (-want +got):\n%s", diff)
			}
			if len(res.Problems) != len(tt.problems) {
				t.Fatalf("problems %q, want %d matching %q", res.Problems, len(tt.problems), tt.problems)
			}
			for i, p := range res.Problems {
				if !strings.Contains(p, tt.problems[i]) || !strings.HasPrefix(p, "x.json") {
					t.Errorf("problem %d = %q, want it to contain %q", i, p, tt.problems[i])
				}
			}
		})
	}
}

// TestSizeCap feeds a stream over the size cap (lowered to 4 MiB so the
// race run stays short): the packages before the cap are kept and the cap
// is reported.
func TestSizeCap(t *testing.T) {
	t.Parallel()
	pad := bytes.Repeat([]byte(" "), 1<<20)
	var parts []io.Reader
	parts = append(parts, strings.NewReader(head+`{"pkg": {"name": "a", "secfixes": {"1-r0": ["CVE-2020-1111"]}}}`))
	const limit = 4 << 20
	for range limit>>20 + 1 {
		parts = append(parts, bytes.NewReader(pad))
	}
	parts = append(parts, strings.NewReader(`]}`))
	vulndbtest.SizeCap(t, func(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
		return parse(ctx, r, file, limit, emit, problem)
	}, io.MultiReader(parts...), 1)
}

func TestEmitErrorAndCancel(t *testing.T) {
	t.Parallel()
	in := head + `{"pkg": {"name": "a", "secfixes": {"1-r0": ["CVE-2020-1111", "CVE-2020-1112"]}}}]}`
	vulndbtest.EmitError(t, Parse, in)
	vulndbtest.Cancelled(t, Parse, in)
	vulndbtest.ReadError(t, Parse, in[:40])
}
