package sign

import (
	"testing"

	"github.com/sigstore/sigstore/pkg/signature"
)

// BenchmarkVerifyCached: an already verified digest, answered from memory.
// Target < 1 ms/op.
func BenchmarkVerifyCached(b *testing.B) {
	reg := newRegistry(b)
	ref := reg.push(b, "bench/cached")
	key := newKey(b)
	if err := Sign(ctxBG, ref, key, nil, Options{}); err != nil {
		b.Fatal(err)
	}
	c, err := NewCache(b.TempDir(), 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	keys := []signature.Verifier{key}
	if _, err := c.Verify(ctxBG, ref, keys, Options{}); err != nil {
		b.Fatal(err)
	}
	before := reg.requests.Load()
	for b.Loop() {
		if _, err := c.Verify(ctxBG, ref, keys, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	if reg.requests.Load() != before {
		b.Fatal("cached verification reached the registry")
	}
}

// BenchmarkVerifyCold: fetch and verify the signatures against a local
// registry (pkg/registry on 127.0.0.1). Target < 50 ms/op.
func BenchmarkVerifyCold(b *testing.B) {
	reg := newRegistry(b)
	ref := reg.push(b, "bench/cold")
	key := newKey(b)
	if err := Sign(ctxBG, ref, key, map[string]string{"scan": "passed"}, Options{}); err != nil {
		b.Fatal(err)
	}
	keys := []signature.Verifier{newKey(b), key}
	for b.Loop() {
		if _, err := Verify(ctxBG, ref, keys, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyAttestationsCold: the same for one attestation.
func BenchmarkVerifyAttestationsCold(b *testing.B) {
	reg := newRegistry(b)
	ref := reg.push(b, "bench/att")
	key := newKey(b)
	if err := Attest(ctxBG, ref, key, testPredicateType, []byte(`{"findings":[]}`), Options{}); err != nil {
		b.Fatal(err)
	}
	keys := []signature.Verifier{key}
	for b.Loop() {
		if _, err := VerifyAttestations(ctxBG, ref, keys, testPredicateType, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyColdReferrers: cold verification against a registry that
// serves the referrers API, the signature stored both ways (tag, referrer
// listing, referrer manifest; the shared layer fetched once).
func BenchmarkVerifyColdReferrers(b *testing.B) {
	reg := newReferrersRegistry(b)
	ref := reg.push(b, "bench/referrers")
	key := newKey(b)
	if err := Sign(ctxBG, ref, key, nil, Options{}); err != nil {
		b.Fatal(err)
	}
	keys := []signature.Verifier{key}
	for b.Loop() {
		if _, err := Verify(ctxBG, ref, keys, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
