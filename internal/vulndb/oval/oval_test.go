package oval

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

type result = vulndbtest.Result

func parseAll(t testing.TB, r io.Reader, file string) result {
	t.Helper()
	return vulndbtest.Parse(t, Parse, r, file)
}

func parseBytes(t testing.TB, b string, file string) result {
	t.Helper()
	return parseAll(t, strings.NewReader(b), file)
}

func parseFile(t testing.TB, path string) result {
	t.Helper()
	return vulndbtest.ParseFile(t, Parse, path)
}

// gunzip reads a shared file whole, for independent counts.
func gunzip(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(io.LimitReader(zr, 64<<20))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func find(advs []*vulndb.Advisory, id string) *vulndb.Advisory {
	for _, a := range advs {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func fixed(eco, pkg, v string, sev ...vulndb.Severity) vulndb.Affected {
	return vulndb.Affected{Ecosystem: eco, Package: pkg, Status: vulndb.StatusAffected,
		Ranges:   []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: v}}}},
		Severity: sev}
}

func distro(s string) []vulndb.Severity { return []vulndb.Severity{{Type: "DISTRO", Score: s}} }

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	defRE = regexp.MustCompile(`<definition [^>]*class="(vulnerability|patch)"`)
	cveRE = regexp.MustCompile(`ref_id="(CVE-[0-9]+-[0-9]+)"`)
)

func TestRealAzureLinux(t *testing.T) {
	t.Parallel()
	dir := testenv.Shared(t, "vulndata", "azurelinux-oval")
	for _, tc := range []struct {
		file            string
		eco             string
		defs, cves      int // README §7
		problems        []string
		advisories      int
		spot            []*vulndb.Advisory
		multiFix        string // a CVE x package listed twice
		lastAffectedPkg string
	}{
		{
			file: "azurelinux-3.0-oval.xml.gz", eco: "Azure Linux:3.0", defs: 2266, cves: 1886,
			// The one definition whose EVR is a comma list of three versions.
			problems:   []string{"def:34750 (CVE-2022-41717"},
			advisories: 1886, // CVE-2022-41717 has other (good) definitions
			spot: []*vulndb.Advisory{
				{ID: "CVE-2025-26466", Source: "azurelinux", Published: date("2025-02-18T00:00:00Z"),
					Severity: distro("high"), References: []string{"https://nvd.nist.gov/vuln/detail/CVE-2025-26466"},
					Affected: []vulndb.Affected{fixed("Azure Linux:3.0", "openssh", "9.8p1-3.azl3", distro("high")...)}},
				// "greater than 0.0.0" AND "less than 1.20.7-1": the floor is 0.
				{ID: "CVE-2023-29409", Source: "azurelinux"},
			},
			multiFix: "CVE-2023-1393",
		},
		{
			file: "cbl-mariner-2.0-oval.xml.gz", eco: "CBL-Mariner:2.0", defs: 2436, cves: 2185,
			advisories: 2185,
			spot: []*vulndb.Advisory{
				// EVR "0: 1.20.10-1.cm2" (space after the epoch) is read.
				{ID: "CVE-2023-39323", Source: "azurelinux"},
			},
			lastAffectedPkg: "CVE-2022-3857/syslinux/6.04-10.cm2",
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, tc.file)
			raw := gunzip(t, path)
			if n := len(defRE.FindAllString(raw, -1)); n != tc.defs {
				t.Errorf("raw definitions = %d, README says %d", n, tc.defs)
			}
			cves := map[string]bool{}
			for _, m := range cveRE.FindAllStringSubmatch(raw, -1) {
				cves[m[1]] = true
			}
			if len(cves) != tc.cves {
				t.Errorf("raw distinct CVEs = %d, README says %d", len(cves), tc.cves)
			}

			res := parseFile(t, path)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if len(res.Problems) != len(tc.problems) {
				t.Fatalf("problems = %q, want %d", res.Problems, len(tc.problems))
			}
			for i, p := range tc.problems {
				if !strings.Contains(res.Problems[i], p) {
					t.Errorf("problem %q does not name %q", res.Problems[i], p)
				}
			}
			if len(res.Advisories) != tc.advisories {
				t.Errorf("advisories = %d, want %d", len(res.Advisories), tc.advisories)
			}
			affected := 0
			for i, a := range res.Advisories {
				if i > 0 && res.Advisories[i-1].ID >= a.ID {
					t.Fatalf("out of order: %s after %s", a.ID, res.Advisories[i-1].ID)
				}
				if !cves[a.ID] || a.Source != SourceAzureLinux || len(a.Affected) == 0 {
					t.Fatalf("bad advisory %+v", a)
				}
				for _, af := range a.Affected {
					affected++
					if af.Ecosystem != tc.eco || af.Status != vulndb.StatusAffected || len(af.Ranges) != 1 ||
						strings.HasPrefix(af.Ranges[0].Events[1].Fixed+af.Ranges[0].Events[1].LastAffected, "0:") {
						t.Fatalf("%s: bad affected %+v", a.ID, af)
					}
				}
			}
			// Every definition is an Affected, a Problem, or an exact duplicate.
			if affected > tc.defs-len(tc.problems) || affected < tc.defs*99/100 {
				t.Errorf("affected entries = %d for %d definitions", affected, tc.defs)
			}
			for _, want := range tc.spot {
				got := find(res.Advisories, want.ID)
				if got == nil {
					t.Fatalf("%s missing", want.ID)
				}
				if want.Affected == nil {
					if len(got.Affected) != 1 || got.Affected[0].Ranges[0].Events[0] != (vulndb.Event{Introduced: "0"}) {
						t.Errorf("%s: %+v", want.ID, got.Affected)
					}
					continue
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", want.ID, diff)
				}
			}
			if tc.multiFix != "" {
				a := find(res.Advisories, tc.multiFix)
				var fixes []string
				for _, af := range a.Affected {
					fixes = append(fixes, af.Package+" "+af.Ranges[0].Events[1].Fixed)
				}
				want := []string{"xorg-x11-server 1.20.10-6.azl3", "xorg-x11-server 1.20.10-4.azl3"}
				if diff := cmp.Diff(want, fixes); diff != "" {
					t.Errorf("%s fixes (-want +got):\n%s", tc.multiFix, diff)
				}
			}
			if tc.lastAffectedPkg != "" {
				f := strings.Split(tc.lastAffectedPkg, "/")
				a := find(res.Advisories, f[0])
				want := vulndb.Affected{Ecosystem: tc.eco, Package: f[1], Status: vulndb.StatusAffected,
					Ranges:   []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {LastAffected: f[2]}}}},
					Severity: distro("medium")}
				if a == nil {
					t.Fatalf("%s missing", f[0])
				}
				var got vulndb.Affected
				for _, af := range a.Affected {
					if af.Package == f[1] {
						got = af
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("unpatched %s (-want +got):\n%s", f[0], diff)
				}
			}
		})
	}
}

func TestRealUbuntu(t *testing.T) {
	t.Parallel()
	path := testenv.Shared(t, "vulndata", "ubuntu-oval", "com.ubuntu.noble.usn.oval.xml.gz")
	raw := gunzip(t, path)
	if n := len(defRE.FindAllString(raw, -1)); n != 260 {
		t.Errorf("raw patch definitions = %d, README says 260", n)
	}
	// Definitions with at least one dpkginfo test are the ones a package
	// inventory can match; the others check the running kernel (USN kernel
	// updates, LSN livepatches) and emit nothing.
	dpkgTests := map[string]bool{}
	for _, m := range regexp.MustCompile(`<linux:dpkginfo_test id="([^"]+)"`).FindAllStringSubmatch(raw, -1) {
		dpkgTests[m[1]] = true
	}
	withPkg, cves := 0, map[string]bool{}
	for _, d := range regexp.MustCompile(`(?s)<definition id=[^>]*class="patch">.*?</definition>`).FindAllString(raw, -1) {
		for _, m := range regexp.MustCompile(`test_ref="([^"]+)"`).FindAllStringSubmatch(d, -1) {
			if dpkgTests[m[1]] {
				withPkg++
				for _, c := range cveRE.FindAllStringSubmatch(d, -1) {
					cves[c[1]] = true
				}
				break
			}
		}
	}

	res := parseFile(t, path)
	if res.Err != nil || len(res.Problems) != 0 {
		t.Fatalf("err %v, problems %q", res.Err, res.Problems)
	}
	if len(res.Advisories) != withPkg || withPkg < 200 {
		t.Errorf("advisories = %d, definitions with package tests = %d", len(res.Advisories), withPkg)
	}
	gotCVEs := map[string]bool{}
	for _, a := range res.Advisories {
		if !strings.HasPrefix(a.ID, "USN-") || a.Source != SourceUbuntu || len(a.Affected) == 0 || a.Summary == "" {
			t.Fatalf("bad advisory %+v", a)
		}
		for _, al := range a.Aliases {
			gotCVEs[al] = true
		}
		for _, af := range a.Affected {
			if af.Ecosystem != "Ubuntu:24.04" {
				t.Fatalf("%s: ecosystem %q", a.ID, af.Ecosystem)
			}
		}
	}
	if diff := cmp.Diff(cves, gotCVEs); diff != "" {
		t.Errorf("CVE aliases (-raw +parsed):\n%s", diff)
	}
	if find(res.Advisories, "LSN-0104-1") != nil {
		t.Error("livepatch LSN-0104-1 has no package test and must not be emitted")
	}

	apache := find(res.Advisories, "USN-6729-3")
	if apache == nil {
		t.Fatal("USN-6729-3 missing")
	}
	want := &vulndb.Advisory{
		ID: "USN-6729-3", Source: "ubuntu", Summary: "Apache HTTP Server vulnerabilities",
		Aliases:    []string{"CVE-2023-38709", "CVE-2024-24795", "CVE-2024-27316"},
		Published:  date("2024-04-29T00:00:00Z"),
		Severity:   distro("medium"),
		References: apache.References,
	}
	for _, pkg := range []string{"apache2", "apache2-bin", "apache2-data", "apache2-dev", "apache2-doc", "apache2-ssl-dev",
		"apache2-suexec-custom", "apache2-suexec-pristine", "apache2-utils", "libapache2-mod-md", "libapache2-mod-proxy-uwsgi"} {
		want.Affected = append(want.Affected, fixed("Ubuntu:24.04", pkg, "2.4.58-1ubuntu8.1"))
	}
	if diff := cmp.Diff(want, apache); diff != "" {
		t.Errorf("USN-6729-3 (-want +got):\n%s", diff)
	}
	// A non-zero epoch stays: emacs's Ubuntu Pro fix.
	emacs := find(res.Advisories, "USN-7027-1")
	if emacs == nil || !hasFix(emacs, "emacs", "1:29.3+1-1ubuntu2+esm1") {
		t.Errorf("USN-7027-1 lacks emacs 1:29.3+1-1ubuntu2+esm1: %+v", emacs)
	}
	if openssl := find(res.Advisories, "USN-6663-3"); openssl == nil || !hasFix(openssl, "libssl3t64", "3.0.13-0ubuntu3.1") {
		t.Errorf("USN-6663-3 lacks libssl3t64 3.0.13-0ubuntu3.1: %+v", openssl)
	}
}

func hasFix(a *vulndb.Advisory, pkg, v string) bool {
	for _, af := range a.Affected {
		if af.Package == pkg && len(af.Ranges) == 1 && af.Ranges[0].Events[1].Fixed == v {
			return true
		}
	}
	return false
}

// doc builds a small Azure Linux style file: defs go in <definitions>, the
// rest after.
func doc(defs, tests, objects, states, variables string) string {
	return `<?xml version="1.0"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
<generator><oval:product_name>Azure Linux OVAL Definition Generator</oval:product_name></generator>
<definitions>` + defs + `</definitions>
<tests>` + tests + `</tests>
<objects>` + objects + `</objects>
<states>` + states + `</states>
<variables>` + variables + `</variables>
</oval_definitions>`
}

// azDef is one "CVE affects pkg" definition with one rpminfo test n.
func azDef(n, cve, criteria string) string {
	if criteria == "" {
		criteria = `<criteria operator="AND"><criterion test_ref="tst:` + n + `"/></criteria>`
	}
	return `<definition class="vulnerability" id="def:` + n + `" version="1"><metadata><title>` + cve + ` affecting package</title>
<reference ref_id="` + cve + `" source="CVE" ref_url="https://nvd.nist.gov/vuln/detail/` + cve + `"/><severity>High</severity></metadata>` + criteria + `</definition>`
}

func azTest(n, obj, ste string) string {
	return `<linux-def:rpminfo_test id="tst:` + n + `" check="at least one"><linux-def:object object_ref="obj:` + obj + `"/><linux-def:state state_ref="ste:` + ste + `"/></linux-def:rpminfo_test>`
}

func azObj(n, name string) string {
	return `<linux-def:rpminfo_object id="obj:` + n + `"><linux-def:name>` + name + `</linux-def:name></linux-def:rpminfo_object>`
}

func azState(n, op, evr string) string {
	return `<linux-def:rpminfo_state id="ste:` + n + `"><linux-def:evr datatype="evr_string" operation="` + op + `">` + evr + `</linux-def:evr></linux-def:rpminfo_state>`
}

const azFile = "azurelinux-3.0-oval.xml"

func TestCriteria(t *testing.T) {
	t.Parallel()
	eco := "Azure Linux:3.0"
	rng := func(pkg string, ev ...vulndb.Event) vulndb.Affected {
		return vulndb.Affected{Ecosystem: eco, Package: pkg, Status: vulndb.StatusAffected,
			Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: ev}}, Severity: distro("high")}
	}
	objs := azObj("1", "curl") + azObj("2", "libcurl")
	states := azState("1", "less than", "0:8.5.0-1.azl3") + azState("2", "greater than or equal", "0:8.0.0-1.azl3") +
		azState("3", "less than or equal", "1:8.2.0-1.azl3") + azState("4", "greater than", "0:0.0.0.azl3") +
		azState("5", "less than", "0:8.3.0-1.azl3")
	tests := azTest("1", "1", "1") + azTest("2", "1", "2") + azTest("3", "2", "3") + azTest("4", "1", "4") + azTest("5", "2", "5")
	for _, tc := range []struct {
		name     string
		criteria string
		want     []vulndb.Affected
		problem  string
	}{
		{"single", `<criteria><criterion test_ref="tst:1"/></criteria>`,
			[]vulndb.Affected{rng("curl", vulndb.Event{Introduced: "0"}, vulndb.Event{Fixed: "8.5.0-1.azl3"})}, ""},
		{"and range", `<criteria operator="AND"><criterion test_ref="tst:2"/><criterion test_ref="tst:1"/></criteria>`,
			[]vulndb.Affected{rng("curl", vulndb.Event{Introduced: "8.0.0-1.azl3"}, vulndb.Event{Fixed: "8.5.0-1.azl3"})}, ""},
		{"zero floor", `<criteria operator="AND"><criterion test_ref="tst:1"/><criterion test_ref="tst:4"/></criteria>`,
			[]vulndb.Affected{rng("curl", vulndb.Event{Introduced: "0"}, vulndb.Event{Fixed: "8.5.0-1.azl3"})}, ""},
		{"epoch kept, last affected", `<criteria><criterion test_ref="tst:3"/></criteria>`,
			[]vulndb.Affected{rng("libcurl", vulndb.Event{Introduced: "0"}, vulndb.Event{LastAffected: "1:8.2.0-1.azl3"})}, ""},
		{"or of packages", `<criteria operator="OR"><criterion test_ref="tst:1"/><criterion test_ref="tst:5"/></criteria>`,
			[]vulndb.Affected{rng("curl", vulndb.Event{Introduced: "0"}, vulndb.Event{Fixed: "8.5.0-1.azl3"}),
				rng("libcurl", vulndb.Event{Introduced: "0"}, vulndb.Event{Fixed: "8.3.0-1.azl3"})}, ""},
		{"negated lower bound", `<criteria operator="AND"><criterion test_ref="tst:1"/><criterion test_ref="tst:2" negate="true"/></criteria>`,
			[]vulndb.Affected{rng("curl", vulndb.Event{Introduced: "0"}, vulndb.Event{Fixed: "8.0.0-1.azl3"})}, ""},
		{"negated group (De Morgan)", `<criteria negate="true" operator="OR"><criterion test_ref="tst:2"/></criteria>`,
			[]vulndb.Affected{rng("curl", vulndb.Event{Introduced: "0"}, vulndb.Event{Fixed: "8.0.0-1.azl3"})}, ""},
		{"empty range dropped", `<criteria operator="AND"><criterion test_ref="tst:2" negate="true"/><criterion test_ref="tst:2"/></criteria>`,
			nil, ""},
		{"missing test", `<criteria><criterion test_ref="tst:99"/></criteria>`, nil, "missing test tst:99"},
		{"xor", `<criteria operator="XOR"><criterion test_ref="tst:1"/></criteria>`, nil, `operator "XOR" not supported`},
		{"empty criteria", `<criteria operator="AND"></criteria>`, nil, "empty criteria"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := parseBytes(t, doc(azDef("1", "CVE-2024-0001", tc.criteria), tests, objs, states, ""), azFile)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if tc.problem != "" {
				if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], tc.problem) || len(res.Advisories) != 0 {
					t.Fatalf("problems %q advisories %d, want one problem with %q", res.Problems, len(res.Advisories), tc.problem)
				}
				return
			}
			if len(res.Problems) != 0 {
				t.Fatalf("problems: %q", res.Problems)
			}
			var got []vulndb.Affected
			if len(res.Advisories) == 1 {
				got = res.Advisories[0].Affected
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEcosystemDetection(t *testing.T) {
	t.Parallel()
	body := func(gen, evr string) string {
		d := doc(azDef("1", "CVE-2024-0001", ""), azTest("1", "1", "1"), azObj("1", "curl"), azState("1", "less than", evr), "")
		return strings.Replace(d, "Azure Linux OVAL Definition Generator", gen, 1)
	}
	ubuntu := func(inventory string) string {
		return `<oval_definitions><generator><product_name>Canonical USN OVAL Generator</product_name></generator><definitions>` + inventory +
			`<definition id="oval:com.ubuntu.jammy:def:1" class="patch"><metadata><title>USN-1-1 -- x</title><reference source="USN" ref_id="USN-1-1"/></metadata>
<criteria><criterion test_ref="t1"/></criteria></definition></definitions>
<tests><dpkginfo_test id="t1"><object object_ref="o1"/><state state_ref="s1"/></dpkginfo_test></tests>
<objects><dpkginfo_object id="o1"><name>zlib1g</name></dpkginfo_object></objects>
<states><dpkginfo_state id="s1"><evr datatype="debian_evr_string" operation="less than">1:1.2.11-1</evr></dpkginfo_state></states></oval_definitions>`
	}
	for _, tc := range []struct {
		name, file, data, want, problem string
	}{
		{"azure file name", "azurelinux-3.0-oval.xml", body("Azure Linux OVAL Definition Generator", "0:1-1.azl3"), "Azure Linux:3.0", ""},
		{"mariner file name", "x/cbl-mariner-2.0-oval.xml.gz", body("CBL-Mariner OVAL Definition Generator", "0:1-1.cm2"), "CBL-Mariner:2.0", ""},
		{"azure dist tag", "feed.xml", body("Azure Linux OVAL Definition Generator", "0:1-1.azl3"), "Azure Linux:3.0", ""},
		{"mariner dist tag", "feed.xml", body("Some Generator", "0:1-1.cm2"), "", "cannot tell Azure Linux"},
		{"mariner by generator and tag", "feed.xml", body("CBL-Mariner OVAL Definition Generator", "0:1-1.cm1"), "CBL-Mariner:1.0", ""},
		{"azure no release", "feed.xml", body("Azure Linux OVAL Definition Generator", "0:1-1"), "", "cannot tell the Azure Linux / CBL-Mariner release"},
		{"ubuntu inventory title", "f.xml", ubuntu(`<definition class="inventory" id="i"><metadata><title>Check that Ubuntu 22.04 LTS (jammy) is installed.</title></metadata></definition>`), "Ubuntu:22.04", ""},
		{"ubuntu codename in ID", "f.xml", ubuntu(""), "Ubuntu:22.04", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := parseBytes(t, tc.data, tc.file)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if tc.problem != "" {
				if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], tc.problem) {
					t.Fatalf("problems %q, want %q", res.Problems, tc.problem)
				}
				return
			}
			if len(res.Problems) != 0 || len(res.Advisories) != 1 || res.Advisories[0].Affected[0].Ecosystem != tc.want {
				t.Fatalf("problems %q advisories %+v, want ecosystem %s", res.Problems, res.Advisories, tc.want)
			}
		})
	}
}

func TestHostile(t *testing.T) {
	t.Parallel()
	good := azDef("1", "CVE-2024-0001", "")
	parts := [4]string{azTest("1", "1", "1"), azObj("1", "curl"), azState("1", "less than", "0:8.5.0-1.azl3"), ""}
	valid := doc(good, parts[0], parts[1], parts[2], parts[3])
	deep := strings.Repeat(`<criteria operator="OR">`, MaxDepth+5) + `<criterion test_ref="tst:1"/>` + strings.Repeat(`</criteria>`, MaxDepth+5)
	for _, tc := range []struct {
		name     string
		data     string
		advs     int // CVE-2024-0001 always the good one when 1
		problems []string
	}{
		{"billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>` +
			strings.Replace(valid[strings.Index(valid, "<oval_definitions"):], "curl", "&lol2;", 1), 0, []string{"DOCTYPE with entity declarations"}},
		{"external entity", `<!DOCTYPE x SYSTEM "file:///etc/passwd">` + valid, 0, []string{"DOCTYPE"}},
		{"undeclared entity", strings.Replace(valid, ">curl<", ">&xxe;<", 1), 0, []string{"malformed OVAL XML", "lost their tests"}},
		{"truncated in tests", valid[:strings.Index(valid, "<objects>")+20], 0, []string{"malformed OVAL XML", "1 definitions (first def:1) lost"}},
		{"truncated in definitions", valid[:strings.Index(valid, "<metadata>")+30], 0, []string{"malformed OVAL XML"}},
		{"empty", "", 0, []string{"malformed OVAL XML"}},
		{"not OVAL", `<html><body/></html>`, 0, []string{"not an OVAL definitions file"}},
		{"deep nesting", doc(good+azDef("2", "CVE-2024-0002", deep), parts[0], parts[1], parts[2], parts[3]), 1, []string{"def:2 (CVE-2024-0002", "nested deeper than 64"}},
		{"very deep nesting", doc(good+strings.Repeat("<a>", HardMaxDepth+10), "", "", "", ""), 0, []string{"nested too deeply"}},
		{"missing test ref", doc(good+azDef("2", "CVE-2024-0002", `<criteria><criterion test_ref="tst:404"/></criteria>`), parts[0], parts[1], parts[2], parts[3]), 1, []string{"missing test tst:404"}},
		{"missing object", doc(good+azDef("2", "CVE-2024-0002", ""), parts[0]+azTest("2", "404", "1"), parts[1], parts[2], parts[3]), 1, []string{"missing object obj:404"}},
		{"missing state", doc(good+azDef("2", "CVE-2024-0002", ""), parts[0]+azTest("2", "1", "404"), parts[1], parts[2], parts[3]), 1, []string{"missing state ste:404"}},
		{"bad version", doc(good+azDef("2", "CVE-2024-0002", ""), parts[0]+azTest("2", "1", "2"), parts[1], parts[2]+azState("2", "less than", "1.0,2.0-1"), parts[3]), 1, []string{"bad version"}},
		{"bad epoch", doc(good+azDef("2", "CVE-2024-0002", ""), parts[0]+azTest("2", "1", "2"), parts[1], parts[2]+azState("2", "less than", "x:1.0-1"), parts[3]), 1, []string{"bad version"}},
		{"unknown operation", doc(good+azDef("2", "CVE-2024-0002", ""), parts[0]+azTest("2", "1", "2"), parts[1], parts[2]+azState("2", "pattern match", "1.*"), parts[3]), 1, []string{`operation "pattern match" not supported`}},
		{"huge package name", doc(good+azDef("2", "CVE-2024-0002", ""), parts[0]+azTest("2", "2", "1"), parts[1]+azObj("2", strings.Repeat("a", MaxField+1)), parts[2], parts[3]), 1, []string{"package name of 513 bytes"}},
		{"huge text", doc(good+azDef("2", "CVE-2024-0002", "")+strings.Replace(azDef("3", "CVE-2024-0003", ""), "affecting package", strings.Repeat("x", MaxToken+1), 1),
			parts[0]+azTest("2", "1", "1")+azTest("3", "1", "1"), parts[1], parts[2], parts[3]), 2, []string{"def:3", "over 1048576 bytes"}},
		{"no CVE", doc(good+strings.Replace(azDef("2", "X-1", ""), `source="CVE"`, `source="x"`, 1), parts[0]+azTest("2", "1", "1"), parts[1], parts[2], parts[3]), 1, []string{"no CVE reference"}},
		{"bad gzip", "\x1f\x8bjunk", 0, []string{"gzip"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := parseBytes(t, tc.data, azFile)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if len(res.Advisories) != tc.advs || tc.advs > 0 && res.Advisories[0].ID != "CVE-2024-0001" {
				t.Errorf("advisories = %+v, want %d", res.Advisories, tc.advs)
			}
			all := strings.Join(res.Problems, "\n")
			for _, p := range tc.problems {
				if !strings.Contains(all, p) {
					t.Errorf("problems %q lack %q", res.Problems, p)
				}
			}
			if len(res.Problems) == 0 {
				t.Error("no problem reported")
			}
		})
	}
}

func TestSizeCapAndGzip(t *testing.T) {
	t.Parallel()
	valid := doc(azDef("1", "CVE-2024-0001", ""), azTest("1", "1", "1"), azObj("1", "curl"), azState("1", "less than", "0:8.5.0-1.azl3"), "")
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	if _, err := zw.Write([]byte(valid)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	res := parseAll(t, bytes.NewReader(zb.Bytes()), azFile)
	if res.Err != nil || len(res.Problems) != 0 || len(res.Advisories) != 1 {
		t.Fatalf("gzip: %+v", res)
	}
	// Truncated gzip stream: the XML breaks off.
	res = parseAll(t, bytes.NewReader(zb.Bytes()[:zb.Len()/2]), azFile)
	if res.Err != nil || len(res.Problems) == 0 || len(res.Advisories) != 0 {
		t.Fatalf("truncated gzip: %+v", res)
	}
	var probs []string
	err := parse(context.Background(), strings.NewReader(valid), azFile, int64(len(valid)/2), func(*vulndb.Advisory) error { return nil },
		func(p *vulndb.Problem) { probs = append(probs, p.Error()) })
	if err != nil || len(probs) == 0 || !strings.Contains(probs[0], "larger than") {
		t.Fatalf("size cap: %v %q", err, probs)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	valid := doc(azDef("1", "CVE-2024-0001", ""), azTest("1", "1", "1"), azObj("1", "curl"), azState("1", "less than", "0:8.5.0-1.azl3"), "")
	vulndbtest.ReadError(t, Parse, valid[:100])
	vulndbtest.EmitError(t, Parse, valid)
	vulndbtest.Cancelled(t, Parse, valid)
}
