package debian

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// hostileCase is one row of a hostile-input table of the list, CVE list
// and JSON parsers.
type hostileCase struct {
	name     string
	in       string
	ids      []string
	affected int      // Affected entries in all
	problems []string // substrings, in order
}

// runHostile runs parse over each case's input, named file, and checks the
// IDs emitted, the Affected entries in all and the Problems: each begins
// with file, holds its substring and is at most 2 KiB. check, if not nil,
// is called for each advisory.
func runHostile(t *testing.T, parse vulndb.ParseFunc, file string, tests []hostileCase, check func(*testing.T, *vulndb.Advisory)) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, parse, strings.NewReader(tt.in), file)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			var ids []string
			n := 0
			for _, a := range res.Advisories {
				ids = append(ids, a.ID)
				n += len(a.Affected)
				if check != nil {
					check(t, a)
				}
			}
			if diff := cmp.Diff(tt.ids, ids); diff != "" {
				t.Errorf("advisories (-want +got):\n%s", diff)
			}
			if n != tt.affected {
				t.Errorf("%d affected entries, want %d", n, tt.affected)
			}
			if len(res.Problems) != len(tt.problems) {
				t.Fatalf("problems %q, want %q", res.Problems, tt.problems)
			}
			for i, p := range res.Problems {
				if !strings.Contains(p, tt.problems[i]) || !strings.HasPrefix(p, file+":") || len(p) > 2048 {
					t.Errorf("problem %d = %q, want %q", i, clip(p), tt.problems[i])
				}
			}
		})
	}
}

// checkSummary is a runHostile check for ParseCVEList and ParseJSON.
func checkSummary(t *testing.T, a *vulndb.Advisory) {
	if len(a.Summary) > MaxSummary {
		t.Errorf("summary of %d bytes", len(a.Summary))
	}
}

// checkAffected holds what every Affected of every parser here must
// satisfy, whatever the input.
func checkAffected(t testing.TB, af vulndb.Affected) {
	t.Helper()
	if !strings.HasPrefix(af.Ecosystem, "Debian:") || !pkgRE.MatchString(af.Package) {
		t.Fatalf("bad affected %+v", af)
	}
	switch af.Status {
	case vulndb.StatusAffected:
		if len(af.Ranges) != 1 || len(af.Ranges[0].Events) != 2 {
			t.Fatalf("ranges %+v", af)
		}
		if err := (version.Deb{}).Valid(af.Ranges[0].Events[1].Fixed); err != nil {
			t.Fatalf("bad fixed version: %v", err)
		}
	case vulndb.StatusNotAffected, vulndb.StatusUnfixed, vulndb.StatusWontFix, vulndb.StatusEndOfLife:
		if af.Ranges != nil {
			t.Fatalf("ranges with status %+v", af)
		}
	default:
		t.Fatalf("status %+v", af)
	}
}

// checkAdvisory holds what every advisory of ParseCVEList and ParseJSON
// must satisfy, whatever the input.
func checkAdvisory(t testing.TB, a *vulndb.Advisory) {
	t.Helper()
	if !cveRE.MatchString(a.ID) || a.Source != Source || len(a.Summary) > MaxSummary || len(a.Affected) == 0 {
		t.Fatalf("bad advisory %+v", a)
	}
	for _, al := range a.Aliases {
		if !xrefRE.MatchString(al) {
			t.Fatalf("bad alias %q", al)
		}
	}
	seen := map[string]bool{}
	for _, af := range a.Affected {
		key := af.Ecosystem + " " + af.Package
		if seen[key] {
			t.Fatalf("repeated affected %+v", af)
		}
		seen[key] = true
		checkAffected(t, af)
		for _, s := range af.Severity {
			switch s.Score {
			case "unimportant", "low", "medium", "high":
			default:
				t.Fatalf("severity %+v", s)
			}
		}
	}
}
