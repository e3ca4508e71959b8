package source

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vigil-sec/vigil/internal/image"
)

// layerTar is an uncompressed layer holding one file.
func layerTar(t testing.TB, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(content))
	tw.Close()
	return buf.Bytes()
}

// classicSave builds the entries of a classic `docker save` archive with
// uncompressed layer.tar files; the third layer repeats the first and is a
// symlink to it, as docker writes it. edit may change manifest.json.
func classicSave(t testing.TB, edit func(m []map[string]any)) ([]tarEntrySpec, []image.Layer) {
	t.Helper()
	layers := [][]byte{layerTar(t, "etc/os-release", "ID=debian\n"), layerTar(t, "usr/bin/x", "x"), nil}
	layers[2] = layers[0]
	var diffIDs []string
	for _, l := range layers {
		diffIDs = append(diffIDs, sha(l))
	}
	cfg, _ := json.Marshal(map[string]any{
		"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Env": []string{"PATH=/usr/bin"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	})
	cfgHex := strings.TrimPrefix(sha(cfg), "sha256:")
	var specs []tarEntrySpec
	var paths []string
	var want []image.Layer
	for i, l := range layers {
		id := strings.TrimPrefix(sha([]byte(fmt.Sprint("layer", i))), "sha256:")
		specs = append(specs, tarEntrySpec{name: id + "/", typ: tar.TypeDir},
			tarEntrySpec{name: id + "/VERSION", body: []byte("1.0")},
			tarEntrySpec{name: id + "/json", body: []byte("{}")})
		if i == 2 {
			specs = append(specs, tarEntrySpec{name: id + "/layer.tar", typ: tar.TypeSymlink, link: "../" + strings.Split(paths[0], "/")[0] + "/layer.tar"})
		} else {
			specs = append(specs, tarEntrySpec{name: id + "/layer.tar", body: l})
		}
		paths = append(paths, id+"/layer.tar")
		want = append(want, image.Layer{Digest: diffIDs[i], DiffID: diffIDs[i], Size: int64(len(l)), MediaType: string(types.DockerUncompressedLayer)})
	}
	m := []map[string]any{{"Config": cfgHex + ".json", "RepoTags": []string{"example/classic:1"}, "Layers": paths}}
	if edit != nil {
		edit(m)
	}
	mb, _ := json.Marshal(m)
	specs = append(specs, tarEntrySpec{name: cfgHex + ".json", body: cfg},
		tarEntrySpec{name: "manifest.json", body: mb},
		tarEntrySpec{name: "repositories", body: []byte(`{}`)})
	return specs, want
}

func TestDockerArchiveFromTarballWrite(t *testing.T) {
	t.Parallel()
	img := testImage(t, 3, 200_000, "linux/amd64")
	path := filepath.Join(t.TempDir(), "img.tar")
	if err := tarball.WriteToFile(path, name.MustParseReference("example/img:1"), img); err != nil {
		t.Fatal(err)
	}
	got, read, err := resolveCounting(t, path, "")
	if err != nil {
		t.Fatal(err)
	}
	// Compressed layers under non-content-addressed names: no digest, the
	// walker verifies DiffID.
	want := wantLayers(t, img)
	for i := range want {
		want[i].Digest = ""
	}
	diffLayers(t, got.Layers, want)
	if got.Source != KindDockerArchive || got.Name != path || got.Digest != "" || got.Platform != "linux/amd64" || got.Config == nil {
		t.Errorf("image = %+v", got)
	}
	fi, _ := os.Stat(path)
	if read > 64<<10 {
		t.Errorf("Resolve read %d bytes of a %d-byte archive; want only headers, JSON and layer magic", read, fi.Size())
	}
	checkOpen(t, got)
}

func TestDockerArchiveClassic(t *testing.T) {
	t.Parallel()
	specs, want := classicSave(t, nil)
	path := writeTar(t, specs)
	got, err := Resolve(context.Background(), "docker-archive:"+path, Options{Platform: "linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	diffLayers(t, got.Layers, want)
	if got.Source != KindDockerArchive || got.Config.Config.Env[0] != "PATH=/usr/bin" {
		t.Errorf("image = %+v", got)
	}
	checkOpen(t, got)
}

// TestDockerArchiveOCIStyle covers Docker 25+: blobs/sha256 names, an OCI
// index beside manifest.json.
func TestDockerArchiveOCIStyle(t *testing.T) {
	t.Parallel()
	img := testImage(t, 2, 4096, "linux/arm64")
	dir := writeLayout(t, mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img}))
	cfgName, _ := img.ConfigName()
	var layers []string
	for _, l := range wantLayers(t, img) {
		layers = append(layers, "blobs/sha256/"+strings.TrimPrefix(l.Digest, "sha256:"))
	}
	mb, _ := json.Marshal([]map[string]any{{"Config": "blobs/sha256/" + cfgName.Hex, "RepoTags": []string{"x:1"}, "Layers": layers}})
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), mb, 0o644); err != nil {
		t.Fatal(err)
	}
	path := tarDir(t, dir)
	got, err := Resolve(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := wantLayers(t, img)
	for i := range want {
		want[i].MediaType = string(types.DockerLayer) // sniffed
	}
	diffLayers(t, got.Layers, want)
	if got.Source != KindDockerArchive || got.Digest != mustDigest(t, img).String() || got.Platform != "linux/arm64" {
		t.Errorf("image = %+v", got)
	}
	checkOpen(t, got)
	if _, err := Resolve(context.Background(), path, Options{Platform: "linux/amd64"}); err == nil || !strings.Contains(err.Error(), "linux/arm64") {
		t.Errorf("explicit other platform: err = %v", err)
	}
}

func TestOCILayout(t *testing.T) {
	t.Parallel()
	img := testImage(t, 3, 10_000, "linux/amd64")
	dir := writeLayout(t, mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img}))
	for _, ref := range []string{dir, "oci:" + dir} {
		got, err := Resolve(context.Background(), ref, Options{})
		if err != nil {
			t.Fatal(err)
		}
		diffLayers(t, got.Layers, wantLayers(t, img))
		if got.Source != KindOCILayout || got.Digest != mustDigest(t, img).String() || got.Name != dir {
			t.Errorf("image = %+v", got)
		}
		checkOpen(t, got)
	}
}

func TestOCIArchive(t *testing.T) {
	t.Parallel()
	img := testImage(t, 3, 300_000, "linux/amd64")
	path := tarDir(t, writeLayout(t, mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img})))
	got, read, err := resolveCounting(t, path, "")
	if err != nil {
		t.Fatal(err)
	}
	diffLayers(t, got.Layers, wantLayers(t, img))
	if got.Source != KindOCIArchive || got.Digest != mustDigest(t, img).String() {
		t.Errorf("image = %+v", got)
	}
	if read > 64<<10 {
		t.Errorf("Resolve read %d bytes; want only headers and JSON", read)
	}
	checkOpen(t, got)
}

func TestMultiPlatformLayoutAndArchive(t *testing.T) {
	t.Parallel()
	idx, digests := testIndex(t, "linux/amd64", "linux/arm64/v8", "linux/arm/v7")
	// A layout whose index.json points at one multi-platform index, as
	// `docker buildx --output type=oci` writes it.
	dir := writeLayout(t, mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: idx}))
	arch := tarDir(t, dir)
	tests := []struct {
		platform, want, wantErr string
	}{
		{"", "linux/amd64", ""},
		{"linux/amd64", "linux/amd64", ""},
		{"linux/arm64", "linux/arm64/v8", ""},
		{"linux/arm64/v8", "linux/arm64/v8", ""},
		{"linux/arm", "linux/arm/v7", ""},
		{"linux/s390x", "", "platform linux/s390x not found; available: linux/amd64, linux/arm/v7, linux/arm64/v8"},
		{"linux/arm/v6", "", "not found"},
		{"linux", "", "want os/arch"},
	}
	for _, ref := range []string{dir, arch} {
		for _, tc := range tests {
			t.Run(filepath.Base(ref)+"/"+tc.platform, func(t *testing.T) {
				t.Parallel()
				got, err := Resolve(context.Background(), ref, Options{Platform: tc.platform})
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
						t.Fatalf("err = %v, want %q", err, tc.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.Digest != digests[tc.want].String() {
					t.Errorf("digest = %s, want %s (%s)", got.Digest, digests[tc.want], tc.want)
				}
				checkOpen(t, got)
			})
		}
	}
}

func TestDirectories(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Resolve(context.Background(), dir, Options{}); err == nil || !strings.Contains(err.Error(), "vigil sbom rootfs") {
		t.Errorf("plain directory: err = %v", err)
	}
	got, err := Resolve(context.Background(), "dir:"+dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&image.Image{Name: dir, Source: KindDir, Dir: dir}, got); d != "" {
		t.Error(d)
	}
	if _, err := Resolve(context.Background(), "dir:"+filepath.Join(dir, "nope"), Options{}); err == nil {
		t.Error("missing dir: no error")
	}
	if _, err := Resolve(context.Background(), "./nope.tar", Options{}); err == nil || !strings.Contains(err.Error(), "not exist") {
		t.Errorf("missing file: err = %v", err)
	}
	f := filepath.Join(dir, "notatar")
	os.WriteFile(f, []byte("hello"), 0o644)
	if _, err := Resolve(context.Background(), f, Options{}); err == nil {
		t.Error("not an archive: no error")
	}
}

func TestHostileDockerArchives(t *testing.T) {
	t.Parallel()
	setLayer := func(i int, p string) func([]map[string]any) {
		return func(m []map[string]any) { m[0]["Layers"].([]string)[i] = p }
	}
	tests := []struct {
		name    string
		specs   func(t *testing.T) []tarEntrySpec
		wantErr string
	}{
		{"traversal in layer path", func(t *testing.T) []tarEntrySpec {
			s, _ := classicSave(t, setLayer(1, "../../../etc/passwd"))
			return s
		}, "escapes the archive"},
		{"absolute layer path", func(t *testing.T) []tarEntrySpec {
			s, _ := classicSave(t, setLayer(1, "/etc/passwd"))
			return s
		}, "escapes the archive"},
		{"hidden traversal", func(t *testing.T) []tarEntrySpec {
			s, _ := classicSave(t, setLayer(1, "a/../../b"))
			return s
		}, "escapes the archive"},
		{"traversal in config path", func(t *testing.T) []tarEntrySpec {
			s, _ := classicSave(t, func(m []map[string]any) { m[0]["Config"] = "../x.json" })
			return s
		}, "escapes the archive"},
		{"missing blob", func(t *testing.T) []tarEntrySpec {
			s, _ := classicSave(t, setLayer(1, "deadbeef/layer.tar"))
			return s
		}, `"deadbeef/layer.tar": not in archive`},
		{"symlink out of the archive", func(t *testing.T) []tarEntrySpec {
			s, _ := classicSave(t, nil)
			for i := range s {
				if s[i].typ == tar.TypeSymlink {
					s[i].link = "../../../../etc/passwd"
				}
			}
			return s
		}, "not in archive"},
		{"symlink loop", func(t *testing.T) []tarEntrySpec {
			s, _ := classicSave(t, setLayer(1, "loop/a"))
			return append(s, tarEntrySpec{name: "loop/a", typ: tar.TypeSymlink, link: "b"}, tarEntrySpec{name: "loop/b", typ: tar.TypeSymlink, link: "a"})
		}, "links"},
		{"duplicate layer entry", func(t *testing.T) []tarEntrySpec {
			s, _ := classicSave(t, nil)
			for _, e := range s {
				if strings.HasSuffix(e.name, "/layer.tar") && e.body != nil {
					return append(s, tarEntrySpec{name: "./" + e.name, body: []byte("evil")})
				}
			}
			t.Fatal("no layer")
			return nil
		}, "more than once"},
		{"manifest.json of 100 MB", func(t *testing.T) []tarEntrySpec {
			return []tarEntrySpec{{name: "manifest.json", size: 100 << 20}}
		}, "more than the"},
		{"wrong config digest", func(t *testing.T) []tarEntrySpec {
			s, _ := classicSave(t, nil)
			for i := range s {
				if strings.HasSuffix(s[i].name, ".json") && s[i].name != "manifest.json" {
					s[i].body = bytes.Replace(s[i].body, []byte("PATH=/usr/bin"), []byte("PATH=/evil/bin"), 1)
				}
			}
			return s
		}, "its name says"},
		{"diffID count", func(t *testing.T) []tarEntrySpec {
			s, _ := classicSave(t, func(m []map[string]any) { m[0]["Layers"] = m[0]["Layers"].([]string)[:2] })
			return s
		}, "lists 2 layers but config"},
		{"empty manifest", func(t *testing.T) []tarEntrySpec {
			return []tarEntrySpec{{name: "manifest.json", body: []byte("[]")}}
		}, "no images"},
		{"manifest not JSON", func(t *testing.T) []tarEntrySpec {
			return []tarEntrySpec{{name: "manifest.json", body: []byte("{")}}
		}, "parse manifest.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeTar(t, tc.specs(t))
			_, err := Resolve(context.Background(), path, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestHostileOCI(t *testing.T) {
	t.Parallel()
	img := testImage(t, 2, 1000, "linux/amd64")
	good := func(t *testing.T) string {
		return writeLayout(t, mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img}))
	}
	blob := func(dir string, h v1.Hash) string { return filepath.Join(dir, "blobs", h.Algorithm, h.Hex) }
	cfgName, _ := img.ConfigName()
	ls, _ := img.Layers()
	ld, _ := ls[1].Digest()
	tests := []struct {
		name    string
		edit    func(t *testing.T, dir string)
		wantErr string
	}{
		{"wrong config digest", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(blob(dir, cfgName))
			b[len(b)-2] = ' '
			os.WriteFile(blob(dir, cfgName), b, 0o644)
		}, "config: digest is"},
		{"missing layer blob", func(t *testing.T, dir string) {
			os.Remove(blob(dir, ld))
		}, "missing"},
		{"truncated layer blob", func(t *testing.T, dir string) {
			os.Truncate(blob(dir, ld), 10)
		}, "manifest says"},
		{"index.json not an index", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{"config":{}}`), 0o644)
		}, "index.json"},
		{"index.json too big", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "index.json"), bytes.Repeat([]byte(" "), maxManifestBytes+1), 0o644)
		}, "allowed"},
		{"helm chart", func(t *testing.T, dir string) {
			cfg := []byte(`{"name":"x","version":"1"}`)
			ch := v1.Hash{Algorithm: "sha256", Hex: strings.TrimPrefix(sha(cfg), "sha256:")}
			os.WriteFile(blob(dir, ch), cfg, 0o644)
			m, _ := json.Marshal(v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
				Config: v1.Descriptor{MediaType: "application/vnd.cncf.helm.config.v1+json", Size: int64(len(cfg)), Digest: ch}})
			mh := v1.Hash{Algorithm: "sha256", Hex: strings.TrimPrefix(sha(m), "sha256:")}
			os.WriteFile(blob(dir, mh), m, 0o644)
			ix, _ := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex,
				Manifests: []v1.Descriptor{{MediaType: types.OCIManifestSchema1, Size: int64(len(m)), Digest: mh}}})
			os.WriteFile(filepath.Join(dir, "index.json"), ix, 0o644)
		}, "Helm chart"},
		{"media type confusion", func(t *testing.T, dir string) {
			var ix v1.IndexManifest
			b, _ := os.ReadFile(filepath.Join(dir, "index.json"))
			json.Unmarshal(b, &ix)
			ix.Manifests[0].MediaType = types.OCIImageIndex
			b, _ = json.Marshal(ix)
			os.WriteFile(filepath.Join(dir, "index.json"), b, 0o644)
		}, "contradicts"},
		{"symlinked blob", func(t *testing.T, dir string) {
			p := blob(dir, ld)
			os.Rename(p, p+".real")
			os.Symlink(p+".real", p)
		}, "regular file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := good(t)
			tc.edit(t, dir)
			arch := ""
			if tc.name != "symlinked blob" {
				arch = tarDir(t, dir)
			}
			_, err := Resolve(context.Background(), dir, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("layout: err = %v, want %q", err, tc.wantErr)
			}
			if arch == "" {
				return
			}
			if _, err = Resolve(context.Background(), arch, Options{}); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("archive: err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestArchiveChangedAfterResolve(t *testing.T) {
	t.Parallel()
	specs, _ := classicSave(t, nil)
	path := writeTar(t, specs)
	img, err := Resolve(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("replaced"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := img.Layers[0].Open(context.Background()); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("err = %v", err)
	}
}

func BenchmarkResolveDockerArchive(b *testing.B) {
	img := testImage(b, 8, 1<<20, "linux/amd64")
	path := filepath.Join(b.TempDir(), "img.tar")
	if err := tarball.WriteToFile(path, name.MustParseReference("example/img:1"), img); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Resolve(ctx, path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolveOCILayout(b *testing.B) {
	img := testImage(b, 8, 1<<16, "linux/amd64")
	dir := b.TempDir()
	if _, err := layout.Write(dir, mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img})); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Resolve(ctx, dir, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
