package source

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// fuzzResolve resolves archive bytes held in memory; it must never panic.
func fuzzResolve(t *testing.T, data []byte) {
	p, _ := parsePlatform("")
	img, err := resolveArchiveFrom(context.Background(), bytes.NewReader(data), archiveFile{path: os.DevNull}, "fuzz.tar", "", p)
	if err != nil {
		return
	}
	for _, l := range img.Layers {
		if l.Open == nil {
			t.Fatal("layer without Open")
		}
	}
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDockerArchiveManifest feeds either a whole archive (raw) or a
// manifest.json placed in an otherwise valid classic docker save archive.
func FuzzDockerArchiveManifest(f *testing.F) {
	specs, _ := classicSave(f, nil)
	var manifest []byte
	var rest []tarEntrySpec
	for _, s := range specs {
		if s.name == "manifest.json" {
			manifest = s.body
			continue
		}
		rest = append(rest, s)
	}
	// The archive without manifest.json and its end blocks, to which each
	// input appends a manifest.json.
	whole := readFile(f, writeTar(f, rest))
	prefix := whole[:len(whole)-1024]
	f.Add(manifest, false)
	f.Add([]byte(`[{"Config":"../x","Layers":["/etc/passwd"]}]`), false)
	f.Add([]byte(`[{"Config":"a.json","Layers":["loop/a"]}]`), false)
	f.Add(readFile(f, writeTar(f, specs)), true)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, data []byte, raw bool) {
		if raw {
			fuzzResolve(t, data)
			return
		}
		var buf bytes.Buffer
		buf.Write(prefix)
		tw := tar.NewWriter(&buf)
		if err := tw.WriteHeader(&tar.Header{Name: "manifest.json", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
		tw.Close()
		fuzzResolve(t, buf.Bytes())
	})
}

// FuzzOCIArchive feeds arbitrary bytes as an OCI archive.
func FuzzOCIArchive(f *testing.F) {
	img := testImage(f, 2, 256, "linux/amd64")
	f.Add(readFile(f, tarDir(f, writeLayout(f, mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img})))))
	idx, _ := testIndex(f, "linux/amd64", "linux/arm64")
	f.Add(readFile(f, tarDir(f, writeLayout(f, mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: idx})))))
	f.Add(readFile(f, writeTar(f, []tarEntrySpec{{name: "oci-layout", body: []byte(`{"imageLayoutVersion":"1.0.0"}`)}, {name: "index.json", body: []byte(`{"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2}]}`)}})))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzResolve(t, data)
	})
}
