package npm

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// count is the number of records at level (exactly) that contain s.
func count(rec *testenv.LogRecorder, level slog.Level, s string) int {
	n := 0
	for _, r := range rec.Records() {
		if r.Level == level && strings.Contains(r.String(), s) {
			n++
		}
	}
	return n
}

// capture is a logger keeping every record.
func capture() (*slog.Logger, *testenv.LogRecorder) {
	rec := &testenv.LogRecorder{}
	return rec.Logger(), rec
}

// parseAs runs the parser Catalog would choose for a file named like file on
// data, with cfg, and returns its packages and error.
func parseAs(t testing.TB, cfg Config, log *slog.Logger, file string, data []byte) ([]inventory.Package, error) {
	t.Helper()
	c, err := NewWithConfig(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	r := c.newResult(file)
	ctx := context.Background()
	switch path.Base(file) {
	case packageJSON:
		err = r.parsePackageJSON(bytes.NewReader(data), file)
	case yarnLock:
		err = r.parseYarn(ctx, bytes.NewReader(data))
	case pnpmLock:
		err = r.parsePnpm(ctx, data)
	default:
		err = r.parsePackageLock(ctx, data)
	}
	r.done()
	inventory.SortPackages(r.pkgs)
	return r.pkgs, err
}

// nv lists packages as "name@version".
func nv(pkgs []inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+"@"+p.Version)
	}
	return out
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newTestYAMLDecoder returns a function that parses the next document of in
// and returns its node count (aliases not followed).
func newTestYAMLDecoder(in string) func() (int, bool) {
	dec := yaml.NewDecoder(strings.NewReader(in))
	return func() (int, bool) {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return 0, false
		}
		var count func(n *yaml.Node) int
		count = func(n *yaml.Node) int {
			c := 1
			for _, k := range n.Content {
				c += count(k)
			}
			return c
		}
		return count(&doc), true
	}
}

func osDirFS(dir string) fs.FS { return os.DirFS(dir) }
