package match

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSort(t *testing.T) {
	t.Parallel()
	f := func(id, pkg string, kev bool, st Status, sev Severity, score float64) Finding {
		return Finding{ID: id, Package: PackageRef{Name: pkg, Version: "1"}, KEV: kev, Status: st, Severity: sev, CVSS: score}
	}
	in := []Finding{
		f("CVE-9", "zlib", false, StatusUnfixed, SeverityCritical, 9.8),
		f("CVE-8", "zlib", false, StatusFixed, SeverityLow, 3.1),
		f("CVE-7", "bash", false, StatusFixed, SeverityHigh, 7.5),
		f("CVE-6", "bash", false, StatusFixed, SeverityHigh, 8.1),
		f("CVE-5", "curl", true, StatusUnfixed, SeverityMedium, 5),
		f("CVE-4", "curl", true, StatusFixed, SeverityLow, 0),
		f("CVE-3", "bash", false, StatusFixed, SeverityHigh, 7.5),
		f("CVE-2", "apt", false, StatusFixed, SeverityHigh, 7.5),
		f("CVE-1", "zlib", false, StatusWontFix, SeverityUnknown, 0),
	}
	Sort(in)
	var got []string
	for _, x := range in {
		got = append(got, x.ID)
	}
	want := []string{
		"CVE-4", // KEV and fixed
		"CVE-5", // KEV
		"CVE-6", // fixed, high, 8.1
		"CVE-2", // fixed, high, 7.5, apt
		"CVE-3", // fixed, high, 7.5, bash, CVE-3 < CVE-7
		"CVE-7",
		"CVE-8", // fixed, low
		"CVE-9", // unfixed critical
		"CVE-1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestFilter(t *testing.T) {
	t.Parallel()
	all := []Finding{
		{ID: "a", Severity: SeverityCritical, Status: StatusFixed},
		{ID: "b", Severity: SeverityHigh, Status: StatusUnfixed},
		{ID: "c", Severity: SeverityMedium, Status: StatusWontFix},
		{ID: "d", Severity: SeverityLow, Status: StatusEndOfLife},
		{ID: "e", Severity: SeverityNegligible, Status: StatusFixed},
		{ID: "f", Severity: SeverityUnknown, Status: StatusFixed},
	}
	ids := func(fs []Finding) []string {
		out := []string{}
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		opts FilterOptions
		want []string
	}{
		{"none", FilterOptions{}, []string{"a", "b", "c", "d", "e", "f"}},
		{"high and up", FilterOptions{MinSeverity: SeverityHigh}, []string{"a", "b"}},
		{"negligible drops unknown", FilterOptions{MinSeverity: SeverityNegligible}, []string{"a", "b", "c", "d", "e"}},
		{"ignore unfixed", FilterOptions{IgnoreUnfixed: true}, []string{"a", "e", "f"}},
		{"both", FilterOptions{MinSeverity: SeverityMedium, IgnoreUnfixed: true}, []string{"a"}},
		{"listed severities", FilterOptions{Severities: []Severity{SeverityCritical, SeverityLow, SeverityUnknown}}, []string{"a", "d", "f"}},
		{"list and unfixed", FilterOptions{Severities: []Severity{SeverityHigh, SeverityNegligible}, IgnoreUnfixed: true}, []string{"e"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, ids(Filter(all, tc.opts))); diff != "" {
				t.Errorf("Filter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	p := func(n string) PackageRef { return PackageRef{Name: n, Version: "1", Type: "deb"} }
	got := Summary([]Finding{
		{ID: "a", Package: p("x"), Severity: SeverityCritical, Status: StatusFixed, KEV: true},
		{ID: "b", Package: p("x"), Severity: SeverityHigh, Status: StatusUnfixed},
		{ID: "c", Package: p("y"), Severity: SeverityHigh, Status: StatusWontFix},
		{ID: "d", Package: p("z"), Severity: SeverityUnknown, Status: StatusEndOfLife},
	})
	want := Counts{
		Total: 4,
		BySeverity: map[Severity]int{SeverityCritical: 1, SeverityHigh: 2, SeverityMedium: 0, SeverityLow: 0,
			SeverityNegligible: 0, SeverityUnknown: 1},
		Fixed: 1, Unfixed: 1, WontFix: 1, EndOfLife: 1, KEV: 1, Packages: 3,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
	if s, want := got.String(), "Total: 4 (critical: 1, high: 2, medium: 0, low: 0, negligible: 0, unknown: 1); fixable: 1; exploited (KEV): 1; packages: 3"; s != want {
		t.Errorf("String() = %q\nwant       %q", s, want)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"total":4,"bySeverity":{"critical":1,"high":2,"low":0,"medium":0,"negligible":0,"unknown":1},"fixed":1,"unfixed":1,"wontFix":1,"endOfLife":1,"kev":1,"packages":3}`; string(b) != want {
		t.Errorf("JSON %s\nwant %s", b, want)
	}
}
