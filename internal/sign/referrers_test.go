package sign

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore/pkg/signature"
)

// referrersOf lists the referrers of ref with artifactType through the API.
func referrersOf(tb testing.TB, ref name.Digest, artifactType string) []v1.Descriptor {
	tb.Helper()
	idx, err := remote.Referrers(ref, remote.WithReferrersTagFallback(false))
	if err != nil {
		tb.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		tb.Fatal(err)
	}
	var out []v1.Descriptor
	for _, d := range im.Manifests {
		if d.ArtifactType == artifactType {
			out = append(out, d)
		}
	}
	return out
}

func referrerManifest(tb testing.TB, ref name.Digest, d v1.Descriptor) *v1.Manifest {
	tb.Helper()
	desc, err := remote.Get(ref.Context().Digest(d.Digest.String()))
	if err != nil {
		tb.Fatal(err)
	}
	m, err := v1.ParseManifest(strings.NewReader(string(desc.Manifest)))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

var cmpIgnorePayload = cmpopts.IgnoreFields(Verified{}, "Payload")

func deleteTag(tb testing.TB, tag name.Tag) {
	tb.Helper()
	if err := remote.Delete(tag); err != nil {
		tb.Fatal(err)
	}
}

func TestReferrersSignVerify(t *testing.T) {
	t.Parallel()
	reg := newReferrersRegistry(t)
	ref := reg.push(t, "ref/sig")
	key := newKey(t)
	o := Options{Support: &ReferrersSupport{}}
	for range 2 { // the second time adds nothing, to the tag or the referrers
		if err := Sign(ctxBG, ref, key, map[string]string{"scan": "passed"}, o); err != nil {
			t.Fatal(err)
		}
	}
	if sup, known := o.Support.Known(reg.host); !sup || !known {
		t.Errorf("Support.Known = %v, %v; want true, true", sup, known)
	}
	if n := len(manifestAt(t, tagOf(t, ref, sigSuffix)).Layers); n != 1 {
		t.Errorf(".sig tag has %d layers, want 1", n)
	}
	refs := referrersOf(t, ref, SignatureArtifactType)
	if len(refs) != 1 {
		t.Fatalf("%d signature referrers, want 1: %+v", len(refs), refs)
	}
	m := referrerManifest(t, ref, refs[0])
	if m.ArtifactType != SignatureArtifactType || string(m.Config.MediaType) != SignatureArtifactType ||
		m.Subject == nil || m.Subject.Digest.String() != ref.DigestStr() ||
		len(m.Layers) != 1 || m.Layers[0].MediaType != SimpleSigningMediaType || m.Layers[0].Annotations[SignatureAnnotation] == "" {
		t.Errorf("referrer manifest = %+v", m)
	}
	got, err := Verify(ctxBG, ref, []signature.Verifier{key}, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 { // the same signature stored both ways counts once
		t.Errorf("Verify gave %d results, want 1", len(got))
	}

	// Without the tag, the referrer alone verifies.
	deleteTag(t, tagOf(t, ref, sigSuffix))
	got, err = Verify(ctxBG, ref, []signature.Verifier{key}, o)
	if err != nil {
		t.Fatalf("Verify from the referrer: %v", err)
	}
	want := []Verified{{KeyID: mustKeyID(t, key), Annotations: map[string]string{"scan": "passed"}, Digest: ref.DigestStr()}}
	if d := cmp.Diff(want, got, cmpIgnorePayload); d != "" {
		t.Errorf("Verify (-want +got):\n%s", d)
	}
	// ... and not with the referrers turned off.
	_, err = Verify(ctxBG, ref, []signature.Verifier{key}, Options{Referrers: ReferrersOff})
	if !errors.Is(err, ErrNoSignatures) {
		t.Errorf("Verify with referrers off: %v, want ErrNoSignatures", err)
	}
	// A wrong key fails as with the tag.
	_, err = Verify(ctxBG, ref, []signature.Verifier{newKey(t)}, o)
	if !errors.Is(err, ErrNoValidSignature) {
		t.Errorf("Verify with another key: %v, want ErrNoValidSignature", err)
	}
}

func TestReferrersAttest(t *testing.T) {
	t.Parallel()
	reg := newReferrersRegistry(t)
	ref := reg.push(t, "ref/att")
	key := newKey(t)
	if err := Attest(ctxBG, ref, key, testPredicateType, []byte(`{"findings":[]}`), Options{}); err != nil {
		t.Fatal(err)
	}
	refs := referrersOf(t, ref, AttestationArtifactType)
	if len(refs) != 1 {
		t.Fatalf("%d attestation referrers, want 1", len(refs))
	}
	if m := referrerManifest(t, ref, refs[0]); len(m.Layers) != 1 || m.Layers[0].MediaType != DSSEMediaType ||
		m.Layers[0].Annotations[PredicateAnnotation] != testPredicateType {
		t.Errorf("attestation referrer = %+v", m)
	}
	deleteTag(t, tagOf(t, ref, attSuffix))
	got, err := VerifyAttestations(ctxBG, ref, []signature.Verifier{key}, testPredicateType, Options{})
	if err != nil {
		t.Fatalf("VerifyAttestations from the referrer: %v", err)
	}
	if len(got) != 1 || got[0].PredicateType != testPredicateType {
		t.Errorf("VerifyAttestations = %+v", got)
	}
	_, err = VerifyAttestations(ctxBG, ref, []signature.Verifier{key}, "https://example.com/other", Options{})
	if !errors.Is(err, ErrNoSignatures) {
		t.Errorf("another predicate type: %v, want ErrNoSignatures", err)
	}
}

// A registry without the referrers API: the tag only, no error, no
// referrers fallback tag, and the answer remembered for the run.
func TestReferrersUnsupported(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t)
	ref := reg.push(t, "noref/app")
	key := newKey(t)
	o := Options{Support: &ReferrersSupport{}}
	if err := Sign(ctxBG, ref, key, nil, o); err != nil {
		t.Fatal(err)
	}
	if err := Attest(ctxBG, ref, key, testPredicateType, []byte(`{}`), o); err != nil {
		t.Fatal(err)
	}
	if sup, known := o.Support.Known(reg.host); sup || !known {
		t.Errorf("Support.Known = %v, %v; want false, true", sup, known)
	}
	if _, err := remote.Get(ref.Context().Tag(strings.Replace(ref.DigestStr(), ":", "-", 1))); err == nil {
		t.Error("a referrers fallback tag was written")
	}
	asked := reg.referrers.Load()
	for range 3 {
		if _, err := Verify(ctxBG, ref, []signature.Verifier{key}, o); err != nil {
			t.Fatal(err)
		}
		if _, err := VerifyAttestations(ctxBG, ref, []signature.Verifier{key}, testPredicateType, o); err != nil {
			t.Fatal(err)
		}
	}
	if n := reg.referrers.Load() - asked; n != 0 {
		t.Errorf("%d more referrers requests after the registry was known not to serve them", n)
	}
	// Without a shared Support each call asks, and still succeeds.
	if _, err := Verify(ctxBG, ref, []signature.Verifier{key}, Options{}); err != nil {
		t.Fatal(err)
	}
	if reg.referrers.Load() == asked {
		t.Error("Verify without Support did not ask for referrers")
	}
}

func TestReferrersOff(t *testing.T) {
	t.Parallel()
	reg := newReferrersRegistry(t)
	ref := reg.push(t, "ref/off")
	key := newKey(t)
	o := Options{Referrers: ReferrersOff}
	if err := Sign(ctxBG, ref, key, nil, o); err != nil {
		t.Fatal(err)
	}
	if err := Attest(ctxBG, ref, key, testPredicateType, []byte(`{}`), o); err != nil {
		t.Fatal(err)
	}
	if n := reg.referrers.Load(); n != 0 {
		t.Errorf("%d referrers requests with referrers off", n)
	}
	if refs := referrersOf(t, ref, SignatureArtifactType); len(refs) != 0 {
		t.Errorf("referrers pushed with referrers off: %+v", refs)
	}
	if _, err := Verify(ctxBG, ref, []signature.Verifier{key}, o); err != nil {
		t.Fatal(err)
	}
}

func TestReferrersBadMode(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t)
	ref := reg.push(t, "mode/app")
	key := newKey(t)
	o := Options{Referrers: "sometimes"}
	for name, err := range map[string]error{
		"Sign":   Sign(ctxBG, ref, key, nil, o),
		"Attest": Attest(ctxBG, ref, key, testPredicateType, []byte(`{}`), o),
		"Verify": func() error { _, err := Verify(ctxBG, ref, []signature.Verifier{key}, o); return err }(),
	} {
		if err == nil || !strings.Contains(err.Error(), `referrers mode "sometimes"`) {
			t.Errorf("%s: %v, want a referrers mode error", name, err)
		}
	}
}

// Hostile referrers: a signature of another image pushed as a referrer of
// this one is ErrDigestMismatch; a referrer listed for this image whose
// manifest names another subject is ignored.
func TestReferrersHostile(t *testing.T) {
	t.Parallel()
	reg := newReferrersRegistry(t)
	victim := reg.push(t, "ref/hostile")
	other := reg.push(t, "ref/hostile")
	key := newKey(t)
	if err := Sign(ctxBG, other, key, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	refs := referrersOf(t, other, SignatureArtifactType)
	if len(refs) != 1 {
		t.Fatalf("%d referrers of the other image", len(refs))
	}
	// Re-point the other image's signature referrer at the victim.
	m := referrerManifest(t, other, refs[0])
	vd, err := remote.Head(victim)
	if err != nil {
		t.Fatal(err)
	}
	m.Subject = &v1.Descriptor{MediaType: vd.MediaType, Digest: vd.Digest, Size: vd.Size}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	h, _, _ := v1.SHA256(strings.NewReader(string(b)))
	if err := remote.Put(victim.Context().Digest(h.String()), rawManifest{b, m.MediaType}); err != nil {
		t.Fatal(err)
	}
	_, err = Verify(ctxBG, victim, []signature.Verifier{key}, Options{})
	if !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("re-pointed referrer: %v, want ErrDigestMismatch", err)
	}
	// The other image still verifies (its own referrer and tag).
	if _, err := Verify(ctxBG, other, []signature.Verifier{key}, Options{}); err != nil {
		t.Error(err)
	}
}
