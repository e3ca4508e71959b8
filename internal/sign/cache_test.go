package sign

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sigstore/sigstore/pkg/signature"
)

func TestCacheAnswersWithoutRegistry(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t)
	ref := reg.push(t, "cache/app")
	key := newKey(t)
	keys := []signature.Verifier{key}
	dir := t.TempDir()
	c, err := NewCache(dir, time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}

	// A failure is not cached: signing afterwards is seen at once.
	if _, err := c.Verify(ctxBG, ref, keys, Options{}); !errors.Is(err, ErrNoSignatures) {
		t.Fatalf("unsigned: %v", err)
	}
	if err := Sign(ctxBG, ref, key, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	first, err := c.Verify(ctxBG, ref, keys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := reg.requests.Load()
	again, err := c.Verify(ctxBG, ref, keys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := reg.requests.Load() - before; n != 0 {
		t.Errorf("cached verification made %d registry requests", n)
	}
	if d := cmp.Diff(first, again); d != "" {
		t.Errorf("cached result differs (-first +again):\n%s", d)
	}

	// Another set of keys is another entry.
	if _, err := c.Verify(ctxBG, ref, []signature.Verifier{newKey(t)}, Options{}); !errors.Is(err, ErrNoValidSignature) {
		t.Errorf("other key through the cache: %v", err)
	}

	// A new cache on the same directory answers from the file.
	c2, err := NewCache(dir, time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	before = reg.requests.Load()
	fromDisk, err := c2.Verify(ctxBG, ref, keys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := reg.requests.Load() - before; n != 0 {
		t.Errorf("persisted entry: %d registry requests", n)
	}
	if d := cmp.Diff(first, fromDisk); d != "" {
		t.Errorf("persisted result differs (-first +disk):\n%s", d)
	}

	// Expired entries go back to the registry (and their files go).
	c2.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	c3, _ := NewCache(dir, time.Hour, 10)
	c3.now = c2.now
	before = reg.requests.Load()
	if _, err := c3.Verify(ctxBG, ref, keys, Options{}); err != nil {
		t.Fatal(err)
	}
	if reg.requests.Load() == before {
		t.Error("expired entry answered without the registry")
	}
}

func TestCacheAttestations(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t)
	ref := reg.push(t, "cache/att")
	key := newKey(t)
	if err := Attest(ctxBG, ref, key, testPredicateType, []byte(`{"a":1}`), Options{}); err != nil {
		t.Fatal(err)
	}
	c, _ := NewCache("", 0, 0)
	if _, err := c.VerifyAttestations(ctxBG, ref, []signature.Verifier{key}, testPredicateType, Options{}); err != nil {
		t.Fatal(err)
	}
	before := reg.requests.Load()
	got, err := c.VerifyAttestations(ctxBG, ref, []signature.Verifier{key}, testPredicateType, Options{})
	if err != nil || len(got) != 1 || reg.requests.Load() != before {
		t.Errorf("cached attestations = %d, %v, %d requests", len(got), err, reg.requests.Load()-before)
	}
	// The signature kind is separate.
	if _, err := c.Verify(ctxBG, ref, []signature.Verifier{key}, Options{}); !errors.Is(err, ErrNoSignatures) {
		t.Errorf("Verify after attestation cache = %v", err)
	}
}

func TestCacheBoundedAndHostileFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := NewCache(dir, time.Minute, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		c.put(&cacheEntry{Key: k, Verified: []Verified{{Digest: k}}}, Options{})
	}
	if c.ll.Len() != 2 {
		t.Errorf("%d entries in memory, want 2", c.ll.Len())
	}
	if _, ok := c.idx["a"]; ok {
		t.Error("least recently used entry kept")
	}
	// "a" is still on disk.
	if e := c.get("a", Options{}); e == nil || e.Verified[0].Digest != "a" {
		t.Errorf("entry a from disk = %+v", e)
	}
	// A damaged file, a file for another key, a far-future expiry: ignored.
	os.WriteFile(c.file("x"), []byte("{not json"), 0o600)
	os.WriteFile(c.file("y"), []byte(`{"version":1,"key":"z","expires":"2999-01-01T00:00:00Z"}`), 0o600)
	os.WriteFile(c.file("w"), []byte(`{"version":1,"key":"w","expires":"2999-01-01T00:00:00Z"}`), 0o600)
	for _, k := range []string{"x", "y", "w"} {
		if e := c.get(k, Options{}); e != nil {
			t.Errorf("hostile entry %s answered: %+v", k, e)
		}
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, ".entry-*"))
	if len(tmps) != 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
	if _, err := NewCache("", -1, 0); err == nil {
		t.Error("NewCache(negative ttl) succeeded")
	}
}
