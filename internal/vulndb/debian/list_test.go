package debian

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

type parser = vulndb.ParseFunc

type result = vulndbtest.Result

func run(t testing.TB, p parser, r io.Reader, file string) result {
	t.Helper()
	return vulndbtest.Parse(t, p, r, file)
}

func runFile(t testing.TB, p parser, path string) result {
	t.Helper()
	return vulndbtest.ParseFile(t, p, path)
}

func find(advs []*vulndb.Advisory, id string) *vulndb.Advisory {
	for _, a := range advs {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func fixedIn(eco, pkg, v string, sev ...string) vulndb.Affected {
	af := vulndb.Affected{Ecosystem: eco, Package: pkg, Status: vulndb.StatusAffected,
		Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: v}}}}}
	for _, s := range sev {
		af.Severity = append(af.Severity, vulndb.Severity{Type: "DISTRO", Score: s})
	}
	return af
}

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func ref(id string) []string { return []string{"https://security-tracker.debian.org/tracker/" + id} }

// TestRealLists checks the README's numbers: entries per list and release
// lines per release, and that the only problem in the real data is the one
// malformed line (DSA-423 has its package name where the version goes).
func TestRealLists(t *testing.T) {
	t.Parallel()
	dir := testenv.Shared(t, "vulndata", "debian-security-tracker", "data")
	tests := []struct {
		name     string
		parse    parser
		entries  int
		releases map[string]int // README's release lines per codename
		problems []string
	}{
		{"DSA", ParseDSAList, 5406, map[string]int{
			"Debian:8": 898, "Debian:3.0": 852, "Debian:7": 813, "Debian:9": 740, "Debian:3.1": 712,
			"Debian:4.0": 678, "Debian:6": 674, "Debian:10": 623, "Debian:5": 588, "Debian:11": 410,
		}, []string{`DSA-423: line 17244: woody kernel-image-2.4.17-ia64: deb version "kernel-image-2.4.17-ia64"`}},
		{"DLA", ParseDLAList, 3534, map[string]int{
			"Debian:7": 986, "Debian:8": 928, "Debian:9": 828, "Debian:6": 471, "Debian:10": 322,
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := runFile(t, tt.parse, filepath.Join(dir, tt.name, "list"))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if len(res.Advisories) != tt.entries {
				t.Errorf("%d entries, want %d", len(res.Advisories), tt.entries)
			}
			got := map[string]int{}
			ids := map[string]bool{}
			for _, a := range res.Advisories {
				if ids[a.ID] {
					t.Errorf("duplicate %s", a.ID)
				}
				ids[a.ID] = true
				if a.Published.IsZero() || a.Source != "debian" {
					t.Errorf("%s: %+v", a.ID, a)
				}
				for _, af := range a.Affected {
					got[af.Ecosystem]++
				}
			}
			// the malformed woody line of DSA-423 is the one release line dropped
			want := tt.releases
			if tt.name == "DSA" {
				want = map[string]int{}
				for k, v := range tt.releases {
					want[k] = v
				}
				want["Debian:3.0"]--
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("release lines (-want +got):\n%s", diff)
			}
			if len(res.Problems) != len(tt.problems) {
				t.Fatalf("problems %q, want %q", res.Problems, tt.problems)
			}
			for i, p := range res.Problems {
				if !strings.Contains(p, tt.problems[i]) {
					t.Errorf("problem %q, want %q", p, tt.problems[i])
				}
			}
		})
	}
}

func TestRealSpotChecks(t *testing.T) {
	t.Parallel()
	dir := testenv.Shared(t, "vulndata", "debian-security-tracker", "data")
	dsa := runFile(t, ParseDSAList, filepath.Join(dir, "DSA", "list"))
	dla := runFile(t, ParseDLAList, filepath.Join(dir, "DLA", "list"))
	tests := []struct {
		advs []*vulndb.Advisory
		want *vulndb.Advisory
	}{
		{dsa.Advisories, &vulndb.Advisory{ID: "DSA-5343-1", Source: "debian", Summary: "security update",
			Aliases:   []string{"CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"},
			Published: date("2023-02-07"), References: ref("DSA-5343-1"),
			Affected: []vulndb.Affected{fixedIn("Debian:11", "openssl", "1.1.1n-0+deb11u4")}}},
		{dsa.Advisories, &vulndb.Advisory{ID: "DSA-5380-1", Source: "debian", Summary: "security update",
			Aliases: []string{"CVE-2023-1393"}, Published: date("2023-03-29"), References: ref("DSA-5380-1"),
			Affected: []vulndb.Affected{fixedIn("Debian:11", "xorg-server", "2:1.20.11-1+deb11u6")}}},
		{dsa.Advisories, &vulndb.Advisory{ID: "DSA-5356-2", Source: "debian", Summary: "regression update",
			Published: date("2023-03-17"), References: ref("DSA-5356-2"),
			Affected: []vulndb.Affected{fixedIn("Debian:11", "sox", "14.4.2+git20190427-2+deb11u2")}}},
		{dsa.Advisories, &vulndb.Advisory{ID: "DSA-3699-1", Source: "debian", Summary: "end of life",
			Published: date("2016-10-25"), References: ref("DSA-3699-1"),
			Affected: []vulndb.Affected{{Ecosystem: "Debian:8", Package: "virtualbox", Status: vulndb.StatusEndOfLife}}}},
		{dsa.Advisories, &vulndb.Advisory{ID: "DSA-136", Source: "debian", Summary: "multiple remote exploits",
			Aliases:   []string{"CVE-2002-0655", "CVE-2002-0656", "CVE-2002-0657", "CVE-2002-0659"},
			Published: date("2002-07-30"), References: ref("DSA-136"),
			Affected: []vulndb.Affected{
				fixedIn("Debian:3.0", "openssl094", "0.9.4-6.woody.2"),
				fixedIn("Debian:3.0", "openssl095", "0.9.5a-6.woody.1"),
				fixedIn("Debian:3.0", "openssl", "0.9.6c-2.woody.1"),
			}}},
		{dla.Advisories, &vulndb.Advisory{ID: "DLA-3380-1", Source: "debian", Summary: "security update",
			Aliases: []string{"CVE-2020-12362", "CVE-2020-12363", "CVE-2020-12364", "CVE-2020-24586", "CVE-2020-24587",
				"CVE-2020-24588", "CVE-2021-23168", "CVE-2021-23223", "CVE-2021-37409", "CVE-2021-44545", "CVE-2022-21181"},
			Published: date("2023-04-01"), References: ref("DLA-3380-1"),
			Affected: []vulndb.Affected{fixedIn("Debian:10", "firmware-nonfree", "20190114+really20220913-0+deb10u1")}}},
		{dla.Advisories, &vulndb.Advisory{ID: "DLA-0001-1", Source: "debian", Summary: "security update",
			Aliases: []string{"CVE-2014-3466"}, Published: date("2014-06-02"), References: ref("DLA-0001-1"),
			Affected: []vulndb.Affected{fixedIn("Debian:6", "gnutls26", "2.8.6-1+squeeze4")}}},
	}
	for _, tt := range tests {
		t.Run(tt.want.ID, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, find(tt.advs, tt.want.ID)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// urgency in notes, not-affected, unfixed and end-of-life markers
	counts := map[string]int{}
	for _, a := range dsa.Advisories {
		for _, af := range a.Affected {
			counts[string(af.Status)]++
			for _, s := range af.Severity {
				counts["urgency "+s.Score]++
			}
		}
	}
	want := map[string]int{"affected": 6925, "not-affected": 55, "unfixed": 3, "end-of-life": 4,
		"urgency high": 16, "urgency medium": 76, "urgency low": 16}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("DSA statuses and urgencies (-want +got):\n%s", diff)
	}
}

func TestHostileList(t *testing.T) {
	t.Parallel()
	good := "[07 Feb 2023] DSA-5343-1 openssl - security update\n\t{CVE-2023-0286}\n\t[bullseye] - openssl 1.1.1n-0+deb11u4\n"
	tests := []hostileCase{
		{"valid", good, []string{"DSA-5343-1"}, 1, nil},
		{"crlf and spaces", strings.ReplaceAll(good, "\n", "\r\n") + "        [buster] - openssl  1.1.1d-0+deb10u8 (bug #1; high*)\n", []string{"DSA-5343-1"}, 2, nil},
		{"bad date", "[31 Feb 2023] DSA-1-1 x - y\n\t[bullseye] - x 1.0\n" + good, []string{"DSA-5343-1"}, 1, []string{"DSA-1-1: line 1: bad date"}},
		{"year zero", "[01 Jan 0001] DSA-1-1 x - y\n" + good, []string{"DSA-5343-1"}, 1, []string{"before Debian existed"}},
		{"garbage date", "[yesterday] DSA-1-1 x - y\n" + good, []string{"DSA-5343-1"}, 1, []string{"bad date"}},
		{"wrong list", "[01 Apr 2023] DLA-3380-1 x - y\n\t[buster] - x 1.0\n" + good, []string{"DSA-5343-1"}, 1, []string{"malformed advisory ID"}},
		{"unknown release", good + "\t[hamster] - openssl 1.0\n", []string{"DSA-5343-1"}, 1, []string{`DSA-5343-1: line 4: unknown release "hamster"`}},
		{"bad version", good + "\t[buster] - openssl :1.0\n\t[sid] - openssl 1.0 1.1\n", []string{"DSA-5343-1"}, 1, []string{"buster openssl", "malformed release line"}},
		{"unknown marker", good + "\t[buster] - openssl <maybe>\n", []string{"DSA-5343-1"}, 1, []string{"unknown status"}},
		{"bad package", good + "\t[buster] - Open$SSL 1.0\n", []string{"DSA-5343-1"}, 1, []string{"malformed source package"}},
		{"bad cve", "[07 Feb 2023] DSA-5343-1 openssl - security update\n\t{CVE-2023-0286 CVE-1 <script>}\n\t[bullseye] - openssl 1.0\n", []string{"DSA-5343-1"}, 1, []string{"malformed CVE IDs"}},
		{"unterminated cves", good + "\t{CVE-2023-0286\n", []string{"DSA-5343-1"}, 1, []string{"unterminated"}},
		{"body before header", "\t[bullseye] - x 1.0\n\tjunk\n" + good, []string{"DSA-5343-1"}, 1, []string{"outside any entry"}},
		{"junk body line", good + "\tlorem ipsum\n", []string{"DSA-5343-1"}, 1, []string{"unrecognised line"}},
		{"binary junk", "\x00\x01\x02PK\x03\x04\n\xff\xfe\n" + good + "\t\x00[bullseye]\n", []string{"DSA-5343-1"}, 1,
			[]string{"binary", "binary", "binary"}},
		{"huge line", "[01 Jan 2023] DSA-1-1 x - " + strings.Repeat("y", MaxLine+10) + "\n\t[bullseye] - x 1.0\n" + good, []string{"DSA-5343-1"}, 1,
			[]string{"line longer than"}},
		{"huge header mid-file", good + "[01 Jan 2023] DSA-1-1 x - " + strings.Repeat("y", MaxLine+10) + "\n\t[bullseye] - x 1.0\n", []string{"DSA-5343-1"}, 1,
			[]string{"line longer than"}},
		{"binary header mid-file", good + "[01 Jan 2023] DSA-1-1 x\x00 - y\n\t[bullseye] - x 1.0\n", []string{"DSA-5343-1"}, 1,
			[]string{"binary"}},
		{"huge cve list", "[07 Feb 2023] DSA-5343-1 openssl - x\n\t{" + strings.Repeat("CVE-2023-0286 ", 20000) + "}\n\t[bullseye] - openssl 1.0\n", []string{"DSA-5343-1"}, 1,
			[]string{"line longer than"}},
		{"truncated", good + "[07 Feb 2023] DSA-5344-1 x - y\n\t[bullseye] - x 1.", []string{"DSA-5343-1", "DSA-5344-1"}, 2, nil},
		{"empty", "", nil, 0, nil},
		{"duplicate lines", good + "\t[bullseye] - openssl 1.1.1n-0+deb11u4\n\t{CVE-2023-0286}\n", []string{"DSA-5343-1"}, 1, nil},
	}
	runHostile(t, ParseDSAList, "list", tests, func(t *testing.T, a *vulndb.Advisory) {
		if len(a.Aliases) > 1 {
			t.Errorf("aliases %q", a.Aliases)
		}
	})
}

func TestListUrgencyAndCRLF(t *testing.T) {
	t.Parallel()
	in := "[01 Jan 2005] DSA-880-1 x - y\r\n\t[sarge] - awstats 6.4-1sarge1 (bug #322591; bug #334833; medium)\r\n\t[woody] - awstats <not-affected> (vulnerable code not present)\r\n"
	res := run(t, ParseDSAList, strings.NewReader(in), "list")
	want := []vulndb.Affected{
		fixedIn("Debian:3.1", "awstats", "6.4-1sarge1", "medium"),
		{Ecosystem: "Debian:3.0", Package: "awstats", Status: vulndb.StatusNotAffected},
	}
	if res.Err != nil || len(res.Advisories) != 1 || len(res.Problems) != 0 {
		t.Fatalf("%+v", res)
	}
	if diff := cmp.Diff(want, res.Advisories[0].Affected); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestListSizeCapEmitErrorCancel(t *testing.T) {
	t.Parallel()
	good := "[07 Feb 2023] DSA-5343-1 openssl - security update\n\t[bullseye] - openssl 1.0\n"
	vulndbtest.EmitError(t, ParseDSAList, good+good)
	vulndbtest.Cancelled(t, ParseDSAList, good)
	vulndbtest.ReadError(t, ParseDSAList, good)
	// over the cap: entries before it kept, the cap reported
	big := io.MultiReader(strings.NewReader(good), bytes.NewReader(bytes.Repeat([]byte("\n"), 2<<20)), strings.NewReader(good))
	vulndbtest.SizeCap(t, func(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
		return parseList(ctx, r, file, "DSA", 1<<20, emit, problem)
	}, big, 1)
}

// TestJSONRoundTrip makes sure an advisory survives JSON as the store keeps it.
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	res := run(t, ParseDSAList, strings.NewReader("[07 Feb 2023] DSA-5343-1 openssl - security update\n\t{CVE-2023-0286}\n\t[bullseye] - openssl 1.1.1n-0+deb11u4 (high)\n"), "x")
	b, err := json.Marshal(res.Advisories[0])
	if err != nil {
		t.Fatal(err)
	}
	var back vulndb.Advisory
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res.Advisories[0], &back); diff != "" {
		t.Errorf("(-before +after):\n%s", diff)
	}
}
