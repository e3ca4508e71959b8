package dpkg

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// dpkgQuery lists what dpkg-query reports for the database under admindir,
// as "name version source-name source-version" lines, sorted, keeping only
// the statuses Catalog counts as installed (see isInstalled: config-files
// packages are listed by dpkg-query but have no files on disk).
func dpkgQuery(t *testing.T, admindir string) []string {
	t.Helper()
	bin := testenv.Tool(t, "dpkg-query")
	out, err := exec.Command(bin, "--admindir="+admindir, "-W",
		"-f", `${db:Status-Status} ${Package} ${Version} ${source:Package} ${source:Version}\n`).Output()
	if err != nil {
		t.Fatalf("dpkg-query --admindir=%s: %v", admindir, err)
	}
	var lines []string
	for l := range strings.Lines(string(out)) {
		status, rest, _ := strings.Cut(strings.TrimSuffix(l, "\n"), " ")
		if status == "config-files" || status == "not-installed" {
			continue
		}
		lines = append(lines, rest)
	}
	slices.Sort(lines)
	return lines
}

func summarize(pkgs []inventory.Package) []string {
	var lines []string
	for _, p := range pkgs {
		lines = append(lines, strings.Join([]string{p.Name, p.Version, p.SourceName, p.SourceVersion}, " "))
	}
	slices.Sort(lines)
	return lines
}

// TestRealRoots compares Catalog with dpkg-query on real root file systems:
// the debootstrap roots of scripts/testdata-debian.sh and this machine's own.
func TestRealRoots(t *testing.T) {
	t.Parallel()
	roots := map[string]func(t *testing.T) string{
		"bookworm": func(t *testing.T) string { return testenv.TestData(t, "debian", "bookworm") },
		"bullseye": func(t *testing.T) string { return testenv.TestData(t, "debian", "bullseye") },
		"host": func(t *testing.T) string {
			if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
				t.Skip("this machine has no dpkg database")
			}
			return "/"
		},
	}
	for name, root := range roots {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := root(t)
			want := dpkgQuery(t, filepath.Join(dir, "var/lib/dpkg"))
			pkgs, bad, err := New(nil).catalog(context.Background(), os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) > 0 {
				t.Errorf("malformed stanzas in a real database: %v", bad)
			}
			if diff := cmp.Diff(want, summarize(pkgs)); diff != "" {
				t.Errorf("Catalog differs from dpkg-query (-dpkg-query +Catalog):\n%s", diff)
			}
			withLicenses := 0
			for _, p := range pkgs {
				if p.Type != "deb" || p.Path != statusFile || p.Arch == "" {
					t.Errorf("%s: Type %q Path %q Arch %q", p.Name, p.Type, p.Path, p.Arch)
				}
				if len(p.Licenses) > 0 {
					withLicenses++
				}
				// A licence is claimed only from a DEP-5 copyright file.
				b, err := os.ReadFile(filepath.Join(dir, docDir, p.Name, "copyright"))
				isDEP5 := err == nil && bytes.HasPrefix(b, []byte("Format:"))
				if len(p.Licenses) > 0 && !isDEP5 {
					t.Errorf("%s: licences %q from a non-DEP-5 copyright file", p.Name, p.Licenses)
				}
			}
			t.Logf("%d packages, %d with licences", len(pkgs), withLicenses)
			if withLicenses == 0 {
				t.Error("no package has licences")
			}
		})
	}
}
