package oval

import (
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(doc(azDef("1", "CVE-2024-0001", `<criteria operator="AND"><criterion test_ref="tst:1"/><criterion test_ref="tst:2" negate="true"/></criteria>`),
		azTest("1", "1", "1")+azTest("2", "1", "2"), azObj("1", "curl"),
		azState("1", "less than", "0:8.5.0-1.azl3")+azState("2", "less than or equal", "1:2-1.azl3"), "")))
	f.Add([]byte(`<oval_definitions><generator><product_name>Canonical USN OVAL Generator</product_name></generator><definitions>` +
		`<definition id="oval:com.ubuntu.noble:def:1" class="patch"><metadata><title>USN-1-1 -- x</title><reference source="USN" ref_id="USN-1-1"/>` +
		`<reference source="CVE" ref_id="CVE-2024-1"/></metadata><criteria operator="OR"><criteria negate="true"><criterion test_ref="t1"/></criteria></criteria></definition></definitions>` +
		`<tests><dpkginfo_test id="t1"><object object_ref="o1"/><state state_ref="s1"/></dpkginfo_test></tests>` +
		`<objects><dpkginfo_object id="o1"><name var_ref="v1"/></dpkginfo_object></objects>` +
		`<states><dpkginfo_state id="s1"><evr operation="less than">0:1.2-1ubuntu1</evr></dpkginfo_state></states>` +
		`<variables><constant_variable id="v1"><value>zlib1g</value><value>zlib1g-dev</value></constant_variable></variables></oval_definitions>`))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY b "c">]><oval_definitions>&b;</oval_definitions>`))
	f.Add([]byte(doc(azDef("1", "CVE-1", ""), "", "", "", "")[:200]))
	f.Fuzz(func(t *testing.T, data []byte) {
		prev := ""
		vulndbtest.Fuzz(t, Parse, data, "azurelinux-3.0-oval.xml", func(a *vulndb.Advisory) {
			if checkField("id", a.ID) != nil || a.ID <= prev || len(a.Affected) == 0 {
				t.Fatalf("bad or out-of-order advisory %+v after %q", a, prev)
			}
			prev = a.ID
			for _, af := range a.Affected {
				if checkField("package", af.Package) != nil || af.Status != vulndb.StatusAffected ||
					!strings.HasPrefix(af.Ecosystem, "Azure Linux:") && !strings.HasPrefix(af.Ecosystem, "CBL-Mariner:") && !strings.HasPrefix(af.Ecosystem, "Ubuntu:") {
					t.Fatalf("bad affected %+v", af)
				}
				if len(af.Ranges)+len(af.Versions) != 1 {
					t.Fatalf("want one range or version: %+v", af)
				}
				for _, r := range af.Ranges {
					if len(r.Events) == 0 || r.Events[0].Introduced == "" || len(r.Events) > 2 {
						t.Fatalf("bad range %+v", af)
					}
				}
			}
		})
	})
}
