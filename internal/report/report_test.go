package report_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/sbom/sbomtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	file = filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from golden file (-want +got; go test -update rewrites it):\n%s", file, diff)
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for name, inv := range sbomtest.Fixtures() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			before := slices.Clone(inv.Packages)
			var b bytes.Buffer
			if err := report.Table(&b, inv, report.TableOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".table.txt", b.Bytes())

			b.Reset()
			if err := report.Table(&b, inv, report.TableOptions{Color: true}); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".table-color.txt", b.Bytes())

			b.Reset()
			if err := report.JSON(&b, inv); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".json", b.Bytes())

			if diff := cmp.Diff(before, inv.Packages); diff != "" {
				t.Errorf("the report changed the inventory:\n%s", diff)
			}
		})
	}
}

// TestJSONRoundTrip: the JSON report is the inventory, packages sorted, and
// an empty list is [] rather than null.
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for name, inv := range sbomtest.Fixtures() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := report.JSON(&b, inv); err != nil {
				t.Fatal(err)
			}
			var got inventory.Inventory
			if err := json.Unmarshal(b.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Packages == nil {
				t.Fatalf(`"packages" is null or missing:\n%s`, b.String())
			}
			want := *inv
			want.Packages = slices.Clone(inv.Packages)
			slices.SortStableFunc(want.Packages, func(a, b inventory.Package) int {
				return strings.Compare(a.Type+"\x00"+a.Name+"\x00"+a.Version+"\x00"+a.Arch+"\x00"+a.Layer+"\x00"+a.Path,
					b.Type+"\x00"+b.Name+"\x00"+b.Version+"\x00"+b.Arch+"\x00"+b.Layer+"\x00"+b.Path)
			})
			if want.Packages == nil {
				want.Packages = []inventory.Package{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("JSON round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmptyPackagesNotNull(t *testing.T) {
	t.Parallel()
	for _, pkgs := range [][]inventory.Package{nil, {}} {
		var b bytes.Buffer
		if err := report.JSON(&b, &inventory.Inventory{Packages: pkgs}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), `"packages": []`) {
			t.Errorf("want \"packages\": [], got\n%s", b.String())
		}
	}
}

// TestTableHostile: control characters and invalid UTF-8 in any field are
// escaped, never sent to the terminal, and cannot break the columns.
func TestTableHostile(t *testing.T) {
	t.Parallel()
	inv := &inventory.Inventory{
		Source: inventory.Source{Kind: "dir", Name: "/tmp/\x1b]0;owned\x07"},
		Distro: &inventory.Distro{ID: "evil\x1b[2J", VersionID: "1\n2"},
		Packages: []inventory.Package{
			{Name: "a\tb\nc", Version: "\x1b[31mred", Type: "deb", SourceName: "src\r", Layer: "sha256:\x00\xff"},
			{Name: "ünïcödé", Version: "\u202e1.0", Type: "apk"},
		},
	}
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := report.Table(&b, inv, report.TableOptions{Color: color}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !color && strings.ContainsRune(out, '\x1b') {
			t.Errorf("escape character reached the output:\n%q", out)
		}
		for _, c := range []string{"\x07", "\x00", "\r", "\xff", "\u202e", "\x1b[2J", "\x1b]0"} {
			if strings.Contains(out, c) {
				t.Errorf("%q reached the output:\n%q", c, out)
			}
		}
		if lines := strings.Count(out, "\n"); lines != 5 {
			t.Errorf("want 5 lines (header, blank, columns, 2 packages), got %d:\n%s", lines, out)
		}
		for _, want := range []string{`a\tb\nc`, `\x1b[31mred`, "ünïcödé", `\u202e1.0`, `evil\x1b[2J 1\n2`} {
			if !strings.Contains(out, want) {
				t.Errorf("want %q in\n%s", want, out)
			}
		}
	}
}

func TestNilInventory(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := report.Table(&b, nil, report.TableOptions{}); err == nil {
		t.Error("Table: no error for a nil inventory")
	}
	if err := report.JSON(&b, nil); err == nil {
		t.Error("JSON: no error for a nil inventory")
	}
}

func BenchmarkTable(b *testing.B) {
	inv := sbomtest.ManyPackages(5000)
	b.ReportAllocs()
	for b.Loop() {
		if err := report.Table(discard{}, inv, report.TableOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSON(b *testing.B) {
	inv := sbomtest.ManyPackages(5000)
	b.ReportAllocs()
	for b.Loop() {
		if err := report.JSON(discard{}, inv); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
