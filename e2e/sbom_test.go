package e2e_test

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func layerIDsOf(t *testing.T, layers []v1.Layer) []layerIDs {
	t.Helper()
	var ids []layerIDs
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		diff, err := l.DiffID()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, layerIDs{digest: d.String(), diffID: diff.String()})
	}
	return ids
}

// checkDebianAttribution requires each package to name the layer that
// introduced its status entry: layer 1 for the moved packages, layer 0 for
// every other one.
func checkDebianAttribution(t *testing.T, inv *inventory.Inventory, d *debianImage) {
	t.Helper()
	ids := layerIDsOf(t, d.layers)
	inLayer1 := 0
	for _, p := range inv.Packages {
		want := ids[0].diffID
		if slices.Contains(d.moved, p.Name) {
			want = ids[1].diffID
			inLayer1++
		}
		if p.Layer != want {
			t.Errorf("package %s: layer %q, want %q", p.Name, p.Layer, want)
		}
	}
	if inLayer1 != len(d.moved) {
		t.Errorf("%d packages of layer 1 found, want %d (%v)", inLayer1, len(d.moved), d.moved)
	}
}

func checkSource(t *testing.T, inv *inventory.Inventory, kind, digest string) {
	t.Helper()
	if inv.Source.Kind != kind {
		t.Errorf("source kind %q, want %q", inv.Source.Kind, kind)
	}
	if digest != "" && inv.Source.Digest != digest {
		t.Errorf("source digest %q, want %q", inv.Source.Digest, digest)
	}
}

var authError = regexp.MustCompile(`(?i)unauthori[sz]ed|authenticat|credential|401`)

// TestRegistryWithAuth pushes the 3-layer Debian image to a registry behind
// htpasswd auth and lists it with the credentials from DOCKER_CONFIG.
func TestRegistryWithAuth(t *testing.T) {
	t.Parallel()
	reg := authRegistry(t)
	d := debian(t)
	ctx := t.Context()
	pushed, err := reg.push(ctx, "e2e/debian:bookworm", d.img)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.ref("e2e/debian:bookworm")
	creds := []string{"DOCKER_CONFIG=" + reg.dockerConfig(t, reg.user, reg.pass)}

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		inv := inventoryOf(t, creds, "sbom", "image", ref, "--insecure")
		checkSource(t, inv, "registry", pushed.DigestStr())
		checkLayers(t, inv, layerIDsOf(t, d.layers), true)
		checkDebianPackages(t, inv, d.root)
		checkDebianAttribution(t, inv, d)
	})
	t.Run("by-digest", func(t *testing.T) {
		t.Parallel()
		inv := inventoryOf(t, creds, "sbom", "image", "registry:"+pushed.String(), "--insecure", "--platform", "linux/amd64")
		checkSource(t, inv, "registry", pushed.DigestStr())
		checkDebianPackages(t, inv, d.root)
	})
	t.Run("no-credentials", func(t *testing.T) {
		t.Parallel()
		r := vigil(t, nil, "sbom", "image", ref, "--insecure", "--format", "json")
		t.Logf("stderr: %s", r.stderr)
		if r.code != 1 || !authError.Match(r.stderr) || len(r.stdout) != 0 {
			t.Errorf("without credentials: %v\nwant exit 1, an authentication error and no output; stdout: %.300s", r, r.stdout)
		}
	})
	t.Run("wrong-password", func(t *testing.T) {
		t.Parallel()
		env := []string{"DOCKER_CONFIG=" + reg.dockerConfig(t, reg.user, "wrong")}
		r := vigil(t, env, "sbom", "image", ref, "--insecure", "--format", "json")
		if r.code != 1 || !authError.Match(r.stderr) {
			t.Errorf("with a wrong password: %v\nwant exit 1 and an authentication error", r)
		}
	})
	t.Run("sbom-formats", func(t *testing.T) {
		t.Parallel()
		checkSBOMFormats(t, creds, "deb", len(dpkgQuery(t, d.root)), "sbom", "image", ref, "--insecure")
	})
	t.Run("output-file", func(t *testing.T) {
		t.Parallel()
		out := t.TempDir() + "/inv.json"
		r := vigil(t, creds, "sbom", "image", ref, "--insecure", "--format", "json", "-o", out)
		if r.code != 0 || len(r.stdout) != 0 {
			t.Fatalf("-o: %v\nwant exit 0 and nothing on stdout; stdout: %.300s", r, r.stdout)
		}
		checkDebianPackages(t, readInventory(t, out), d.root)
	})
}

// TestLayerCache runs vigil twice with the same --cache-dir: the second run
// must fetch no layer blob from the registry and give the same packages.
func TestLayerCache(t *testing.T) {
	t.Parallel()
	reg := authRegistry(t)
	d := debian(t)
	const repo = "e2e/debian-cache"
	if _, err := reg.push(t.Context(), repo+":bookworm", d.img); err != nil {
		t.Fatal(err)
	}
	ref := reg.ref(repo + ":bookworm")
	env := []string{"DOCKER_CONFIG=" + reg.dockerConfig(t, reg.user, reg.pass)}
	cache := t.TempDir()
	ids := layerIDsOf(t, d.layers)
	gets := func() []int {
		var n []int
		for _, l := range ids {
			n = append(n, reg.blobGets(repo, l.digest))
		}
		return n
	}

	before := gets()
	first := vigil(t, env, "sbom", "image", ref, "--insecure", "--format", "json", "--cache-dir", cache)
	afterFirst := gets()
	second := vigil(t, env, "sbom", "image", ref, "--insecure", "--format", "json", "--cache-dir", cache)
	afterSecond := gets()
	if first.code != 0 || second.code != 0 {
		t.Fatalf("first: %v\nsecond: %v", first, second)
	}
	for i := range ids {
		if afterFirst[i] == before[i] {
			t.Errorf("layer %d (%s): the first run fetched no blob (GETs %d)", i, ids[i].digest, afterFirst[i])
		}
		if afterSecond[i] != afterFirst[i] {
			t.Errorf("layer %d (%s): the second run fetched the blob again (GETs %d -> %d)", i, ids[i].digest, afterFirst[i], afterSecond[i])
		}
	}
	t.Logf("first run %v, cached run %v", first.elapsed.Round(1e6), second.elapsed.Round(1e6))
	inv1, inv2 := decodeInventory(t, first.stdout), decodeInventory(t, second.stdout)
	if diff := gocmp.Diff(inv1.Packages, inv2.Packages); diff != "" {
		t.Errorf("cached run lists other packages (-first +second):\n%s", diff)
	}
	checkDebianAttribution(t, inv2, d)

	// --no-cache walks every layer again.
	third := vigil(t, env, "sbom", "image", ref, "--insecure", "--format", "json", "--cache-dir", cache, "--no-cache")
	if third.code != 0 {
		t.Fatalf("--no-cache: %v", third)
	}
	afterThird := gets()
	for i := range ids {
		if afterThird[i] == afterSecond[i] {
			t.Errorf("layer %d: --no-cache fetched no blob", i)
		}
	}
}

// TestDebianArchives lists the same Debian image as a docker-archive, an OCI
// layout and the root file system directory itself.
func TestDebianArchives(t *testing.T) {
	t.Parallel()
	d := debian(t)
	ids := layerIDsOf(t, d.layers)
	t.Run("docker-archive", func(t *testing.T) {
		t.Parallel()
		p := dockerArchive(t, d.img, "e2e/debian:bookworm")
		for _, ref := range []string{p, "docker-archive:" + p} {
			inv := inventoryOf(t, nil, "sbom", "image", ref)
			checkSource(t, inv, "docker-archive", "")
			checkLayers(t, inv, ids, false)
			checkDebianPackages(t, inv, d.root)
			checkDebianAttribution(t, inv, d)
		}
	})
	t.Run("oci-layout", func(t *testing.T) {
		t.Parallel()
		dir := ociLayout(t, d.img)
		digest, err := d.img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{dir, "oci:" + dir} {
			inv := inventoryOf(t, nil, "sbom", "image", ref)
			checkSource(t, inv, "oci-layout", digest.String())
			checkLayers(t, inv, ids, true)
			checkDebianPackages(t, inv, d.root)
			checkDebianAttribution(t, inv, d)
		}
	})
	t.Run("rootfs", func(t *testing.T) {
		t.Parallel()
		inv := inventoryOf(t, nil, "sbom", "rootfs", d.root)
		checkSource(t, inv, "dir", "")
		checkDebianPackages(t, inv, d.root)
		for _, p := range inv.Packages {
			if p.Layer != "" {
				t.Errorf("package %s from a directory has layer %q", p.Name, p.Layer)
			}
		}
		if len(inv.Source.Layers) != 0 {
			t.Errorf("a directory has layers: %v", inv.Source.Layers)
		}
	})
	t.Run("rootfs-sbom-formats", func(t *testing.T) {
		t.Parallel()
		checkSBOMFormats(t, nil, "deb", len(dpkgQuery(t, d.root)), "sbom", "rootfs", d.root)
	})
}

// TestAlpine lists the official Alpine minirootfs, wrapped as the official
// image is, from an anonymous registry and from every archive kind.
func TestAlpine(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"3.20.3", "3.18.9"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			a := alpine(t, version)
			ids := layerIDsOf(t, []v1.Layer{a.layer})
			digest, err := a.img.Digest()
			if err != nil {
				t.Fatal(err)
			}
			t.Run("registry", func(t *testing.T) {
				t.Parallel()
				reg := anonRegistry(t)
				tag := "e2e/alpine:" + version
				if _, err := reg.push(t.Context(), tag, a.img); err != nil {
					t.Fatal(err)
				}
				inv := inventoryOf(t, nil, "sbom", "image", reg.ref(tag), "--insecure")
				checkSource(t, inv, "registry", digest.String())
				checkLayers(t, inv, ids, true)
				checkAlpinePackages(t, inv, a, version)
				for _, p := range inv.Packages {
					if p.Layer != ids[0].diffID {
						t.Errorf("package %s: layer %q, want %q", p.Name, p.Layer, ids[0].diffID)
					}
				}

				// The table: exit 0, every package and their count.
				r := vigil(t, nil, "sbom", "image", reg.ref(tag), "--insecure")
				if r.code != 0 {
					t.Fatalf("table: %v", r)
				}
				out := string(r.stdout)
				count := regexp.MustCompile(`\b` + strconv.Itoa(len(inv.Packages)) + `\b`)
				if !count.MatchString(out) {
					t.Errorf("table does not state the package count %d:\n%s", len(inv.Packages), out)
				}
				for _, p := range inv.Packages {
					if !strings.Contains(out, p.Name) || !strings.Contains(out, p.Version) {
						t.Errorf("table lacks %s %s", p.Name, p.Version)
					}
				}
			})
			t.Run("docker-archive", func(t *testing.T) {
				t.Parallel()
				inv := inventoryOf(t, nil, "sbom", "image", dockerArchive(t, a.img, "alpine:"+version))
				checkSource(t, inv, "docker-archive", "")
				checkLayers(t, inv, ids, false)
				checkAlpinePackages(t, inv, a, version)
			})
			t.Run("oci-layout", func(t *testing.T) {
				t.Parallel()
				inv := inventoryOf(t, nil, "sbom", "image", "oci:"+ociLayout(t, a.img))
				checkSource(t, inv, "oci-layout", digest.String())
				checkLayers(t, inv, ids, true)
				checkAlpinePackages(t, inv, a, version)
			})
			t.Run("oci-archive", func(t *testing.T) {
				t.Parallel()
				inv := inventoryOf(t, nil, "sbom", "image", "oci-archive:"+ociArchive(t, a.img))
				checkSource(t, inv, "oci-archive", digest.String())
				checkLayers(t, inv, ids, true)
				checkAlpinePackages(t, inv, a, version)
			})
			t.Run("sbom-formats", func(t *testing.T) {
				t.Parallel()
				checkSBOMFormats(t, nil, "apk", len(apkInstalled(t, a.installed)), "sbom", "image", "oci:"+ociLayout(t, a.img))
			})
		})
	}
}
