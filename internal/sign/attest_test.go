package sign

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore/pkg/signature"
)

const testPredicateType = "https://vigil.dev/attestations/scan/v1"

func TestAttestRoundTrip(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t)
	ref := reg.push(t, "att/app")
	key := newKey(t)
	pred := json.RawMessage(`{"findings":3,"scanner":"vigil"}`)
	if err := Attest(ctxBG, ref, key, testPredicateType, pred, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Attest(ctxBG, ref, key, "https://example.com/other", json.RawMessage(`{}`), Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := VerifyAttestations(ctxBG, ref, []signature.Verifier{key}, testPredicateType, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d attestations, want 1", len(got))
	}
	if d := cmp.Diff(Attestation{KeyID: mustKeyID(t, key), PredicateType: testPredicateType, Predicate: pred}, got[0],
		cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Statement" }, cmp.Ignore())); d != "" {
		t.Errorf("attestation (-want +got):\n%s", d)
	}
	st, err := parseStatement(got[0].Statement)
	if err != nil {
		t.Fatal(err)
	}
	wantSubject := []Subject{{Name: ref.Context().Name(), Digest: map[string]string{"sha256": strings.TrimPrefix(ref.DigestStr(), "sha256:")}}}
	if d := cmp.Diff(wantSubject, st.Subject); d != "" || st.Type != StatementType {
		t.Errorf("statement %s subject (-want +got):\n%s", st.Type, d)
	}
	all, err := VerifyAttestations(ctxBG, ref, []signature.Verifier{key}, "", Options{})
	if err != nil || len(all) != 2 {
		t.Errorf("VerifyAttestations(any type) = %d, %v; want 2", len(all), err)
	}
	m := manifestAt(t, tagOf(t, ref, ".att"))
	if len(m.Layers) != 2 || m.Layers[0].MediaType != DSSEMediaType || m.Layers[0].Annotations[PredicateAnnotation] != testPredicateType {
		t.Errorf("attestation image layers = %+v", m.Layers)
	}
}

func TestAttestErrors(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t)
	key, other := newKey(t), newKey(t)
	attest := func(t *testing.T, ref name.Digest) {
		if err := Attest(ctxBG, ref, key, testPredicateType, json.RawMessage(`{"ok":true}`), Options{}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T) name.Digest
		keys  []signature.Verifier
		ptype string
		want  error
	}{
		{"none", func(t *testing.T) name.Digest { return reg.push(t, "atterr/none") }, []signature.Verifier{key}, testPredicateType, ErrNoSignatures},
		{"other type only", func(t *testing.T) name.Digest {
			ref := reg.push(t, "atterr/type")
			attest(t, ref)
			return ref
		}, []signature.Verifier{key}, "https://example.com/x", ErrNoSignatures},
		{"wrong key", func(t *testing.T) name.Digest {
			ref := reg.push(t, "atterr/key")
			attest(t, ref)
			return ref
		}, []signature.Verifier{other}, testPredicateType, ErrNoValidSignature},
		{"re-tagged", func(t *testing.T) name.Digest {
			a := reg.push(t, "atterr/retag")
			attest(t, a)
			b := reg.push(t, "atterr/retag")
			copyManifest(t, tagOf(t, a, ".att"), tagOf(t, b, ".att"))
			return b
		}, []signature.Verifier{key}, testPredicateType, ErrDigestMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ref := tc.setup(t)
			_, err := VerifyAttestations(ctxBG, ref, tc.keys, tc.ptype, Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyAttestations = %v, want %v", err, tc.want)
			}
		})
	}
	ref := reg.push(t, "atterr/bad")
	if err := Attest(ctxBG, ref, key, testPredicateType, json.RawMessage(`{`), Options{}); err == nil {
		t.Error("Attest(invalid JSON predicate) succeeded")
	}
	if err := Attest(ctxBG, ref, key, "", json.RawMessage(`{}`), Options{}); err == nil {
		t.Error("Attest(empty predicate type) succeeded")
	}
}
