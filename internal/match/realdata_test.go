package match

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/pkgname"
	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/alpine"
	"github.com/vigil-sec/vigil/internal/vulndb/debian"
	"github.com/vigil-sec/vigil/internal/vulndb/kev"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// realDB builds a database in a temporary directory from the shared
// Debian DSA list, every Alpine secdb JSON file, the OSV sets (Go, PyPA,
// RustSec, the GitHub advisories) and the KEV catalogue,
// through the real importers and store, and opens it.
func realDB(tb testing.TB) *vulndb.DB {
	tb.Helper()
	data := testenv.Shared(tb, "vulndata")
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "vigil.db")
	err := vulndb.Build(ctx, path, vulndb.BuildOptions{}, func(w *vulndb.Writer) error {
		problems := 0
		problem := func(*vulndb.Problem) { problems++ }
		load := func(source, format, file string, parse vulndb.ParseFunc) (int, error) {
			f, err := os.Open(file)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			n := 0
			err = parse(ctx, f, file, func(a *vulndb.Advisory) error { n++; return w.Put(source, a) }, problem)
			return n, err
		}
		n, err := load("debian-dsa", "debian-dsa-list", filepath.Join(data, "debian-security-tracker/data/DSA/list"), debian.ParseDSAList)
		if err != nil {
			return err
		}
		if err := w.SetSource(vulndb.SourceInfo{Name: "debian-dsa", Format: "debian-dsa-list", Records: n}); err != nil {
			return err
		}
		files, err := fs.Glob(os.DirFS(data), "alpine-secdb/json/*/*.json")
		if err != nil {
			return err
		}
		total := 0
		for _, f := range files {
			n, err := load("alpine-secdb", "alpine-secdb", filepath.Join(data, f), alpine.Parse)
			if err != nil {
				return err
			}
			total += n
		}
		if err := w.SetSource(vulndb.SourceInfo{Name: "alpine-secdb", Format: "alpine-secdb", Records: total}); err != nil {
			return err
		}
		// OSV: the Go vulnerability database, PyPA (YAML), RustSec and the
		// GitHub advisories (npm, Maven, NuGet, PyPI, crates.io, Go).
		for _, tgz := range []struct{ source, file string }{
			{"golang-vulndb", "golang-vulndb/golang-vulndb-osv.tar.gz"},
			{"pypa", "pypa-advisory-database/pypa-advisory-database-vulns.tar.gz"},
			{"rustsec", "rustsec-advisory-db/rustsec-advisory-db-osv.tar.gz"},
		} {
			f, err := os.Open(filepath.Join(data, tgz.file))
			if err != nil {
				return err
			}
			n := 0
			err = osv.ImportTarGz(ctx, f, tgz.file, func(a *vulndb.Advisory) error { n++; return w.Put(tgz.source, a) }, problem)
			f.Close()
			if err != nil {
				return err
			}
			if err := w.SetSource(vulndb.SourceInfo{Name: tgz.source, Format: "osv", Records: n}); err != nil {
				return err
			}
		}
		ng := 0
		if err := osv.ImportDir(ctx, os.DirFS(filepath.Join(data, "github-advisory-database")), func(a *vulndb.Advisory) error { ng++; return w.Put("ghsa", a) }, problem); err != nil {
			return err
		}
		if err := w.SetSource(vulndb.SourceInfo{Name: "ghsa", Format: "osv", Records: ng}); err != nil {
			return err
		}
		f, err := os.Open(filepath.Join(data, "cisa-kev/known_exploited_vulnerabilities.json"))
		if err != nil {
			return err
		}
		defer f.Close()
		nk := 0
		if err := kev.Parse(ctx, f, "kev.json", func(k vulndb.KEV) error { nk++; return w.PutKEV("cisa-kev", k) }, problem); err != nil {
			return err
		}
		return w.SetSource(vulndb.SourceInfo{Name: "cisa-kev", Format: "cisa-kev", Records: nk})
	})
	if err != nil {
		tb.Fatalf("build database: %v", err)
	}
	db, err := vulndb.Open(path)
	if err != nil {
		tb.Fatalf("open database: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestRealData(t *testing.T) {
	t.Parallel()
	db := realDB(t)
	got, err := Match(context.Background(), db, &inventory.Inventory{Distro: bullseye, Packages: []inventory.Package{
		debPkg("libssl1.1", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3"),
		debPkg("openssl", "1.1.1n-0+deb11u4", "openssl", "1.1.1n-0+deb11u4"),
	}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range got {
		if f.Package.Name != "libssl1.1" {
			t.Errorf("finding for %s at the fixed version: %+v", f.Package.Name, f)
		}
		if slices.Contains(f.Advisories, "debian-dsa/DSA-5343-1") {
			ids = append(ids, f.ID)
			if f.FixedVersion != "1.1.1n-0+deb11u4" || !strings.Contains(f.Why, "(DSA-5343-1)") {
				t.Errorf("%s: fixed %q, why %q", f.ID, f.FixedVersion, f.Why)
			}
		}
	}
	slices.Sort(ids)
	if want := []string{"CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"}; !slices.Equal(ids, want) {
		t.Errorf("DSA-5343-1 findings %v, want %v", ids, want)
	}

	got, err = Match(context.Background(), db, &inventory.Inventory{Distro: alpine20, Packages: []inventory.Package{
		apkPkg("libcrypto3", "3.3.2-r0", "openssl"),
		apkPkg("busybox", "1.36.1-r28", "busybox"),
	}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, f := range got {
		found = append(found, f.Package.Name+" "+f.ID+" "+f.FixedVersion)
	}
	slices.Sort(found)
	want := []string{
		"busybox CVE-2023-42364 1.36.1-r29",
		"busybox CVE-2023-42365 1.36.1-r29",
		"libcrypto3 CVE-2024-9143 3.3.2-r1",
	}
	if !slices.Equal(found, want) {
		t.Errorf("Alpine v3.20 findings\n got %v\nwant %v", found, want)
	}
}

// TestRealDataLanguage matches language packages at versions the shared
// records name against the real OSV sets: the expected IDs were read from
// the records (ranges noted beside each); the fixed versions give nothing.
func TestRealDataLanguage(t *testing.T) {
	t.Parallel()
	db := realDB(t)
	lang := func(typ, name, version string) inventory.Package {
		return inventory.Package{Type: typ, Name: name, Version: version, Path: "x"}
	}
	got, err := Match(context.Background(), db, &inventory.Inventory{Packages: []inventory.Package{
		lang("npm", "lodash", "4.17.15"),                                       // GHSA-p6mc-m468-83gw < 4.17.19; GHSA-35jh-r3h4-6jhm < 4.17.21
		lang("npm", "lodash", "4.17.21"),                                       // fixed
		lang("npm", "minimist", "1.2.0"),                                       // GHSA-xvch-5gv4-984h >= 1.0.0 < 1.2.6
		lang("npm", "minimist", "1.2.6"),                                       // fixed
		lang("maven", "com.fasterxml.jackson.core:jackson-databind", "2.12.1"), // GHSA-57j2 < 2.12.6.1 (and 2.13.0-2.13.2.1); GHSA-rgv9 < 2.13.4
		lang("maven", "com.fasterxml.jackson.core:jackson-databind", "2.13.4"),
		lang("nuget", "newtonsoft.json", "12.0.3"), // GHSA-5crp-9r3c-p9vr < 13.0.1, name compared case-insensitively
		lang("pypi", "Requests", "2.30.0"),         // GHSA-j8r2-6x86-q33q / PYSEC-2023-74 >= 2.3.0 < 2.31.0
		lang("pypi", "requests", "2.31.0"),
		lang("cargo", "time", "0.1.43"), // RUSTSEC-2020-0071 / GHSA-wcg3-cvx6-7396 < 0.2.23
	}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	byPkg := map[string][]string{}
	for _, f := range got {
		k := f.Package.Name + "@" + f.Package.Version
		byPkg[k] = append(byPkg[k], strings.Join(append([]string{f.ID}, f.Aliases...), " "))
	}
	for k, want := range map[string][]string{
		"lodash@4.17.15": {"GHSA-p6mc-m468-83gw", "GHSA-35jh-r3h4-6jhm"},
		"minimist@1.2.0": {"GHSA-xvch-5gv4-984h"},
		"com.fasterxml.jackson.core:jackson-databind@2.12.1": {"GHSA-57j2-w4cx-62h2", "GHSA-rgv9-q543-rqg4"},
		"newtonsoft.json@12.0.3":                             {"GHSA-5crp-9r3c-p9vr"},
		"Requests@2.30.0":                                    {"GHSA-j8r2-6x86-q33q"},
		"time@0.1.43":                                        {"RUSTSEC-2020-0071"},
	} {
		for _, id := range want {
			if !slices.ContainsFunc(byPkg[k], func(s string) bool { return strings.Contains(s, id) }) {
				t.Errorf("%s: no finding with %s in %v", k, id, byPkg[k])
			}
		}
	}
	for _, k := range []string{"lodash@4.17.21", "minimist@1.2.6", "com.fasterxml.jackson.core:jackson-databind@2.13.4", "requests@2.31.0"} {
		if len(byPkg[k]) > 0 {
			t.Errorf("%s (fixed): findings %v", k, byPkg[k])
		}
	}
}

// realPackages draws n packages of release eco from the database's own
// index: every source package the advisories name, in name order, with
// several binaries each when there are fewer than n. behind says how many
// of a package's fixes its installed version misses: 0 installs the
// newest fixed version (a current image: only unfixed entries can match),
// 1 the fix before it (each package misses its latest advisory), and so
// on.
func realPackages(tb testing.TB, db *vulndb.DB, eco, typ string, n, behind int) []inventory.Package {
	tb.Helper()
	c, ok := version.For(typ)
	if !ok {
		tb.Fatalf("no comparator for %s", typ)
	}
	fixes := map[string][]string{}
	err := db.Advisories(context.Background(), "", func(_ string, a *vulndb.Advisory) error {
		for _, af := range a.Affected {
			if af.Ecosystem != eco {
				continue
			}
			if _, ok := fixes[af.Package]; !ok {
				fixes[af.Package] = nil
			}
			for _, r := range af.Ranges {
				for _, e := range r.Events {
					if e.Fixed != "" && !slices.Contains(fixes[af.Package], e.Fixed) {
						fixes[af.Package] = append(fixes[af.Package], e.Fixed)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	names := slices.Sorted(maps.Keys(fixes))
	if len(names) == 0 {
		tb.Fatalf("no packages for %s", eco)
	}
	var pkgs []inventory.Package
	for i := 0; len(pkgs) < n; i++ {
		src := names[i%len(names)]
		fs := fixes[src]
		slices.SortFunc(fs, func(a, b string) int { r, _ := c.Compare(a, b); return r })
		ver := "1.0-r0"
		if len(fs) > 0 {
			ver = fs[max(0, len(fs)-1-behind)]
		}
		if _, lang := pkgname.Ecosystem(typ); lang {
			if typ == inventory.TypeGolang {
				ver = "v" + ver
			}
			pkgs = append(pkgs, inventory.Package{Name: src, Version: ver, Type: typ, Path: fmt.Sprintf("lock%d", i/len(names))})
			continue
		}
		pkgs = append(pkgs, inventory.Package{Name: fmt.Sprintf("%s-bin%d", src, i/len(names)), Version: ver,
			SourceName: src, SourceVersion: ver, Type: typ, Path: "db"})
	}
	return pkgs
}

// BenchmarkMatchRealDB matches 1,000 packages named in the real DSA list
// (Debian 11, whose DSAs name 191 source packages: about five binaries
// each) and Alpine secdb (v3.20, 663 origins) against a warm database
// built from them by the real importers and store: a current image (at
// the newest fixes), and images one and three fixes behind.
func BenchmarkMatchRealDB(b *testing.B) {
	db := realDB(b)
	for _, tc := range []struct {
		name   string
		distro *inventory.Distro
		eco    string
		typ    string
	}{
		{"debian11", bullseye, "Debian:11", "deb"},
		{"alpine320", alpine20, "Alpine:v3.20", "apk"},
		{"go", nil, "Go", "golang"},
		{"pypi", nil, "PyPI", "pypi"},
	} {
		for _, behind := range []int{0, 1, 3} {
			b.Run(fmt.Sprintf("%s/behind%d", tc.name, behind), func(b *testing.B) {
				inv := &inventory.Inventory{Distro: tc.distro, Packages: realPackages(b, db, tc.eco, tc.typ, 1000, behind)}
				if _, err := Match(context.Background(), db, inv, Options{}); err != nil { // warm
					b.Fatal(err)
				}
				var findings int
				for b.Loop() {
					fs, err := Match(context.Background(), db, inv, Options{})
					if err != nil {
						b.Fatal(err)
					}
					findings = len(fs)
				}
				b.ReportMetric(float64(findings), "findings")
			})
		}
	}
}
