package python

import (
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
)

// listDistributions is what Python's own importlib.metadata finds directly
// in dir, as "name version" lines.
const listDistributions = `
import importlib.metadata, sys
for d in importlib.metadata.distributions(path=[sys.argv[1]]):
    if d.metadata["Name"] is not None and d.version is not None:
        print(d.metadata["Name"], d.version)
`

// TestAgainstImportlib catalogs real site-packages and dist-packages
// directories and checks that every distribution Python itself finds there
// is found, with the same name and version, and nothing else at the top
// level: the interpreter's own site-packages (wheels, dist-info) and Debian's
// dist-packages (python3-* packages, egg-info directories and files), where
// the host has them.
func TestAgainstImportlib(t *testing.T) {
	t.Parallel()
	py := testenv.Tool(t, "python3")
	out, err := exec.Command(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	dirs := []string{strings.TrimSpace(string(out)), "/usr/lib/python3/dist-packages"}
	if d := os.Getenv("VIGIL_TESTDATA"); d != "" {
		dirs = append(dirs, d+"/langdeps/debian-layer/usr/lib/python3/dist-packages")
	} else {
		dirs = append(dirs, "/var/cache/vigil-testdata/langdeps/debian-layer/usr/lib/python3/dist-packages")
	}
	tested := 0
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Logf("%s: not here", dir)
			continue
		}
		tested++
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command(py, "-c", listDistributions, dir).Output()
			if err != nil {
				t.Fatalf("python3: %v", err)
			}
			want := strings.Split(strings.TrimSpace(string(out)), "\n")
			slices.Sort(want)
			want = slices.Compact(want)

			c, logs := newLogged(t, DefaultConfig())
			pkgs, err := c.Catalog(t.Context(), os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				// importlib.metadata looks only at the top of dir; Catalog
				// also finds vendored distributions further down.
				top, _, _ := strings.Cut(p.Path, "/")
				if ext := path.Ext(top); ext != ".dist-info" && ext != ".egg-info" {
					continue
				}
				got = append(got, p.Name+" "+p.Version)
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("importlib.metadata (-) and Catalog (+) differ:\n%s", diff)
			}
			t.Logf("%d distributions; warnings:\n%s", len(got), logs)
		})
	}
	if tested == 0 {
		t.Skip("no site-packages directory found")
	}
}
