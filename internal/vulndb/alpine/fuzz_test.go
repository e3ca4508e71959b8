package alpine

import (
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(head + `{"pkg": {"name": "aom", "secfixes": {"3.9.1-r0": ["CVE-2024-5171 TALOS-2024-1", "CVE-2024-5171"], "0": ["CVE-2024-5171"]}}}]}`))
	f.Add([]byte(`{"distroversion": "edge", "packages": [{"pkg": {"name": "a", "secfixes": {"1": ["CVE-2020-1234 (x)", "XPTI"]}}}, {"pkg": 1}]}`))
	f.Add([]byte(head + `{"pkg": {"name": "a", "secf`))
	f.Add([]byte(`{"packages": [], "distroversion": "v3.2", "archs": ["x86"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		prev := ""
		vulndbtest.Fuzz(t, Parse, data, "f", func(a *vulndb.Advisory) {
			if !validID(a.ID) || a.ID <= prev || len(a.Affected) == 0 {
				t.Fatalf("bad or out-of-order advisory %+v after %q", a, prev)
			}
			prev = a.ID
			for _, al := range a.Aliases {
				if !validID(al) || al == a.ID {
					t.Fatalf("bad alias %q in %+v", al, a)
				}
			}
			for _, af := range a.Affected {
				if !strings.HasPrefix(af.Ecosystem, "Alpine:") || checkField("package", af.Package) != nil {
					t.Fatalf("bad affected %+v", af)
				}
				switch af.Status {
				case vulndb.StatusNotAffected:
					if af.Ranges != nil {
						t.Fatalf("not-affected with ranges %+v", af)
					}
				case vulndb.StatusAffected:
					if len(af.Ranges) != 1 || len(af.Ranges[0].Events) != 2 || checkVersion(af.Ranges[0].Events[1].Fixed) != nil {
						t.Fatalf("bad range %+v", af)
					}
				default:
					t.Fatalf("status %q", af.Status)
				}
			}
		})
	})
}
