package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

func TestImportSharedQuick(t *testing.T) {
	t.Parallel()
	vd := testenv.Shared(t, "vulndata")
	db := filepath.Join(t.TempDir(), "vigil.db")
	paths := []string{
		filepath.Join(vd, "golang-vulndb", "golang-vulndb-osv.tar.gz"),
		filepath.Join(vd, "pypa-advisory-database", "pypa-advisory-database-vulns.tar.gz"),
		filepath.Join(vd, "alpine-secdb", "json"),
		filepath.Join(vd, "debian-security-tracker", "data"),
		filepath.Join(vd, "azurelinux-oval", "azurelinux-3.0-oval.xml.gz"),
		filepath.Join(vd, "ubuntu-oval", "com.ubuntu.noble.usn.oval.xml.gz"),
		filepath.Join(vd, "cisa-kev", "known_exploited_vulnerabilities.json"),
		filepath.Join(vd, "github-advisory-database", "advisories"),
	}
	sum, err := importPaths(context.Background(), fakeStore(), db, paths, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	_, infos, err := fakeStore().info(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sum.Sources {
		t.Logf("%+v", s)
	}
	for _, i := range infos {
		t.Logf("%+v", i)
	}
}

func TestImportFailsWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	kev := filepath.Join(dir, "kev.json")
	os.WriteFile(kev, []byte(`{"catalogVersion":"1","vulnerabilities":[{"cveID":"CVE-2021-44228"}]}`), 0o644)
	if _, err := importPaths(context.Background(), fakeStore(), db, []string{kev}, Observer{}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(db)
	bad := filepath.Join(dir, "broken.zip")
	os.WriteFile(bad, []byte("not a zip"), 0o644)
	os.WriteFile(kev, []byte(`{"catalogVersion":"2","vulnerabilities":[{"cveID":"CVE-2021-44229"}]}`), 0o644)
	_, err := importPaths(context.Background(), fakeStore(), db, []string{kev, bad}, Observer{})
	if err == nil || !strings.Contains(err.Error(), "osv-broken") || !strings.Contains(err.Error(), "left as it was") {
		t.Errorf("err = %v, want the broken source named", err)
	}
	if after, _ := os.ReadFile(db); string(after) != string(before) {
		t.Error("database changed by a failed import")
	}
	// Only problems and no record: the source could not be read at all.
	os.WriteFile(kev, []byte(`{"catalogVersion":"3","vulnerabilities":[{"cveID":"bad"}]}`), 0o644)
	_, err = importPaths(context.Background(), fakeStore(), db, []string{kev}, Observer{})
	if err == nil || !strings.Contains(err.Error(), "no records read") {
		t.Errorf("err = %v", err)
	}
}

func TestImportProblemsAndReplace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	recs := filepath.Join(dir, "recs")
	os.MkdirAll(recs, 0o755)
	for i := range 12 {
		os.WriteFile(filepath.Join(recs, fmt.Sprintf("bad%02d.json", i)), []byte(`{"id": 1}`), 0o644)
	}
	os.WriteFile(filepath.Join(recs, "GO-1.json"), []byte(`{"id": "GO-1", "modified": "2024-01-02T03:04:05Z"}`), 0o644)
	var progress []Progress
	sum, err := importPaths(context.Background(), fakeStore(), db, []string{recs}, Observer{Progress: func(p Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Sources[0]
	if r.Name != "osv-recs" || r.Records != 1 || r.Problems != 12 || len(r.FirstProblems) != 10 {
		t.Errorf("result %+v", r)
	}
	if len(progress) == 0 || progress[0].Stage != "parse" || progress[0].Done != 1 {
		t.Errorf("progress %+v", progress)
	}
	_, infos, _ := fakeStore().info(db)
	if len(infos) != 1 || infos[0].DataTime.Format("2006-01-02") != "2024-01-02" || len(infos[0].SHA256) != 64 || infos[0].Problems != 12 {
		t.Errorf("infos %+v", infos)
	}
	// Re-import replaces the source: GO-1 gone, GO-2 there.
	os.Remove(filepath.Join(recs, "GO-1.json"))
	os.WriteFile(filepath.Join(recs, "GO-2.json"), []byte(`{"id": "GO-2"}`), 0o644)
	if _, err := importPaths(context.Background(), fakeStore(), db, []string{recs}, Observer{}); err != nil {
		t.Fatal(err)
	}
	fdb, _ := readFake(db)
	if d := cmp.Diff(map[string]string{"GO-2": ""}, fdb.Advisories["osv-recs"]); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// BenchmarkImportGoVulnDB imports the shared golang-vulndb tar.gz (detect,
// gunzip, untar, parse, hash, write) per iteration.
func BenchmarkImportGoVulnDB(b *testing.B) {
	path := testenv.Shared(b, "vulndata", "golang-vulndb", "golang-vulndb-osv.tar.gz")
	st := fakeStore()
	records := 0
	for b.Loop() {
		db := filepath.Join(b.TempDir(), "vigil.db")
		sum, err := importPaths(context.Background(), st, db, []string{path}, Observer{})
		if err != nil {
			b.Fatal(err)
		}
		records += sum.Sources[0].Records
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// TestImportOverOtherSchema: a database written by another vigil version
// (another schema) does not block an import: it is replaced by the
// imported sources.
func TestImportOverOtherSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	old, _ := json.Marshal(fakeDB{Meta: vulndb.Meta{Schema: vulndb.SchemaVersion - 1}, Sources: map[string]vulndb.SourceInfo{"old": {Name: "old"}}})
	if err := os.WriteFile(db, old, 0o644); err != nil {
		t.Fatal(err)
	}
	recs := filepath.Join(dir, "recs")
	os.MkdirAll(recs, 0o755)
	os.WriteFile(filepath.Join(recs, "GO-1.json"), []byte(`{"id": "GO-1"}`), 0o644)
	if _, err := importPaths(context.Background(), fakeStore(), db, []string{recs}, Observer{}); err != nil {
		t.Fatalf("import over a database of another schema: %v", err)
	}
	fdb, err := readFake(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fdb.Sources["old"]; ok || fdb.Advisories["osv-recs"] == nil {
		t.Errorf("sources after import: %v", fdb.Sources)
	}
}
