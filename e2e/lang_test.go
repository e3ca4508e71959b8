package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// langPaths are the places of the application layer of the language image.
const (
	appVuln   = "srv/app-vuln"
	appFixed  = "srv/app-fixed"
	binVuln   = "usr/local/bin"
	binFixed  = "opt/fixed/bin"
	jacksonGA = "com.fasterxml.jackson.core:jackson-databind"
)

// langKey names a package in findings and expectations.
type langKey struct{ Type, Name, Version string }

func (k langKey) String() string { return k.Type + ":" + k.Name + "@" + k.Version }

// langImage is the image of issue 4's acceptance test, its layers' diff IDs
// and the Go binaries in it.
type langImage struct {
	layout   string // OCI layout directory
	layers   [3]v1.Hash
	binaries map[string]goBinary // image path -> binary
}

// buildLangImage builds the language image:
//
//	layer 0: the debootstrap bullseye tree (scripts/testdata-debian.sh);
//	layer 1: what dpkg installed for python3-urllib3, python3-requests and
//	         libjackson2-databind-java on top of it (scripts/testdata-langdeps.sh);
//	layer 2: the npm trees app-vuln and app-fixed under srv/ (app-vuln also
//	         holds a copy of Debian's jackson-databind jar that no package
//	         manager owns), the Go binaries built against vulnerable module
//	         versions in usr/local/bin and against fixed ones in opt/fixed/bin.
func buildLangImage(t *testing.T) *langImage {
	t.Helper()
	testenv.Root(t) // the tree has root-only files
	base := testenv.TestData(t, "debian", "bullseye")
	ld := testenv.TestData(t, "langdeps")
	testenv.Tool(t, "gzip")
	// The binaries first (they may skip when the proxy is unreachable).
	dir := t.TempDir()
	stage := filepath.Join(dir, "app")
	bins := map[string]goBinary{}
	for variant, where := range map[string]string{"vuln": binVuln, "fixed": binFixed} {
		if err := os.MkdirAll(filepath.Join(stage, where), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, app := range langGoApps[variant] {
			p := where + "/" + app.Name
			bins[p] = buildGoApp(t, variant, app, filepath.Join(stage, p))
		}
	}
	li, err := assembleLangImage(t, base, ld, stage, dir)
	if err != nil {
		t.Fatal(err)
	}
	li.binaries = bins
	return li
}

func assembleLangImage(t *testing.T, base, ld, stage, dir string) (*langImage, error) {
	for _, app := range []string{"app-vuln", "app-fixed"} {
		if err := os.CopyFS(filepath.Join(stage, "srv", app), os.DirFS(filepath.Join(ld, app))); err != nil {
			return nil, fmt.Errorf("copy %s: %w", app, err)
		}
	}
	all := func(string, bool) bool { return true }
	var (
		layers [3]v1.Layer
		errs   [3]error
		wg     sync.WaitGroup
	)
	for i, root := range []string{base, filepath.Join(ld, "debian-layer"), stage} {
		wg.Go(func() {
			layers[i], errs[i] = gzipLayer(filepath.Join(dir, fmt.Sprintf("layer%d.tar.gz", i)), types.OCILayer,
				func(w io.Writer) error { return writeTree(w, root, all, nil) })
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	img, err := baseImage(types.OCIManifestSchema1, types.OCIConfigJSON, []string{"/bin/bash"})
	if err != nil {
		return nil, err
	}
	if img, err = mutate.AppendLayers(img, layers[:]...); err != nil {
		return nil, err
	}
	li := &langImage{layout: ociLayout(t, img)}
	for i, l := range layers {
		if li.layers[i], err = l.DiffID(); err != nil {
			return nil, err
		}
	}
	return li, nil
}

// langDB imports all of ../shared/vulndata with `vigil db import` and
// returns the database file.
func langDB(t *testing.T) string {
	t.Helper()
	var paths []string
	for _, p := range []string{
		"alpine-secdb/json",
		"debian-security-tracker/data",
		"azurelinux-oval/azurelinux-3.0-oval.xml.gz",
		"azurelinux-oval/cbl-mariner-2.0-oval.xml.gz",
		"ubuntu-oval/com.ubuntu.noble.usn.oval.xml.gz",
		"cisa-kev/known_exploited_vulnerabilities.json",
		"github-advisory-database/advisories",
		"golang-vulndb/golang-vulndb-osv.tar.gz",
		"pypa-advisory-database/pypa-advisory-database-vulns.tar.gz",
		"rustsec-advisory-db/rustsec-advisory-db-osv.tar.gz",
	} {
		paths = append(paths, testenv.Shared(t, "vulndata", p))
	}
	file := filepath.Join(t.TempDir(), "vigil.db")
	if r := vigil(t, nil, append([]string{"--db", file, "db", "import"}, paths...)...); r.code != 0 {
		t.Fatalf("vigil db import: %v", r)
	}
	return file
}

// scanDoc runs `vigil scan ... --format json` and decodes the document strictly.
func scanDoc(t *testing.T, args ...string) *report.VulnDocument {
	t.Helper()
	r := vigil(t, nil, append(args, "--format", "json")...)
	if r.code != 0 {
		t.Fatalf("vigil %s: %v", strings.Join(args, " "), r)
	}
	var doc report.VulnDocument
	dec := json.NewDecoder(bytes.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode scan JSON: %v\n%.2000s", err, r.stdout)
	}
	for _, w := range doc.Warnings {
		t.Logf("scan warning: %s", w)
	}
	return &doc
}

// advisoryID is the record ID of an advisory key ("golang-vulndb/GO-2021-0113").
func advisoryID(key string) string { return key[strings.LastIndex(key, "/")+1:] }

// idsByPackage maps each package with findings to the sorted record IDs of
// every advisory that matched it.
func idsByPackage(fs []report.VulnFinding, keep func(report.VulnFinding) bool) map[langKey][]string {
	out := map[langKey][]string{}
	for _, f := range fs {
		if keep != nil && !keep(f) {
			continue
		}
		k := langKey{f.Package.Type, f.Package.Name, f.Package.Version}
		for _, a := range f.Advisories {
			out[k] = append(out[k], advisoryID(a))
		}
	}
	for k, v := range out {
		slices.Sort(v)
		out[k] = slices.Compact(v)
	}
	return out
}

// findingIDs maps each package to its sorted finding IDs: what a report shows.
func findingIDs(fs []report.VulnFinding) map[langKey][]string {
	out := map[langKey][]string{}
	for _, f := range fs {
		k := langKey{f.Package.Type, f.Package.Name, f.Package.Version}
		out[k] = append(out[k], f.ID+" "+strings.Join(f.Advisories, ","))
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

var langTypes = []string{inventory.TypeGolang, inventory.TypeNPM, inventory.TypePyPI, inventory.TypeMaven}

// TestLangDeps is issue 4's acceptance test: an image with real old npm
// packages from the npm registry, Python libraries and a jar installed by
// dpkg from Debian bullseye, a second copy of that jar outside any package
// manager, and Go binaries built here against vulnerable and fixed
// golang.org/x/text and golang.org/x/net. The expected advisories come from
// the OSV records themselves (ranges evaluated in this test for Go and npm,
// hand-checked IDs for the jar), never from vigil's matcher.
func TestLangDeps(t *testing.T) {
	t.Parallel()
	li := buildLangImage(t)
	db := langDB(t)
	ghsa := testenv.Shared(t, "vulndata", "github-advisory-database", "advisories")
	recs := loadOSV(t, ghsa, testenv.Shared(t, "vulndata", "golang-vulndb", "golang-vulndb-osv.tar.gz"))
	ref := "oci:" + li.layout
	appLayer := li.layers[2].String()

	// The expected advisories of every language package with any.
	want := map[langKey][]string{}
	wantPaths := map[langKey][]string{} // where each must be found
	fixedKeys := map[langKey]bool{}
	addWant := func(k langKey, ids []string, path string, fixed bool) {
		if fixed {
			fixedKeys[k] = true
		}
		wantPaths[k] = append(wantPaths[k], path)
		if len(ids) > 0 {
			want[k] = ids
		}
	}
	for _, p := range slices.Sorted(maps.Keys(li.binaries)) {
		b := li.binaries[p]
		fixed := strings.HasPrefix(p, binFixed)
		for mod, ver := range b.Modules {
			ids := affectedIDs(t, recs, "Go", mod, ver)
			addWant(langKey{inventory.TypeGolang, mod, ver}, ids, p, fixed && strings.HasPrefix(mod, "golang.org/x/"))
			t.Logf("%s: %s %s: %v", p, mod, ver, ids)
		}
		std := "v" + strings.TrimPrefix(b.Toolchain, "go")
		addWant(langKey{inventory.TypeGolang, inventory.GoStdlib, std}, affectedIDs(t, recs, "Go", "stdlib", std), p, false)
	}
	versions := readLangVersions(t)
	for _, app := range []string{"app-vuln", "app-fixed"} {
		for _, name := range []string{"lodash", "minimist"} {
			ver := versions["npm "+app+" "+name]
			ids := affectedIDs(t, recs, "npm", name, ver)
			if app == "app-vuln" && len(ids) == 0 {
				t.Fatalf("npm %s@%s: no advisory in the data: not the vulnerable version?", name, ver)
			}
			if app == "app-fixed" && len(ids) != 0 {
				t.Fatalf("npm %s@%s: advisories %v in the data: not the fixed version?", name, ver, ids)
			}
			t.Logf("%s: npm %s@%s: %v", app, name, ver, ids)
			addWant(langKey{inventory.TypeNPM, name, ver}, ids, "srv/"+app+"/node_modules/"+name+"/package.json", app == "app-fixed")
		}
	}
	// Checked by reading the records: jackson-databind 2.12.1 is below
	// GHSA-57j2-w4cx-62h2's fix 2.12.6.1 (range 0 - 2.12.6.1) and below
	// GHSA-rgv9-q543-rqg4's 2.13.4 (range 0 - 2.13.4).
	jackVer := versions["deb libjackson2-databind-java"]
	jackVer, _, _ = strings.Cut(jackVer, "-")
	if jackVer != "2.12.1" {
		t.Fatalf("libjackson2-databind-java %s: the hand-checked IDs below are for 2.12.1", versions["deb libjackson2-databind-java"])
	}
	want[langKey{inventory.TypeMaven, jacksonGA, jackVer}] = []string{"GHSA-57j2-w4cx-62h2", "GHSA-rgv9-q543-rqg4"}

	doc := scanDoc(t, "--db", db, "scan", "image", ref)
	got := idsByPackage(doc.Findings, func(f report.VulnFinding) bool { return slices.Contains(langTypes, f.Package.Type) })

	t.Run("advisories", func(t *testing.T) {
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("advisory IDs per language package (-want +got):\n%s", diff)
		}
		for k := range fixedKeys {
			if ids := got[k]; len(ids) > 0 {
				t.Errorf("%s (a fixed version) reported %v", k, ids)
			}
		}
	})

	t.Run("layer-and-file", func(t *testing.T) {
		for _, f := range doc.Findings {
			if !slices.Contains(langTypes, f.Package.Type) {
				continue
			}
			k := langKey{f.Package.Type, f.Package.Name, f.Package.Version}
			if f.Package.Layer != appLayer {
				t.Errorf("%s %s: layer %q, want the application layer %s", k, f.ID, f.Package.Layer, appLayer)
			}
			switch {
			case f.Package.Path == "":
				t.Errorf("%s %s: no file", k, f.ID)
			case k.Type == inventory.TypeMaven && f.Package.Path != appVuln+"/lib/jackson-databind-2.12.1.jar":
				t.Errorf("%s %s: file %s, want the copy in %s/lib (the dpkg-owned jar must give no Maven finding)", k, f.ID, f.Package.Path, appVuln)
			case k.Type == inventory.TypeNPM && !strings.HasPrefix(f.Package.Path, appVuln+"/"):
				t.Errorf("%s %s: file %s, want one under %s", k, f.ID, f.Package.Path, appVuln)
			case k.Type == inventory.TypeGolang && !slices.Contains(wantPaths[k], f.Package.Path):
				t.Errorf("%s %s: file %s, want one of %v", k, f.ID, f.Package.Path, wantPaths[k])
			}
			if f.Why == "" || f.Ecosystem == "" {
				t.Errorf("%s %s: ecosystem %q, why %q", k, f.ID, f.Ecosystem, f.Why)
			}
		}
	})

	t.Run("debian-owned", func(t *testing.T) {
		for _, f := range doc.Findings {
			if f.Package.Type == inventory.TypePyPI || strings.Contains(strings.ToLower(f.Ecosystem), "pypi") ||
				slices.ContainsFunc(f.Advisories, func(a string) bool { return strings.Contains(a, "PYSEC-") }) {
				t.Errorf("upstream Python finding %s (%v) in %s %s at %s: Debian's python3-* packages must be matched through their deb owner",
					f.ID, f.Advisories, f.Package.Name, f.Package.Version, f.Package.Path)
			}
		}
	})

	inv := inventoryOf(t, nil, "sbom", "image", ref)
	t.Run("inventory", func(t *testing.T) {
		debPURL := map[string]string{}
		for _, p := range inv.Packages {
			if p.Type == inventory.TypeDeb {
				debPURL[p.Name] = p.PURL
			}
		}
		owned := []struct{ typ, name, version, owner string }{
			{inventory.TypePyPI, "urllib3", upstream(versions["deb python3-urllib3"]), "python3-urllib3"},
			{inventory.TypePyPI, "requests", upstream(versions["deb python3-requests"]), "python3-requests"},
			{inventory.TypeMaven, jacksonGA, jackVer, "libjackson2-databind-java"},
		}
		for _, o := range owned {
			if debPURL[o.owner] == "" {
				t.Errorf("deb package %s not in the inventory", o.owner)
				continue
			}
			i := slices.IndexFunc(inv.Packages, func(p inventory.Package) bool {
				return p.Type == o.typ && strings.EqualFold(p.Name, o.name) && p.Version == o.version && p.OwnedBy != ""
			})
			if i < 0 {
				t.Errorf("%s %s %s owned by %s: not in the inventory; %s packages named so: %v", o.typ, o.name, o.version, o.owner, o.typ, named(inv, o.typ, o.name))
				continue
			}
			if p := inv.Packages[i]; p.OwnedBy != debPURL[o.owner] || p.Layer != li.layers[1].String() {
				t.Errorf("%s %s at %s: owned by %q in layer %s, want %q in layer %s", o.name, o.version, p.Path, p.OwnedBy, p.Layer, debPURL[o.owner], li.layers[1])
			}
		}
		// The copy of the jar: not owned.
		if !slices.ContainsFunc(inv.Packages, func(p inventory.Package) bool {
			return p.Type == inventory.TypeMaven && p.Name == jacksonGA && p.Version == jackVer && p.OwnedBy == "" &&
				p.Path == appVuln+"/lib/jackson-databind-2.12.1.jar"
		}) {
			t.Errorf("the unowned copy %s/lib/jackson-databind-2.12.1.jar is not in the inventory; maven packages: %v", appVuln, named(inv, inventory.TypeMaven, jacksonGA))
		}
		// The Go standard library, once per toolchain, found in every binary.
		var std []inventory.Package
		for _, p := range inv.Packages {
			if p.Type == inventory.TypeGolang && p.Name == inventory.GoStdlib {
				std = append(std, p)
			}
		}
		if len(std) == 0 {
			t.Errorf("no Go standard library package (%s) in the inventory", inventory.GoStdlib)
		}
		var stdPaths []string
		for _, p := range std {
			stdPaths = append(stdPaths, locationPaths(p)...)
		}
		if wantStd := slices.Sorted(maps.Keys(li.binaries)); !gocmp.Equal(wantStd, slices.Sorted(slices.Values(stdPaths))) {
			t.Errorf("Go standard library found in %v, want %v", stdPaths, wantStd)
		}
		// npm: lock file and installed tree merge into one package with both locations.
		for _, app := range []string{appVuln, appFixed} {
			for _, name := range []string{"lodash", "minimist"} {
				ver := versions["npm "+filepath.Base(app)+" "+name]
				var found []inventory.Package
				for _, p := range inv.Packages {
					if p.Type == inventory.TypeNPM && p.Name == name && p.Version == ver {
						found = append(found, p)
					}
				}
				if len(found) != 1 {
					t.Errorf("npm %s@%s: %d packages, want 1 (merged): %+v", name, ver, len(found), found)
					continue
				}
				wantLocs := []inventory.Location{
					{Layer: appLayer, Path: app + "/node_modules/" + name + "/package.json"},
					{Layer: appLayer, Path: app + "/package-lock.json"},
				}
				if diff := gocmp.Diff(wantLocs, found[0].Locations); diff != "" {
					t.Errorf("npm %s@%s locations (-want +got):\n%s", name, ver, diff)
				}
			}
		}
	})

	t.Run("sbom-round-trip", func(t *testing.T) {
		cdx := filepath.Join(t.TempDir(), "lang.cdx.json")
		if r := vigil(t, nil, "sbom", "image", ref, "--format", "cyclonedx", "-o", cdx); r.code != 0 {
			t.Fatalf("vigil sbom image: %v", r)
		}
		fromSBOM := scanDoc(t, "--db", db, "scan", "sbom", cdx)
		if diff := gocmp.Diff(findingIDs(doc.Findings), findingIDs(fromSBOM.Findings)); diff != "" {
			t.Errorf("findings per package, image scan (-) vs scan of its CycloneDX SBOM (+):\n%s", diff)
		}
	})
}

// locationPaths are the files a package was found in.
func locationPaths(p inventory.Package) []string {
	if len(p.Locations) == 0 {
		return []string{p.Path}
	}
	var out []string
	for _, l := range p.Locations {
		out = append(out, l.Path)
	}
	return out
}

func named(inv *inventory.Inventory, typ, name string) []string {
	var out []string
	for _, p := range inv.Packages {
		if p.Type == typ && strings.EqualFold(p.Name, name) {
			out = append(out, fmt.Sprintf("%s@%s at %s owned by %q", p.Name, p.Version, p.Path, p.OwnedBy))
		}
	}
	return out
}

// upstream is the upstream part of a Debian version: "1.26.5-1~exp1" -> "1.26.5",
// "2.25.1+dfsg-2" -> "2.25.1".
func upstream(v string) string {
	if _, after, ok := strings.Cut(v, ":"); ok {
		v = after
	}
	if i := strings.LastIndex(v, "-"); i >= 0 {
		v = v[:i]
	}
	v, _, _ = strings.Cut(v, "+")
	v, _, _ = strings.Cut(v, "~")
	return v
}

// readLangVersions reads langdeps/versions.txt: "npm APP NAME" and "deb NAME"
// map to versions. npm lines are "npm NAME VERSION URL INTEGRITY" and the app
// trees' package-lock.json says which app holds which version.
func readLangVersions(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	b, err := os.ReadFile(testenv.TestData(t, "langdeps", "versions.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "deb" {
			out["deb "+f[1]] = f[2]
		}
	}
	for _, app := range []string{"app-vuln", "app-fixed"} {
		lb, err := os.ReadFile(testenv.TestData(t, "langdeps", app, "package-lock.json"))
		if err != nil {
			t.Fatal(err)
		}
		var lock struct {
			Packages map[string]struct {
				Version string `json:"version"`
			} `json:"packages"`
		}
		if err := json.Unmarshal(lb, &lock); err != nil {
			t.Fatalf("%s/package-lock.json: %v", app, err)
		}
		for k, p := range lock.Packages {
			if name, ok := strings.CutPrefix(k, "node_modules/"); ok {
				out["npm "+app+" "+name] = p.Version
			}
		}
	}
	return out
}
