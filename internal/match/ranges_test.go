package match

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

func TestEvalRange(t *testing.T) {
	t.Parallel()
	in := func(v string) vulndb.Event { return vulndb.Event{Introduced: v} }
	fix := func(v string) vulndb.Event { return vulndb.Event{Fixed: v} }
	last := func(v string) vulndb.Event { return vulndb.Event{LastAffected: v} }
	limit := func(v string) vulndb.Event { return vulndb.Event{Limit: v} }
	type want struct {
		In    bool
		Fixed string
		Why   string
	}
	for _, tc := range []struct {
		name   string
		events []vulndb.Event
		v      string
		want   want
	}{
		{"below fix", []vulndb.Event{in("0"), fix("1.2-3")}, "1.2-2", want{true, "1.2-3", "< 1.2-3"}},
		{"at fix", []vulndb.Event{in("0"), fix("1.2-3")}, "1.2-3", want{}},
		{"above fix", []vulndb.Event{in("0"), fix("1.2-3")}, "1.3-1", want{}},
		{"tilde below fix", []vulndb.Event{in("0"), fix("1.0")}, "1.0~rc1", want{true, "1.0", "< 1.0"}},
		{"epoch above fix", []vulndb.Event{in("0"), fix("2.0-1")}, "1:1.0-1", want{}},
		{"epoch fix", []vulndb.Event{in("0"), fix("1:1.0-1")}, "2.0-1", want{true, "1:1.0-1", "< 1:1.0-1"}},
		{"before introduced", []vulndb.Event{in("2"), fix("3")}, "1", want{}},
		{"at introduced", []vulndb.Event{in("2"), fix("3")}, "2", want{true, "3", "< 3"}},
		{"open range", []vulndb.Event{in("2")}, "9", want{true, "", ">= 2, no fix"}},
		{"open from start", []vulndb.Event{in("0")}, "9", want{true, "", "every version, no fix"}},
		{"last_affected at", []vulndb.Event{in("0"), last("5")}, "5", want{true, "", "<= 5, no fix"}},
		{"last_affected above", []vulndb.Event{in("0"), last("5")}, "5.1", want{}},
		{"two intervals, first", []vulndb.Event{in("1"), fix("2"), in("5"), fix("7")}, "1.5", want{true, "2", "< 2"}},
		{"two intervals, gap", []vulndb.Event{in("1"), fix("2"), in("5"), fix("7")}, "3", want{}},
		{"two intervals, second", []vulndb.Event{in("1"), fix("2"), in("5"), fix("7")}, "6", want{true, "7", "< 7"}},
		{"unsorted events", []vulndb.Event{fix("7"), in("5"), fix("2"), in("1")}, "6", want{true, "7", "< 7"}},
		{"unsorted gap", []vulndb.Event{fix("7"), in("5"), fix("2"), in("1")}, "3", want{}},
		{"reintroduced open", []vulndb.Event{in("0"), fix("2"), in("5")}, "6", want{true, "", ">= 5, no fix"}},
		{"last_affected then later fix", []vulndb.Event{in("0"), last("3"), in("5"), fix("7")}, "2", want{true, "7", "< 7"}},
		{"limit ignored", []vulndb.Event{in("0"), limit("2")}, "3", want{true, "", "every version, no fix"}},
		{"empty interval", []vulndb.Event{in("2"), fix("2")}, "2", want{}},
		{"no introduced", []vulndb.Event{fix("2")}, "1", want{}},
		{"no events", nil, "1", want{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in, fixed, why, err := evalRange(version.Deb{}, tc.v, tc.events)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, want{in, fixed, why}); diff != "" {
				t.Errorf("evalRange(%q) (-want +got):\n%s", tc.v, diff)
			}
		})
	}
	if _, _, _, err := evalRange(version.Deb{}, "1.0", []vulndb.Event{in("0"), fix("a b")}); err == nil {
		t.Error("a fixed version dpkg refuses gave no error")
	}
}

func TestEvalRangeRPMEpochZero(t *testing.T) {
	t.Parallel()
	// The OVAL importer drops a "0:" epoch; rpmdb may report one. A missing
	// epoch is epoch 0 for rpm, so the spellings are equal.
	for _, tc := range []struct {
		installed, fixed string
		in               bool
	}{
		{"0:1.0-2.azl3", "1.0-2.azl3", false},
		{"1.0-2.azl3", "0:1.0-2.azl3", false},
		{"0:1.0-1.azl3", "1.0-2.azl3", true},
		{"1.0-1.azl3", "0:1.0-2.azl3", true},
		{"1:1.0-1.azl3", "2.0-1.azl3", false},
		{"2.0-1.azl3", "1:1.0-1.azl3", true},
	} {
		got, _, _, err := evalRange(version.RPM{}, tc.installed, []vulndb.Event{{Introduced: "0"}, {Fixed: tc.fixed}})
		if err != nil || got != tc.in {
			t.Errorf("installed %s, fixed %s: affected = %v, %v; want %v", tc.installed, tc.fixed, got, err, tc.in)
		}
	}
}

func TestEvalAffected(t *testing.T) {
	t.Parallel()
	type want struct {
		Affected bool
		Fixed    string
		Why      string
	}
	for _, tc := range []struct {
		name string
		typ  string
		v    string
		af   vulndb.Affected
		want want
	}{
		{"versions list", "deb", "1.2-1", vulndb.Affected{Versions: []string{"1.1-1", "1.2-1"}}, want{true, "", "listed as affected"}},
		{"versions list by comparator", "deb", "0:1.2-1", vulndb.Affected{Versions: []string{"1.2-1"}}, want{true, "", "listed as affected (1.2-1)"}},
		{"versions list miss", "deb", "1.3-1", vulndb.Affected{Versions: []string{"1.2-1"}}, want{}},
		{"range or versions", "deb", "1.0", vulndb.Affected{Ranges: fixedAt("0.9"), Versions: []string{"1.0"}}, want{true, "", "listed as affected"}},
		{"nothing given", "deb", "1.0", vulndb.Affected{}, want{true, "", "every version (no ranges given)"}},
		{"git ranges only", "deb", "1.0", vulndb.Affected{Ranges: []vulndb.Range{{Type: "GIT", Events: []vulndb.Event{{Introduced: "0"}}}}}, want{}},
		{"two ranges, highest fix", "deb", "1.0", vulndb.Affected{Ranges: append(fixedAt("1.1"), fixedAt("1.5")...)}, want{true, "1.5", "< 1.5"}},
		{"two ranges, one open", "deb", "1.0", vulndb.Affected{Ranges: append(fixedAt("1.1"), vulndb.Range{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}}})}, want{true, "1.1", "< 1.1"}},
		{"semver range without semver comparator", "npm", "1.0.0", vulndb.Affected{Ranges: []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: "2.0.0"}}}}}, want{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, ok := version.For("semver"); ok && tc.typ == "npm" {
				t.Skip("internal/version has a semver comparator now")
			}
			v, err := evalAffected(newComparators(), tc.typ, tc.v, &tc.af)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, want{v.affected, v.fixed, v.why}); diff != "" {
				t.Errorf("evalAffected (-want +got):\n%s", diff)
			}
		})
	}
}
