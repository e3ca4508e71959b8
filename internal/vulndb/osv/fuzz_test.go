package osv

import (
	"slices"
	"testing"

	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(goRecord))
	f.Add([]byte(goRecord[:300]))
	f.Add([]byte(`{"id": "OSV-2020-1", "withdrawn": "2021-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"id": "DSA-1-1", "affected": [{"package": {"ecosystem": "Debian:11", "name": "a"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:2.3-4"}]}], "versions": ["1.0-1"]}]}`))
	f.Add([]byte(`{"id": "X-1", "affected": [{"package": {"ecosystem": "Alpine:v3.20", "name": "a"}, "ranges": [{"type": "GIT", "events": [{"introduced": "abc"}, {"limit": "*"}]}]}], "severity": [{"type": "CVSS_V3", "score": "x"}]}`))
	f.Add([]byte(`{"id": "X-1", "aliases": ["X-1", "Y-2"], "summary": "\u00e9\ud800", "references": [{"url": "https://x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, problems := vulndbtest.Fuzz(t, Parse, data, "f", func(a *vulndb.Advisory) {
			if checkID("id", a.ID) != nil || a.Source != Source || len(a.Summary) > MaxSummary {
				t.Fatalf("bad advisory %+v", a)
			}
			for _, al := range a.Aliases {
				if checkID("alias", al) != nil || al == a.ID || len(slices.Compact(slices.Sorted(slices.Values(a.Aliases)))) != len(a.Aliases) {
					t.Fatalf("bad alias %q", al)
				}
			}
			for _, af := range a.Affected {
				if af.Ecosystem == "" || af.Package == "" || af.Status != vulndb.StatusAffected {
					t.Fatalf("bad affected %+v", af)
				}
				for _, r := range af.Ranges {
					if len(r.Events) == 0 {
						t.Fatalf("range without events %+v", af)
					}
					for _, ev := range r.Events {
						if checkEvent(ev, nil) != nil {
							t.Fatalf("bad event %+v", ev)
						}
					}
				}
			}
		})
		if n+problems > 1 {
			t.Fatalf("%d advisories and %d problems from one record", n, problems)
		}
	})
}

func FuzzParseYAML(f *testing.F) {
	f.Add([]byte(pysecYAML))
	f.Add([]byte(billionLaughs))
	f.Add([]byte("id: PYSEC-1\nbase: &b {x: 1}\nsummary:\n  <<: *b\n"))
	f.Add([]byte("id: PYSEC-1\n---\nid: PYSEC-2\n"))
	f.Add([]byte("? [a]\n: b\n"))
	f.Add([]byte("id: X-1\naffected: [{package: {ecosystem: 'Debian:12', name: a}, versions: [1.0-1, ~]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		vulndbtest.Fuzz(t, ParseYAML, data, "f.yaml", func(a *vulndb.Advisory) {
			if checkID("id", a.ID) != nil || a.Source != Source || len(a.Summary) > MaxSummary {
				t.Fatalf("bad advisory %+v", a)
			}
		})
	})
}
