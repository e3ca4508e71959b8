package osv

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// tarRecords streams a .tar.gz of the shared data and calls fn for each
// regular *.json file under prefix.
func tarRecords(t testing.TB, path, prefix string, fn func(name string, r io.Reader)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg && strings.HasPrefix(h.Name, prefix) && strings.HasSuffix(h.Name, ".json") {
			fn(h.Name, tr)
		}
	}
}

// importTar parses every record of a shared tar.gz, counting files and,
// independently of Parse, the records marked withdrawn.
func importTar(t *testing.T, path, prefix string) (res result, files, withdrawn int) {
	t.Helper()
	tarRecords(t, path, prefix, func(name string, r io.Reader) {
		files++
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		var raw struct {
			Withdrawn string `json:"withdrawn"`
		}
		if err := json.Unmarshal(data, &raw); err == nil && raw.Withdrawn != "" {
			withdrawn++
		}
		if err := Parse(context.Background(), strings.NewReader(string(data)), name, res.emit, res.problem); err != nil {
			t.Fatal(err)
		}
	})
	return res, files, withdrawn
}

func TestGoVulnDB(t *testing.T) {
	t.Parallel()
	path := testenv.Shared(t, "vulndata", "golang-vulndb", "golang-vulndb-osv.tar.gz")
	res, files, withdrawn := importTar(t, path, "data/osv/")
	// README: 4,291 files, 17 withdrawn.
	if files != 4291 || withdrawn != 17 {
		t.Errorf("%d files, %d withdrawn; README says 4,291 and 17", files, withdrawn)
	}
	for _, p := range res.problems {
		t.Errorf("problem: %v", p)
	}
	if len(res.advs) != files-withdrawn {
		t.Errorf("%d advisories, want %d", len(res.advs), files-withdrawn)
	}
	byID := map[string]*vulndb.Advisory{}
	modules := map[string]int{}
	for _, a := range res.advs {
		byID[a.ID] = a
		seen := map[string]bool{}
		for _, af := range a.Affected {
			if af.Ecosystem != "Go" {
				t.Errorf("%s: ecosystem %q", a.ID, af.Ecosystem)
			}
			if !seen[af.Package] {
				seen[af.Package] = true
				modules[af.Package]++
			}
		}
	}
	// README module coverage counts records naming the module; withdrawn
	// records are skipped, so the counts are at most the README's.
	for mod, n := range map[string]int{"stdlib": 167, "toolchain": 32, "golang.org/x/net": 30, "golang.org/x/crypto": 29, "gopkg.in/yaml.v2": 3} {
		if got := modules[mod]; got > n || got < n-2 {
			t.Errorf("%s in %d records, README says %d", mod, got, n)
		}
	}
	a := byID["GO-2023-2102"]
	if a == nil {
		t.Fatal("GO-2023-2102 missing")
	}
	if d := cmp.Diff([]string{"CVE-2023-39325", "GHSA-4374-p667-p6c8"}, a.Aliases); d != "" {
		t.Errorf("GO-2023-2102 aliases (-want +got):\n%s", d)
	}
	want := vulndb.Affected{Ecosystem: "Go", Package: "stdlib", Status: vulndb.StatusAffected,
		Ranges: []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{
			{Introduced: "0"}, {Fixed: "1.20.10"}, {Introduced: "1.21.0-0"}, {Fixed: "1.21.3"}}}}}
	if len(a.Affected) < 2 {
		t.Fatalf("GO-2023-2102 affected %+v", a.Affected)
	}
	if d := cmp.Diff(want, a.Affected[0]); d != "" {
		t.Errorf("GO-2023-2102 stdlib (-want +got):\n%s", d)
	}
	if af := a.Affected[1]; af.Package != "golang.org/x/net" || len(af.Ranges) != 1 || af.Ranges[0].Events[len(af.Ranges[0].Events)-1].Fixed != "0.17.0" {
		t.Errorf("GO-2023-2102 x/net %+v", af)
	}
	if !a.Published.IsZero() {
		t.Errorf("GO-2023-2102 published %v, want the zero time the snapshot holds", a.Published)
	}
}

func TestRustSec(t *testing.T) {
	t.Parallel()
	path := testenv.Shared(t, "vulndata", "rustsec-advisory-db", "rustsec-advisory-db-osv.tar.gz")
	res, files, withdrawn := importTar(t, path, "crates/")
	if files != 1206 { // README: 1,206 files
		t.Errorf("%d files, README says 1,206", files)
	}
	for _, p := range res.problems {
		t.Errorf("problem: %v", p)
	}
	if len(res.advs) != files-withdrawn {
		t.Errorf("%d advisories, want %d files - %d withdrawn", len(res.advs), files, withdrawn)
	}
	for _, a := range res.advs {
		if a.ID == "RUSTSEC-2020-0071" {
			if d := cmp.Diff([]string{"CVE-2020-26235", "GHSA-wcg3-cvx6-7396"}, a.Aliases); d != "" {
				t.Errorf("RUSTSEC-2020-0071 aliases (-want +got):\n%s", d)
			}
			if len(a.Affected) == 0 || a.Affected[0].Ecosystem != "crates.io" || a.Affected[0].Package != "time" {
				t.Errorf("RUSTSEC-2020-0071 affected %+v", a.Affected)
			}
			return
		}
	}
	t.Error("RUSTSEC-2020-0071 missing")
}

func TestGitHubAdvisoryDir(t *testing.T) {
	t.Parallel()
	dir := testenv.Shared(t, "vulndata", "github-advisory-database")
	var res result
	if err := ImportDir(context.Background(), os.DirFS(dir), res.emit, res.problem); err != nil {
		t.Fatal(err)
	}
	for _, p := range res.problems {
		t.Errorf("problem: %v", p)
	}
	if len(res.advs) != 15 { // README: 15 records
		t.Fatalf("%d advisories, README says 15", len(res.advs))
	}
	for _, a := range res.advs {
		if a.ID != "GHSA-jfh8-c2jp-5v3q" {
			continue
		}
		if d := cmp.Diff([]string{"CVE-2021-44228"}, a.Aliases); d != "" {
			t.Errorf("Log4Shell aliases (-want +got):\n%s", d)
		}
		found := false
		for _, af := range a.Affected {
			if af.Ecosystem == "Maven" && af.Package == "org.apache.logging.log4j:log4j-core" {
				found = true
			}
		}
		if !found || len(a.Severity) == 0 {
			t.Errorf("Log4Shell affected %+v severity %+v", a.Affected, a.Severity)
		}
		return
	}
	t.Error("GHSA-jfh8-c2jp-5v3q missing")
}
