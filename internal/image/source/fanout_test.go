package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// memStore is a store of manifests in memory that counts reads per digest.
type memStore struct {
	blobs map[v1.Hash][]byte
	reads map[v1.Hash]int
}

func newMemStore() *memStore {
	return &memStore{blobs: map[v1.Hash][]byte{}, reads: map[v1.Hash]int{}}
}

// put stores b and returns a descriptor for it with media type mt.
func (m *memStore) put(mt types.MediaType, b []byte) v1.Descriptor {
	s := sha256.Sum256(b)
	h := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s[:])}
	m.blobs[h] = b
	return v1.Descriptor{MediaType: mt, Digest: h, Size: int64(len(b))}
}

func (m *memStore) readManifest(_ context.Context, d v1.Descriptor) ([]byte, error) {
	m.reads[d.Digest]++
	b, ok := m.blobs[d.Digest]
	if !ok {
		return nil, errors.New("not found")
	}
	return b, nil
}
func (m *memStore) readBlob(ctx context.Context, d v1.Descriptor, _ int64) ([]byte, error) {
	return m.readManifest(ctx, d)
}
func (m *memStore) openBlob(context.Context, v1.Descriptor) (io.ReadCloser, error) {
	return nil, errors.New("no layers")
}
func (m *memStore) statBlob(v1.Descriptor) error { return nil }

func indexJSON(t testing.TB, ds []v1.Descriptor) []byte {
	t.Helper()
	b, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: ds})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fakeDigest(i int) v1.Hash { return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%064x", i)} }

// fanoutTree builds levels of indexes, each listing the one below n times,
// over a bottom index of n descriptors of a non-image media type. It returns
// the top index.
func fanoutTree(t testing.TB, m *memStore, n, levels int) *v1.IndexManifest {
	t.Helper()
	ds := make([]v1.Descriptor, n)
	for i := range ds {
		ds[i] = v1.Descriptor{MediaType: "application/x-foo", Digest: fakeDigest(0), Size: 1}
	}
	for range levels {
		d := m.put(types.OCIImageIndex, indexJSON(t, ds))
		for i := range ds {
			ds[i] = d
		}
	}
	return &v1.IndexManifest{SchemaVersion: 2, Manifests: ds}
}

// TestIndexFanoutReadsEachDigestOnce is the regression test for nested indexes
// that list the same index many times: 40 references per index over 4 levels
// used to take minutes and gigabytes.
func TestIndexFanoutReadsEachDigestOnce(t *testing.T) {
	t.Parallel()
	m := newMemStore()
	top := fanoutTree(t, m, 40, 4)
	c := newCollector(m)
	start := time.Now()
	err := c.collect(t.Context(), top, 0)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("collect took %v", el)
	}
	for h, n := range m.reads {
		if n != 1 {
			t.Errorf("%s read %d times", h, n)
		}
	}
	if len(m.reads) != 4 {
		t.Errorf("read %d documents, want 4", len(m.reads))
	}
	if len(c.skipped) != 1 || c.skipped[0] != "application/x-foo" {
		t.Errorf("skipped = %q", c.skipped)
	}
}

// TestIndexFanoutLayout runs the same fan-out through Resolve on an OCI
// layout.
func TestIndexFanoutLayout(t *testing.T) {
	t.Parallel()
	m := newMemStore()
	top := fanoutTree(t, m, 40, 4)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	for h, b := range m.blobs {
		if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", h.Hex), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), indexJSON(t, top.Manifests), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := Resolve(ctx, "oci:"+dir, Options{})
	if el := time.Since(start); el > time.Second {
		t.Errorf("Resolve took %v", el)
	}
	if err == nil || !strings.Contains(err.Error(), "no container images") {
		t.Errorf("err = %v, want no container images", err)
	}
}

func TestIndexDescriptorBudget(t *testing.T) {
	t.Parallel()
	// Distinct indexes, so the visited set does not help: 65 indexes of 64
	// descriptors each exceed the budget of 4096.
	m := newMemStore()
	var top []v1.Descriptor
	for i := range 65 {
		ds := make([]v1.Descriptor, 64)
		for j := range ds {
			ds[j] = v1.Descriptor{MediaType: "application/x-foo", Digest: fakeDigest(i*64 + j), Size: 1}
		}
		top = append(top, m.put(types.OCIImageIndex, indexJSON(t, ds)))
	}
	err := newCollector(m).collect(t.Context(), &v1.IndexManifest{Manifests: top}, 0)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d descriptors", maxDescriptors)) {
		t.Errorf("err = %v, want descriptor budget error", err)
	}
}

func TestIndexCollectCanceled(t *testing.T) {
	t.Parallel()
	m := newMemStore()
	top := fanoutTree(t, m, 4, 2)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := newCollector(m).collect(ctx, top, 0)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if len(m.reads) != 0 {
		t.Errorf("read %d documents after cancel", len(m.reads))
	}
}

func TestIndexSkippedCapped(t *testing.T) {
	t.Parallel()
	var ds []v1.Descriptor
	for i := range 200 {
		ds = append(ds, v1.Descriptor{MediaType: types.MediaType(fmt.Sprintf("application/x-%d", i)), Digest: fakeDigest(i), Size: 1})
	}
	c := newCollector(newMemStore())
	if err := c.collect(t.Context(), &v1.IndexManifest{Manifests: ds}, 0); err != nil {
		t.Fatal(err)
	}
	if len(c.skipped) != maxSkipped {
		t.Errorf("kept %d skipped media types, want %d", len(c.skipped), maxSkipped)
	}
}

// TestIndexDuplicateManifests checks that a manifest listed many times with
// the same platform is one candidate.
func TestIndexDuplicateManifests(t *testing.T) {
	t.Parallel()
	p := &v1.Platform{OS: "linux", Architecture: "amd64"}
	d := v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: fakeDigest(1), Size: 1, Platform: p}
	other := d
	other.Platform = &v1.Platform{OS: "linux", Architecture: "arm64"}
	c := newCollector(newMemStore())
	if err := c.collect(t.Context(), &v1.IndexManifest{Manifests: []v1.Descriptor{d, d, d, other}}, 0); err != nil {
		t.Fatal(err)
	}
	if len(c.out) != 2 {
		t.Errorf("%d candidates, want 2", len(c.out))
	}
}
