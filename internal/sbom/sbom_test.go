package sbom_test

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/sbom/sbomtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

type format struct {
	name   string
	ext    string
	encode func(w *bytes.Buffer, inv *inventory.Inventory, o sbom.Options) error
}

var formats = []format{
	{"cyclonedx", "cdx.json", func(w *bytes.Buffer, inv *inventory.Inventory, o sbom.Options) error {
		return sbom.EncodeCycloneDX(w, inv, o)
	}},
	{"spdx", "spdx.json", func(w *bytes.Buffer, inv *inventory.Inventory, o sbom.Options) error {
		return sbom.EncodeSPDX(w, inv, o)
	}},
}

func encode(t testing.TB, f format, inv *inventory.Inventory, o sbom.Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f.encode(&b, inv, o); err != nil {
		t.Fatalf("encode %s: %v", f.name, err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for name, inv := range fixtures() {
		for _, f := range formats {
			t.Run(name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				got := encode(t, f, inv, testOptions())
				file := filepath.Join("testdata", name+"."+f.ext)
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
			})
		}
	}
}

func TestSchemaCycloneDX(t *testing.T) {
	t.Parallel()
	for name, inv := range fixtures() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sbomtest.ValidateCycloneDX(t, encode(t, formats[0], inv, testOptions()))
		})
	}
}

func TestSchemaSPDX(t *testing.T) {
	t.Parallel()
	for name, inv := range fixtures() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sbomtest.ValidateSPDX(t, encode(t, formats[1], inv, testOptions()))
		})
	}
}

// identity is what a round trip must keep of a package.
type identity struct{ Name, Version, PURL string }

func wantIdentities(inv *inventory.Inventory) []identity {
	var out []identity
	for _, p := range inv.Packages {
		out = append(out, identity{p.Name, p.Version, p.PURL})
	}
	sortIdentities(out)
	return out
}

func sortIdentities(ids []identity) {
	sort.Slice(ids, func(i, j int) bool {
		a, b := ids[i], ids[j]
		return a.Name+"\x00"+a.Version+"\x00"+a.PURL < b.Name+"\x00"+b.Version+"\x00"+b.PURL
	})
}

func TestRoundTripCycloneDX(t *testing.T) {
	t.Parallel()
	for name, inv := range fixtures() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bom := sbomtest.ValidateCycloneDX(t, encode(t, formats[0], inv, testOptions()))
			var got []identity
			refs := map[string]bool{bom.Metadata.Component.BOMRef: true}
			for _, c := range *bom.Components {
				if refs[c.BOMRef] {
					t.Errorf("bom-ref %q is not unique", c.BOMRef)
				}
				refs[c.BOMRef] = true
				if c.Type == "operating-system" {
					if inv.Distro == nil || c.Name != inv.Distro.ID || c.Version != inv.Distro.VersionID {
						t.Errorf("operating-system component %s %s, want %+v", c.Name, c.Version, inv.Distro)
					}
					continue
				}
				got = append(got, identity{c.Name, c.Version, c.PackageURL})
			}
			sortIdentities(got)
			if diff := cmp.Diff(wantIdentities(inv), got); diff != "" {
				t.Errorf("packages after the round trip (-want +got):\n%s", diff)
			}
			deps := *bom.Dependencies
			if len(deps) != 1 || deps[0].Ref != bom.Metadata.Component.BOMRef || len(*deps[0].Dependencies) != len(*bom.Components) {
				t.Errorf("dependencies: want the root depending on all %d components, got %+v", len(*bom.Components), deps)
			}
		})
	}
}

var spdxIDChars = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)

func TestRoundTripSPDX(t *testing.T) {
	t.Parallel()
	for name, inv := range fixtures() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc := sbomtest.ValidateSPDX(t, encode(t, formats[1], inv, testOptions()))
			ids := map[string]bool{}
			var got []identity
			for _, p := range doc.Packages {
				id := "SPDXRef-" + string(p.PackageSPDXIdentifier)
				if !spdxIDChars.MatchString(id) {
					t.Errorf("SPDXID %q has characters SPDX does not allow", id)
				}
				if ids[id] {
					t.Errorf("SPDXID %q is not unique", id)
				}
				ids[id] = true
				if p.PrimaryPackagePurpose != "LIBRARY" {
					continue
				}
				purl := ""
				for _, r := range p.PackageExternalReferences {
					if r.RefType == "purl" {
						purl = r.Locator
					}
				}
				got = append(got, identity{p.PackageName, p.PackageVersion, purl})
			}
			sortIdentities(got)
			if diff := cmp.Diff(wantIdentities(inv), got); diff != "" {
				t.Errorf("packages after the round trip (-want +got):\n%s", diff)
			}
			var describes, contains int
			for _, r := range doc.Relationships {
				switch r.Relationship {
				case "DESCRIBES":
					describes++
				case "CONTAINS":
					contains++
				}
			}
			if describes != 1 || contains != len(doc.Packages)-1 {
				t.Errorf("relationships: %d DESCRIBES, %d CONTAINS for %d packages", describes, contains, len(doc.Packages))
			}
			// Every LicenseRef used is defined.
			defined := map[string]bool{}
			for _, l := range doc.OtherLicenses {
				defined[l.LicenseIdentifier] = true
			}
			ref := regexp.MustCompile(`LicenseRef-[A-Za-z0-9.-]+`)
			for _, p := range doc.Packages {
				for _, r := range ref.FindAllString(p.PackageLicenseDeclared, -1) {
					if !defined[r] {
						t.Errorf("package %s uses %s, not in hasExtractedLicensingInfos", p.PackageName, r)
					}
				}
			}
		})
	}
}

// TestDeterministic: the same content gives the same bytes, whatever the
// order of the packages in the inventory; RandomIDs changes only the IDs.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			inv := fixtures()["image"]
			first := encode(t, f, inv, testOptions())
			shuffled := *inv
			shuffled.Packages = slices.Clone(inv.Packages)
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled.Packages), func(i, j int) {
				shuffled.Packages[i], shuffled.Packages[j] = shuffled.Packages[j], shuffled.Packages[i]
			})
			if second := encode(t, f, &shuffled, testOptions()); !bytes.Equal(first, second) {
				t.Errorf("shuffled packages changed the output:\n%s", cmp.Diff(string(first), string(second)))
			}

			o := testOptions()
			o.RandomIDs = true
			r1, r2 := encode(t, f, inv, o), encode(t, f, inv, o)
			if bytes.Equal(r1, r2) {
				t.Error("RandomIDs gave the same document twice")
			}
			o = testOptions()
			o.NamespaceSeed = "other"
			if bytes.Equal(first, encode(t, f, inv, o)) {
				t.Error("NamespaceSeed did not change the document IDs")
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*sbom.Options)
		wantErr string
	}{
		{"default", func(*sbom.Options) {}, ""},
		{"no tool", func(o *sbom.Options) { o.ToolName = "" }, "tool name"},
		{"tool with space", func(o *sbom.Options) { o.ToolName = "a b" }, "tool name"},
		{"version with newline", func(o *sbom.Options) { o.ToolVersion = "1\n2" }, "tool version"},
		{"relative namespace", func(o *sbom.Options) { o.NamespaceBase = "spdx/docs" }, "namespace base"},
		{"namespace with fragment", func(o *sbom.Options) { o.NamespaceBase = "https://example.com/x#y" }, "namespace base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := sbom.DefaultOptions()
			tt.edit(&o)
			err := o.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want an error about %q", err, tt.wantErr)
			}
			var b bytes.Buffer
			if err := sbom.EncodeCycloneDX(&b, fixtures()["empty"], o); err == nil {
				t.Error("EncodeCycloneDX accepted invalid options")
			}
			if err := sbom.EncodeSPDX(&b, fixtures()["empty"], o); err == nil {
				t.Error("EncodeSPDX accepted invalid options")
			}
		})
	}
}

func TestNilInventory(t *testing.T) {
	t.Parallel()
	for _, f := range formats {
		var b bytes.Buffer
		if err := f.encode(&b, nil, testOptions()); err == nil {
			t.Errorf("%s: no error for a nil inventory", f.name)
		}
	}
}

func sbomValidateBoth(t *testing.T, inv *inventory.Inventory) {
	t.Helper()
	sbomtest.ValidateCycloneDX(t, encode(t, formats[0], inv, testOptions()))
	sbomtest.ValidateSPDX(t, encode(t, formats[1], inv, testOptions()))
}
