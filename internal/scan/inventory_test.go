package scan_test

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/vigil-sec/vigil/internal/image"
	"github.com/vigil-sec/vigil/internal/image/source"
	"github.com/vigil-sec/vigil/internal/inventory/catalogers"
	"github.com/vigil-sec/vigil/internal/scan"
)

const osRelease = "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"

func stanza(name, version string) string {
	return "Package: " + name + "\nStatus: install ok installed\nArchitecture: amd64\nVersion: " + version + "\n\n"
}

// layerOf builds an uncompressed tar layer of the given files (name -> content;
// a name ending in ".wh.x" is a whiteout).
func layerOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ociImage writes layers (uncompressed tars) as an OCI layout, with edit
// applied to its config when not nil, and resolves it as a scan would.
func ociImage(t *testing.T, layers [][]byte, edit func(*v1.ConfigFile)) *image.Image {
	t.Helper()
	img := empty.Image
	for _, l := range layers {
		layer, err := tarball.LayerFromReader(bytes.NewReader(l))
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		cf = cf.DeepCopy()
		edit(cf)
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	resolved, err := source.Resolve(context.Background(), "oci:"+dir, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return resolved
}

func config(t *testing.T, cache string) scan.Config {
	t.Helper()
	walk := image.DefaultConfig()
	walk.CacheDir = cache
	return scan.Config{Walk: walk, Catalogers: catalogers.Default(catalogers.Config{TempDir: t.TempDir()})}
}

// TestInventoryLayers runs the whole pipeline on a three-layer OCI layout: a
// package upgraded in layer 2 belongs to layer 2, one untouched to layer 0,
// and a package database whited out and brought back is read again.
func TestInventoryLayers(t *testing.T) {
	t.Parallel()
	layers := [][]byte{
		layerOf(t, map[string]string{"etc/os-release": osRelease, "var/lib/dpkg/status": stanza("base-files", "12.4") + stanza("bash", "5.2.15-2")}),
		layerOf(t, map[string]string{"usr/bin/app": "binary"}),
		layerOf(t, map[string]string{"var/lib/dpkg/status": stanza("base-files", "12.4") + stanza("bash", "5.2.15-2+b2") + stanza("curl", "7.88.1-10")}),
	}
	ctx := context.Background()
	resolved := ociImage(t, layers, nil)
	cache := t.TempDir()
	inv, err := scan.Inventory(ctx, resolved, config(t, cache), scan.Observer{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range inv.Packages {
		got[p.Name+" "+p.Version] = p.Layer
	}
	ids := resolved.Layers
	want := map[string]string{
		"base-files 12.4":  ids[0].DiffID,
		"bash 5.2.15-2+b2": ids[2].DiffID,
		"curl 7.88.1-10":   ids[2].DiffID,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages and layers (-want +got):\n%s", diff)
	}
	if inv.Distro == nil || inv.Distro.ID != "debian" || inv.Source.Kind != "oci-layout" || len(inv.Source.Layers) != 3 {
		t.Errorf("distro %+v, source %+v", inv.Distro, inv.Source)
	}

	// A second inventory from the same cache reads no layer at all.
	for i := range resolved.Layers {
		resolved.Layers[i].Open = nil
	}
	again, err := scan.Inventory(ctx, resolved, config(t, cache), scan.Observer{})
	if err != nil {
		t.Fatalf("cached inventory: %v", err)
	}
	if diff := cmp.Diff(inv, again); diff != "" {
		t.Errorf("cached inventory differs (-first +second):\n%s", diff)
	}
}

// TestInventoryHost lists this machine's own packages through the directory
// source, as `vigil sbom rootfs /` does.
func TestInventoryHost(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
		t.Skip("not a dpkg system")
	}
	img, err := source.Resolve(context.Background(), "dir:/", source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := scan.Inventory(context.Background(), img, config(t, t.TempDir()), scan.Observer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Packages) < 50 || inv.Distro == nil {
		t.Fatalf("host inventory: %d packages, distro %+v", len(inv.Packages), inv.Distro)
	}
}
