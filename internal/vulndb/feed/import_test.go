package feed

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vigil-sec/vigil/internal/testenv"
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
