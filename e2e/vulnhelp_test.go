package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/image"
	"github.com/vigil-sec/vigil/internal/image/source"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/catalogers"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/feed"
)

// vulnData is the vulnerability database of the vulnerability end-to-end
// tests: built once per test binary from ../shared/vulndata (Alpine secdb
// JSON, Debian DSA and DLA lists, Azure Linux 3.0 and CBL-Mariner 2.0 OVAL,
// CISA KEV) on first use.
var vulnData struct {
	once sync.Once
	db   *vulndb.DB
	err  error
}

// vulnPaths are the shared data files and folders imported, relative to
// ../shared/vulndata.
var vulnPaths = []string{
	"alpine-secdb/json",
	"debian-security-tracker/data/DSA/list",
	"debian-security-tracker/data/DLA/list",
	"azurelinux-oval/azurelinux-3.0-oval.xml.gz",
	"azurelinux-oval/cbl-mariner-2.0-oval.xml.gz",
	"cisa-kev/known_exploited_vulnerabilities.json",
}

// vulnDB returns the shared database, importing it on first use.
func vulnDB(t *testing.T) *vulndb.DB {
	t.Helper()
	data := testenv.Shared(t, "vulndata")
	var paths []string
	for _, p := range vulnPaths {
		paths = append(paths, testenv.Shared(t, "vulndata", p))
	}
	vulnData.once.Do(func() {
		dir, err := os.MkdirTemp(s.dir, "vulndb-")
		if err != nil {
			vulnData.err = err
			return
		}
		dbPath := filepath.Join(dir, "vigil.db")
		start := time.Now()
		vulnData.err = importVulnData(t, dbPath, paths)
		if vulnData.err != nil {
			return
		}
		elapsed := time.Since(start)
		fi, err := os.Stat(dbPath)
		if err != nil {
			vulnData.err = err
			return
		}
		t.Logf("imported %d sources of %s in %v: database %.1f MB", len(paths), data,
			elapsed.Round(time.Millisecond), float64(fi.Size())/(1<<20))
		vulnData.db, vulnData.err = vulndb.Open(dbPath)
		if vulnData.err != nil {
			return
		}
		srcs, err := vulnData.db.Sources()
		if err != nil {
			vulnData.err = fmt.Errorf("list sources: %w", err)
			return
		}
		for _, si := range srcs {
			t.Logf("source %s (%s): %d records, %d problems, data of %s", si.Name, si.Format,
				si.Records, si.Problems, si.DataTime.Format(time.DateOnly))
		}
	})
	if vulnData.err != nil {
		t.Fatalf("vulnerability database: %v", vulnData.err)
	}
	return vulnData.db
}

// importVulnData imports paths with feed.Import, the code path of `vigil db
// import`, and fails when a source fails.
func importVulnData(t *testing.T, dbPath string, paths []string) error {
	sum, err := feed.Import(context.Background(), dbPath, paths, feed.Observer{})
	if err != nil {
		return fmt.Errorf("feed.Import: %w", err)
	}
	var errs []error
	for _, r := range sum.Sources {
		t.Logf("feed.Import %s: %d records, %d problems; first: %q", r.Name, r.Records, r.Problems, firstN(r.FirstProblems, 2))
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("source %s: %w", r.Name, r.Err))
		}
	}
	if len(sum.Sources) != len(paths) {
		errs = append(errs, fmt.Errorf("feed.Import made %d sources of %d paths", len(sum.Sources), len(paths)))
	}
	return errors.Join(errs...)
}

func firstN(s []string, n int) []string { return s[:min(n, len(s))] }

// kevCatalogue is CISA's catalogue read straight from the shared JSON (not
// through vigil's importer): CVE -> dateAdded.
func kevCatalogue(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(testenv.Shared(t, "vulndata", "cisa-kev", "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Vulnerabilities []struct {
			CVE       string `json:"cveID"`
			DateAdded string `json:"dateAdded"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("KEV catalogue: %v", err)
	}
	m := map[string]string{}
	for _, v := range doc.Vulnerabilities {
		m[v.CVE] = v.DateAdded
	}
	if len(m) < 1000 {
		t.Fatalf("KEV catalogue: only %d entries", len(m))
	}
	return m
}

// scanned is one image's inventory and its findings against the shared
// database.
type scanned struct {
	img      *image.Image
	inv      *inventory.Inventory
	findings []match.Finding
	elapsed  time.Duration // inventory and matching
}

// scanImage writes img as an OCI layout and runs the scan pipeline's
// inventory (scan.Inventory) and matching (match.Match) on it in process.
// cache is the layer cache directory; "" means a fresh one.
func scanImage(t *testing.T, img v1.Image, opts source.Options, cache string) scanned {
	t.Helper()
	return scanRef(t, "oci:"+ociLayout(t, img), opts, cache)
}

// scanRef resolves ref (a source.Resolve reference: "oci:DIR", "dir:ROOT",
// ...) and scans it.
func scanRef(t *testing.T, ref string, opts source.Options, cache string) scanned {
	t.Helper()
	db := vulnDB(t)
	ctx := t.Context()
	start := time.Now()
	img, err := source.Resolve(ctx, ref, opts)
	if err != nil {
		t.Fatalf("resolve %s: %v", ref, err)
	}
	walk := image.DefaultConfig()
	walk.CacheDir = cache
	if cache == "" {
		walk.CacheDir = t.TempDir()
	}
	cfg := scan.Config{Walk: walk, Catalogers: catalogers.Default(catalogers.Config{TempDir: t.TempDir()})}
	inv, err := scan.Inventory(ctx, img, cfg, scan.Observer{})
	if err != nil {
		t.Fatalf("inventory of %s: %v", ref, err)
	}
	matchStart := time.Now()
	findings, err := match.Match(ctx, db, inv, match.Options{})
	if err != nil {
		t.Fatalf("match %s: %v", ref, err)
	}
	sc := scanned{img: img, inv: inv, findings: findings, elapsed: time.Since(start)}
	t.Logf("scanned %s: %d packages, %d findings in %v (matching %v)", ref, len(inv.Packages), len(findings),
		sc.elapsed.Round(time.Millisecond), time.Since(matchStart).Round(time.Microsecond))
	return sc
}

// found is what the tests compare of a finding.
type found struct {
	Package, Version string // binary package as installed
	ID               string // CVE
	Status           match.Status
	Fixed            string
}

func (f found) String() string {
	return fmt.Sprintf("%s %s: %s %s %s", f.Package, f.Version, f.ID, f.Status, f.Fixed)
}

func foundOf(f match.Finding) found {
	return found{f.Package.Name, f.Package.Version, f.ID, f.Status, f.FixedVersion}
}

// sortedFound sorts and returns fs.
func sortedFound(fs []found) []found {
	slices.SortFunc(fs, func(a, b found) int { return strings.Compare(a.String(), b.String()) })
	return fs
}

// checkKEV checks that each finding is marked as known exploited exactly
// when its ID or an alias is in CISA's catalogue, with the date it was added.
func checkKEV(t *testing.T, findings []match.Finding, catalogue map[string]string) (marked int) {
	t.Helper()
	for _, f := range findings {
		date, listed := catalogue[f.ID]
		for _, a := range f.Aliases {
			if d, ok := catalogue[a]; ok && !listed {
				date, listed = d, true
			}
		}
		if f.KEV != listed || (listed && f.KEVDateAdded != date) {
			t.Errorf("%s in %s: KEV %v (added %q), catalogue lists it: %v (added %q)",
				f.ID, f.Package.Name, f.KEV, f.KEVDateAdded, listed, date)
		}
		if f.KEV {
			marked++
		}
	}
	return marked
}

// fileMode is the mode of path in the tree, for layers that repeat a directory.
func fileMode(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return int64(fi.Mode() & fs.ModePerm)
}
