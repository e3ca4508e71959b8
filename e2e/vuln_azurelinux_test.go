package e2e_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vigil-sec/vigil/internal/image/source"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// ovalDoc is the part of an OVAL 5 definitions file this test reads, decoded
// with encoding/xml on its own (not through vigil's importer). Element names
// match in any namespace.
type ovalDoc struct {
	Definitions []ovalDefinition `xml:"definitions>definition"`
	Tests       []struct {
		ID     string `xml:"id,attr"`
		Object struct {
			Ref string `xml:"object_ref,attr"`
		} `xml:"object"`
		States []struct {
			Ref string `xml:"state_ref,attr"`
		} `xml:"state"`
	} `xml:"tests>rpminfo_test"`
	Objects []struct {
		ID   string `xml:"id,attr"`
		Name string `xml:"name"`
	} `xml:"objects>rpminfo_object"`
	States []struct {
		ID  string `xml:"id,attr"`
		EVR struct {
			Operation string `xml:"operation,attr"`
			Value     string `xml:",chardata"`
		} `xml:"evr"`
	} `xml:"states>rpminfo_state"`
}

type ovalDefinition struct {
	ID         string `xml:"id,attr"`
	Class      string `xml:"class,attr"`
	References []struct {
		ID     string `xml:"ref_id,attr"`
		Source string `xml:"source,attr"`
	} `xml:"metadata>reference"`
	Criteria ovalCriteria `xml:"criteria"`
}

type ovalCriteria struct {
	Operator  string         `xml:"operator,attr"`
	Negate    bool           `xml:"negate,attr"`
	Criteria  []ovalCriteria `xml:"criteria"`
	Criterion []struct {
		TestRef string `xml:"test_ref,attr"`
		Negate  bool   `xml:"negate,attr"`
	} `xml:"criterion"`
}

// ovalConstraint is one rpminfo test resolved: package name, operation, EVR.
type ovalConstraint struct{ Name, Op, EVR string }

// rpmPair is one version comparison for rpm to make.
type rpmPair struct{ A, B string }

var rpmVersionChars = regexp.MustCompile(`^[A-Za-z0-9._+~^:-]+$`)

// rpmVercmp compares each pair with rpm's own rpm.vercmp (rpmvercmp over
// [epoch:]version[-release]) in one rpm run.
func rpmVercmp(t *testing.T, pairs []rpmPair) map[rpmPair]int {
	t.Helper()
	bin := testenv.Tool(t, "rpm")
	var lua strings.Builder
	for _, p := range pairs {
		if !rpmVersionChars.MatchString(p.A) || !rpmVersionChars.MatchString(p.B) {
			t.Fatalf("version with odd characters: %q %q", p.A, p.B)
		}
		fmt.Fprintf(&lua, "print(rpm.vercmp(%q, %q)) print(\"\\n\") ", p.A, p.B)
	}
	out, err := exec.Command(bin, "--eval", "%{lua: "+lua.String()+"}").Output()
	if err != nil {
		t.Fatalf("rpm --eval: %v", err)
	}
	res := map[rpmPair]int{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	i := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		n, err := strconv.Atoi(line)
		if err != nil || i >= len(pairs) {
			t.Fatalf("rpm --eval: unexpected output line %q", line)
		}
		res[pairs[i]] = n
		i++
	}
	if i != len(pairs) {
		t.Fatalf("rpm --eval: %d results for %d comparisons:\n%s", i, len(pairs), out)
	}
	return res
}

// TestVulnAzureLinux scans the Azure Linux 3.0 root that
// scripts/testdata-azurelinux.sh builds (an rpm database written by rpm,
// with real Azure Linux package names and versions below, at and above OVAL
// fixes) and expects exactly the (package, CVE) pairs that the Azure Linux
// 3.0 OVAL file makes true for them, evaluated here: each vulnerability
// definition's criteria resolved through rpminfo tests, objects and states,
// every EVR comparison made by rpm itself. It scans the root as a directory
// and as a single-layer image; both must agree.
func TestVulnAzureLinux(t *testing.T) {
	t.Parallel()
	root := testenv.TestData(t, "azurelinux", "root")
	ovalFile := testenv.Shared(t, "vulndata", "azurelinux-oval", "azurelinux-3.0-oval.xml.gz")
	rpmBin := testenv.Tool(t, "rpm")
	testenv.Tool(t, "gzip")

	// What is installed, from rpm itself.
	out, err := exec.Command(rpmBin, "--root", root, "--dbpath", "/var/lib/rpm", "-qa",
		"--qf", "%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n").Output()
	if err != nil {
		t.Fatalf("rpm -qa: %v", err)
	}
	installed := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, evr, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("rpm -qa: %q", line)
		}
		installed[name] = evr
	}
	if len(installed) < 5 {
		t.Fatalf("rpm -qa lists %d packages in %s", len(installed), root)
	}

	// The OVAL definitions.
	f, err := os.Open(ovalFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var doc ovalDoc
	if err := xml.NewDecoder(zr).Decode(&doc); err != nil {
		t.Fatalf("decode %s: %v", ovalFile, err)
	}
	if len(doc.Definitions) < 2000 {
		t.Fatalf("%s: %d definitions", ovalFile, len(doc.Definitions))
	}
	objects, states := map[string]string{}, map[string][2]string{}
	for _, o := range doc.Objects {
		objects[o.ID] = strings.TrimSpace(o.Name)
	}
	for _, s := range doc.States {
		states[s.ID] = [2]string{s.EVR.Operation, strings.TrimSpace(s.EVR.Value)}
	}
	tests := map[string]ovalConstraint{}
	for _, te := range doc.Tests {
		name, ok := objects[te.Object.Ref]
		if !ok || len(te.States) != 1 {
			t.Fatalf("OVAL test %s: object %q, %d states", te.ID, te.Object.Ref, len(te.States))
		}
		st, ok := states[te.States[0].Ref]
		if !ok {
			t.Fatalf("OVAL test %s: no state %s", te.ID, te.States[0].Ref)
		}
		tests[te.ID] = ovalConstraint{Name: name, Op: st[0], EVR: st[1]}
	}

	// The definitions that name an installed package, and every comparison
	// they need, made by rpm in one run.
	var relevant []ovalDefinition
	var pairs []rpmPair
	var walk func(c ovalCriteria, fn func(ovalConstraint))
	walk = func(c ovalCriteria, fn func(ovalConstraint)) {
		for _, cr := range c.Criterion {
			tc, ok := tests[cr.TestRef]
			if !ok {
				t.Fatalf("criterion names unknown test %s", cr.TestRef)
			}
			fn(tc)
		}
		for _, sub := range c.Criteria {
			walk(sub, fn)
		}
	}
	for _, d := range doc.Definitions {
		names := false
		walk(d.Criteria, func(c ovalConstraint) {
			if v, ok := installed[c.Name]; ok {
				names = true
				pairs = append(pairs, rpmPair{v, c.EVR})
			}
		})
		if names {
			relevant = append(relevant, d)
		}
	}
	cmpRes := rpmVercmp(t, pairs)

	// Evaluate each relevant definition as an OVAL interpreter would for
	// this root: an rpminfo test is true when the package is installed and
	// its EVR satisfies the state.
	var eval func(c ovalCriteria) bool
	eval = func(c ovalCriteria) bool {
		var vals []bool
		for _, cr := range c.Criterion {
			tc := tests[cr.TestRef]
			v, ok := installed[tc.Name]
			res := false
			if ok {
				n := cmpRes[rpmPair{v, tc.EVR}]
				switch tc.Op {
				case "less than":
					res = n < 0
				case "less than or equal":
					res = n <= 0
				case "greater than":
					res = n > 0
				case "greater than or equal":
					res = n >= 0
				case "equals":
					res = n == 0
				default:
					t.Fatalf("OVAL operation %q not handled by this test", tc.Op)
				}
			}
			vals = append(vals, res != cr.Negate)
		}
		for _, sub := range c.Criteria {
			vals = append(vals, eval(sub))
		}
		var res bool
		switch c.Operator {
		case "", "AND":
			res = !slices.Contains(vals, false)
		case "OR":
			res = slices.Contains(vals, true)
		default:
			t.Fatalf("OVAL operator %q not handled by this test", c.Operator)
		}
		return res != c.Negate
	}

	type pkgCVE struct{ Package, CVE string }
	affected := map[pkgCVE][]string{} // -> the "less than" EVRs that fix it
	notAffected := map[pkgCVE]bool{}
	for _, d := range relevant {
		if d.Class != "vulnerability" {
			t.Fatalf("definition %s: class %q", d.ID, d.Class)
		}
		var cves []string
		for _, r := range d.References {
			if r.Source == "CVE" {
				cves = append(cves, r.ID)
			}
		}
		if len(cves) != 1 {
			t.Fatalf("definition %s: CVE references %v", d.ID, cves)
		}
		var fixes []string
		var pkgs []string
		walk(d.Criteria, func(c ovalConstraint) {
			if _, ok := installed[c.Name]; !ok {
				return
			}
			pkgs = append(pkgs, c.Name)
			if c.Op == "less than" {
				fixes = append(fixes, c.EVR)
			}
		})
		true_ := eval(d.Criteria)
		for _, p := range slices.Compact(slices.Sorted(slices.Values(pkgs))) {
			k := pkgCVE{p, cves[0]}
			if true_ {
				affected[k] = append(affected[k], fixes...)
			} else {
				notAffected[k] = true
			}
		}
	}
	var want []pkgCVE
	for k := range affected {
		want = append(want, k)
	}
	less := func(a, b pkgCVE) int { return strings.Compare(a.Package+" "+a.CVE, b.Package+" "+b.CVE) }
	slices.SortFunc(want, less)
	var affectedPkgs, cleanPkgs []string
	for name := range installed {
		if slices.ContainsFunc(want, func(k pkgCVE) bool { return k.Package == name }) {
			affectedPkgs = append(affectedPkgs, name)
		} else {
			cleanPkgs = append(cleanPkgs, name)
		}
	}
	slices.Sort(affectedPkgs)
	slices.Sort(cleanPkgs)
	t.Logf("OVAL: %d definitions name the %d installed packages; %d (package, CVE) pairs affected in %v, %d not; no finding for %v",
		len(relevant), len(installed), len(want), affectedPkgs, len(notAffected), cleanPkgs)
	if len(want) == 0 || len(notAffected) == 0 || len(cleanPkgs) == 0 {
		t.Fatalf("the test root must hold packages below and at or above OVAL fixes (scripts/testdata-azurelinux.sh)")
	}

	// The fixed version a finding should name: the highest of the fixes of
	// the definitions that are true for it (compared by rpm), the version
	// that makes them all false; match keeps the highest where advisories
	// disagree (internal/match/doc.go).
	var fixPairs []rpmPair
	for _, fixes := range affected {
		for _, a := range fixes {
			for _, b := range fixes {
				fixPairs = append(fixPairs, rpmPair{a, b})
			}
		}
	}
	fixCmp := rpmVercmp(t, fixPairs)
	highestFix := func(k pkgCVE) string {
		fixes := affected[k]
		high := fixes[0]
		for _, f := range fixes[1:] {
			if fixCmp[rpmPair{f, high}] > 0 {
				high = f
			}
		}
		return high
	}

	catalogue := kevCatalogue(t)
	check := func(t *testing.T, sc scanned) {
		if sc.inv.Distro == nil || sc.inv.Distro.ID != "azurelinux" || sc.inv.Distro.VersionID != "3.0" {
			t.Fatalf("distro %+v, want azurelinux 3.0", sc.inv.Distro)
		}
		var got []pkgCVE
		var gotFix []rpmPair
		for _, f := range sc.findings {
			k := pkgCVE{f.Package.Name, f.ID}
			got = append(got, k)
			if f.Package.Version != installed[f.Package.Name] {
				t.Errorf("%s in %s: version %q, rpm says %q", f.ID, f.Package.Name, f.Package.Version, installed[f.Package.Name])
			}
			if f.Ecosystem != "Azure Linux:3.0" {
				t.Errorf("%s in %s: ecosystem %q, want Azure Linux:3.0", f.ID, f.Package.Name, f.Ecosystem)
			}
			if _, ok := affected[k]; !ok {
				continue
			}
			if f.Status != match.StatusFixed || f.FixedVersion == "" {
				t.Errorf("%s in %s: status %s, fixed version %q; OVAL has a fix", f.ID, f.Package.Name, f.Status, f.FixedVersion)
				continue
			}
			gotFix = append(gotFix, rpmPair{f.FixedVersion, highestFix(k)})
		}
		slices.SortFunc(got, less)
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("affected (package, CVE) pairs (-want per OVAL and rpm, +got):\n%s", diff)
		}
		for p, n := range rpmVercmp(t, gotFix) {
			if n != 0 {
				t.Errorf("a finding names fixed version %s; the highest OVAL fix that applies is %s", p.A, p.B)
			}
		}
		if marked := checkKEV(t, sc.findings, catalogue); marked == 0 {
			t.Errorf("no finding marked as known exploited; glibc's CVE-2023-4911 is in the catalogue")
		}
	}

	t.Run("dir", func(t *testing.T) {
		t.Parallel()
		check(t, scanRef(t, "dir:"+root, source.Options{}, ""))
	})
	t.Run("image", func(t *testing.T) {
		t.Parallel()
		layer, err := gzipLayer(filepath.Join(t.TempDir(), "layer.tar.gz"), types.OCILayer, func(w io.Writer) error {
			return writeTree(w, root, func(string, bool) bool { return true }, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		base, err := baseImage(types.OCIManifestSchema1, types.OCIConfigJSON, []string{"/bin/bash"})
		if err != nil {
			t.Fatal(err)
		}
		img, err := mutate.AppendLayers(base, layer)
		if err != nil {
			t.Fatal(err)
		}
		check(t, scanImage(t, img, source.Options{}, ""))
	})
}
