package e2e_test

import (
	"bufio"
	"bytes"
	"cmp"
	"os/exec"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// pkgKey is what the package manager and vigil must agree on.
type pkgKey struct {
	Name, Version, SourceName, SourceVersion string
}

func sortKeys(ks []pkgKey) []pkgKey {
	slices.SortFunc(ks, func(a, b pkgKey) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Version, b.Version),
			strings.Compare(a.SourceName, b.SourceName), strings.Compare(a.SourceVersion, b.SourceVersion))
	})
	return ks
}

// dpkgQuery is dpkg's own view of the packages installed in root:
// dpkg-query --admindir=ROOT/var/lib/dpkg -W, leaving out the statuses
// config-files and not-installed (the same filter as the dpkg cataloger's
// real-data test: such packages are listed by dpkg-query but have no files).
func dpkgQuery(t *testing.T, root string) []pkgKey {
	t.Helper()
	bin := testenv.Tool(t, "dpkg-query")
	out, err := exec.Command(bin, "--admindir="+root+"/var/lib/dpkg", "-W",
		"-f", "${db:Status-Status}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\n").Output()
	if err != nil {
		t.Fatalf("dpkg-query: %v", err)
	}
	var ks []pkgKey
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 5 {
			t.Fatalf("dpkg-query: unexpected line %q", sc.Text())
		}
		if f[0] == "config-files" || f[0] == "not-installed" {
			continue
		}
		ks = append(ks, pkgKey{f[1], f[2], f[3], f[4]})
	}
	if len(ks) < 50 {
		t.Fatalf("dpkg-query lists only %d installed packages in %s", len(ks), root)
	}
	return sortKeys(ks)
}

// apkInstalled is the apk database's own list: P (name), V (version) and o
// (origin) of each stanza of lib/apk/db/installed. apk records no source
// version, so it is not compared.
func apkInstalled(t *testing.T, db []byte) []pkgKey {
	t.Helper()
	var ks []pkgKey
	var cur pkgKey
	flush := func() {
		if cur.Name != "" {
			ks = append(ks, cur)
		}
		cur = pkgKey{}
	}
	for _, line := range strings.Split(string(db), "\n") {
		if line == "" {
			flush()
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "P":
			cur.Name = v
		case "V":
			cur.Version = v
		case "o":
			cur.SourceName = v
		}
	}
	flush()
	if len(ks) < 10 {
		t.Fatalf("apk database lists only %d packages", len(ks))
	}
	return sortKeys(ks)
}

// keysOf returns the packages of type typ in inv; withSourceVersion false
// leaves SourceVersion out.
func keysOf(inv *inventory.Inventory, typ string, withSourceVersion bool) []pkgKey {
	var ks []pkgKey
	for _, p := range inv.Packages {
		if p.Type != typ {
			continue
		}
		k := pkgKey{p.Name, p.Version, p.SourceName, p.SourceVersion}
		if !withSourceVersion {
			k.SourceVersion = ""
		}
		ks = append(ks, k)
	}
	return sortKeys(ks)
}

// checkDebianPackages compares inv's dpkg packages with dpkg-query on root and
// checks the fields every package must have.
func checkDebianPackages(t *testing.T, inv *inventory.Inventory, root string) {
	t.Helper()
	want := dpkgQuery(t, root)
	if diff := gocmp.Diff(want, keysOf(inv, "deb", true)); diff != "" {
		t.Errorf("deb packages differ from dpkg-query (-dpkg-query +vigil):\n%s", diff)
	}
	for _, p := range inv.Packages {
		if p.Type != "deb" {
			t.Errorf("package %s has type %q; a Debian tree has only deb packages", p.Name, p.Type)
			continue
		}
		checkPURL(t, p, "deb", "debian")
		if p.Arch == "" {
			t.Errorf("package %s: no architecture", p.Name)
		}
		if p.Path != "var/lib/dpkg/status" {
			t.Errorf("package %s: path %q, want var/lib/dpkg/status", p.Name, p.Path)
		}
	}
	checkDistro(t, inv, inventory.Distro{ID: "debian", VersionID: "12", Codename: "bookworm"})
}

// checkAlpinePackages compares inv's apk packages with the apk database.
func checkAlpinePackages(t *testing.T, inv *inventory.Inventory, a *alpineImage, version string) {
	t.Helper()
	want := apkInstalled(t, a.installed)
	if diff := gocmp.Diff(want, keysOf(inv, "apk", false)); diff != "" {
		t.Errorf("apk packages differ from lib/apk/db/installed (-apk +vigil):\n%s", diff)
	}
	for _, p := range inv.Packages {
		if p.Type != "apk" {
			t.Errorf("package %s has type %q; Alpine has only apk packages", p.Name, p.Type)
			continue
		}
		checkPURL(t, p, "apk", "alpine")
		if p.Path != "lib/apk/db/installed" {
			t.Errorf("package %s: path %q, want lib/apk/db/installed", p.Name, p.Path)
		}
	}
	checkDistro(t, inv, inventory.Distro{ID: "alpine", VersionID: version})
}

// checkPURL requires p's package URL to parse and to name p in namespace ns.
func checkPURL(t *testing.T, p inventory.Package, typ, ns string) {
	t.Helper()
	u, err := packageurl.FromString(p.PURL)
	if err != nil {
		t.Errorf("package %s: PURL %q: %v", p.Name, p.PURL, err)
		return
	}
	got := []string{u.Type, u.Namespace, u.Name, u.Version}
	if want := []string{typ, ns, p.Name, p.Version}; !slices.Equal(got, want) {
		t.Errorf("package %s: PURL %q names %v, want %v", p.Name, p.PURL, got, want)
	}
}

func checkDistro(t *testing.T, inv *inventory.Inventory, want inventory.Distro) {
	t.Helper()
	if inv.Distro == nil {
		t.Errorf("no distro; want %s %s", want.ID, want.VersionID)
		return
	}
	got := inventory.Distro{ID: inv.Distro.ID, VersionID: inv.Distro.VersionID}
	if want.Codename != "" {
		got.Codename = inv.Distro.Codename
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("distro (-want +got):\n%s", diff)
	}
}

// checkLayers compares the inventory's layer list with the image's layers;
// withDigest false checks only diff IDs (a docker-archive may not state the
// blob digests).
func checkLayers(t *testing.T, inv *inventory.Inventory, layers []layerIDs, withDigest bool) {
	t.Helper()
	type ids struct{ Digest, DiffID string }
	var got, want []ids
	for _, l := range inv.Source.Layers {
		g := ids{DiffID: l.DiffID}
		if withDigest {
			g.Digest = l.Digest
		}
		got = append(got, g)
	}
	for _, l := range layers {
		w := ids{DiffID: l.diffID}
		if withDigest {
			w.Digest = l.digest
		}
		want = append(want, w)
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("source layers (-want +got):\n%s", diff)
	}
}

type layerIDs struct{ digest, diffID string }
