package java

import (
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// TestDebianJars reads the jars Debian installed in /usr/share/java on this
// machine (libcommons-lang3-java, libguava-java, libwagon-http-java, ...),
// when there are any.
func TestDebianJars(t *testing.T) {
	t.Parallel()
	const dir = "/usr/share/java"
	if _, err := os.Stat(dir + "/commons-lang3.jar"); err != nil {
		t.Skipf("no Debian jars here: %v", err)
	}
	rec := &testenv.LogRecorder{}
	got, err := New(slog.New(rec)).Catalog(t.Context(), os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d packages from %s; warnings:\n%s", len(got), dir, rec.String())
	for _, p := range got {
		t.Logf("%-60s %-20s %-4s %s", p.Name, p.Version, p.Confidence, p.Path)
		if fi, err := os.Lstat(dir + "/" + strings.SplitN(p.Path, "!/", 2)[0]); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: read through a symlink or not a file", p.Path)
		}
	}
	for _, w := range []pkg{
		{"org.apache.commons:commons-lang3", "3.12.0", "commons-lang3.jar", ""},
		{"com.google.guava:guava", "31.1-jre", "guava.jar", ""},
		{"commons-io:commons-io", "2.11.0", "commons-io.jar", ""},
		{"org.apache.httpcomponents:httpclient", "4.5.14", "wagon-http-shaded-3.5.3.jar", ""},
		{"org.apache.maven.wagon:wagon-http", "3.5.3", "wagon-http-shaded-3.5.3.jar", ""},
	} {
		if _, err := os.Lstat(dir + "/" + w.Path); err != nil {
			continue
		}
		if !slices.ContainsFunc(got, func(p inventory.Package) bool {
			return p.Name == w.Name && p.Path == w.Path && p.Confidence == w.Confidence
		}) {
			t.Errorf("missing %+v", w)
		}
	}
}
