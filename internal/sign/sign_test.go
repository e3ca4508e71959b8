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
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/payload"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t)
	ref := reg.push(t, "app/web")
	key := newKey(t)
	ann := map[string]string{"scan": "passed", "by": "vigil"}
	if err := Sign(ctxBG, ref, key, ann, Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := Verify(ctxBG, ref, []signature.Verifier{newKey(t), key}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Verified{{KeyID: mustKeyID(t, key), Annotations: ann, Digest: ref.DigestStr()}}
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(Verified{}, "Payload")); d != "" {
		t.Errorf("Verify (-want +got):\n%s", d)
	}
	var p payload.Cosign
	if err := json.Unmarshal(got[0].Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.Image.String() != ref.String() || p.ClaimedIdentity != ref.Context().Name() {
		t.Errorf("payload names %s (identity %s), want %s", p.Image, p.ClaimedIdentity, ref)
	}
	m := manifestAt(t, tagOf(t, ref, ".sig"))
	if len(m.Layers) != 1 || m.Layers[0].MediaType != SimpleSigningMediaType || m.Layers[0].Annotations[SignatureAnnotation] == "" {
		t.Errorf("signature image layers = %+v", m.Layers)
	}
}

func TestSignAppends(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t)
	ref := reg.push(t, "app/append")
	a, b := newKey(t), newKey(t)
	steps := []struct {
		key    signature.Signer
		ann    map[string]string
		layers int
	}{
		{a, nil, 1},
		{a, nil, 1}, // same payload, same key: not duplicated
		{b, nil, 2}, // another key: appended
		{a, map[string]string{"env": "prod"}, 3},
		{a, map[string]string{"env": "prod"}, 3},
	}
	for i, s := range steps {
		if err := Sign(ctxBG, ref, s.key, s.ann, Options{}); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if n := len(manifestAt(t, tagOf(t, ref, ".sig")).Layers); n != s.layers {
			t.Fatalf("step %d: %d layers, want %d", i, n, s.layers)
		}
	}
	for _, tc := range []struct {
		name string
		keys []signature.Verifier
		want int
	}{{"a", []signature.Verifier{a}, 2}, {"b", []signature.Verifier{b}, 1}, {"both", []signature.Verifier{a, b}, 3}} {
		got, err := Verify(ctxBG, ref, tc.keys, Options{})
		if err != nil || len(got) != tc.want {
			t.Errorf("Verify(%s) = %d results, %v; want %d", tc.name, len(got), err, tc.want)
		}
	}
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t)
	key, other := newKey(t), newKey(t)
	tests := []struct {
		name    string
		setup   func(t *testing.T) name.Digest
		keys    []signature.Verifier
		want    error
		message string
	}{{
		name:  "unsigned",
		setup: func(t *testing.T) name.Digest { return reg.push(t, "err/unsigned") },
		keys:  []signature.Verifier{key}, want: ErrNoSignatures, message: "sha256-",
	}, {
		name: "wrong key",
		setup: func(t *testing.T) name.Digest {
			ref := reg.push(t, "err/wrongkey")
			if err := Sign(ctxBG, ref, key, nil, Options{}); err != nil {
				t.Fatal(err)
			}
			return ref
		},
		keys: []signature.Verifier{other}, want: ErrNoValidSignature, message: "1 signature(s) tried against 1 key(s)",
	}, {
		name: "re-tagged signature of another image",
		setup: func(t *testing.T) name.Digest {
			a := reg.push(t, "err/retag")
			if err := Sign(ctxBG, a, key, nil, Options{}); err != nil {
				t.Fatal(err)
			}
			b := reg.push(t, "err/retag")
			copyManifest(t, tagOf(t, a, ".sig"), tagOf(t, b, ".sig"))
			return b
		},
		keys: []signature.Verifier{key}, want: ErrDigestMismatch, message: "names sha256:",
	}, {
		name: "modified signature",
		setup: func(t *testing.T) name.Digest {
			ref := reg.push(t, "err/modified")
			if err := Sign(ctxBG, ref, key, nil, Options{}); err != nil {
				t.Fatal(err)
			}
			editManifest(t, tagOf(t, ref, ".sig"), flipSignature)
			return ref
		},
		keys: []signature.Verifier{key, other}, want: ErrNoValidSignature, message: "against 2 key(s)",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ref := tc.setup(t)
			got, err := Verify(ctxBG, ref, tc.keys, Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, %v; want %v", got, err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.message) || !strings.Contains(err.Error(), ref.String()) {
				t.Errorf("error %q does not name the image or contain %q", err, tc.message)
			}
		})
	}
}

func TestHostileSignatureImage(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t)
	ref := reg.push(t, "hostile/app")
	key := newKey(t)
	if err := Sign(ctxBG, ref, key, nil, Options{}); err != nil {
		t.Fatal(err)
	}
	// A layer claiming to be huge, another of a foreign media type, another
	// with a signature that is not base64: skipped, the valid one still counts.
	editManifest(t, tagOf(t, ref, ".sig"), func(m *v1.Manifest) {
		good := m.Layers[0]
		huge := good
		huge.Size = 1 << 40
		foreign := good
		foreign.MediaType = "application/octet-stream"
		garbled := good
		garbled.Annotations = map[string]string{SignatureAnnotation: "%%%"}
		m.Layers = []v1.Descriptor{huge, foreign, garbled, good}
	})
	got, err := Verify(ctxBG, ref, []signature.Verifier{key}, Options{})
	if err != nil || len(got) != 1 {
		t.Errorf("Verify = %d, %v; want the one valid signature", len(got), err)
	}
}

func TestSignMissingImage(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t)
	reg.push(t, "missing/app")
	ref, err := ParseDigest(reg.host + "/missing/app@sha256:" + strings.Repeat("1", 64))
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		Sign(ctxBG, ref, newKey(t), nil, Options{}),
		Attest(ctxBG, ref, newKey(t), testPredicateType, []byte(`{}`), Options{}),
	} {
		if err == nil || !strings.Contains(err.Error(), "not found in the registry") {
			t.Errorf("signing a missing image: %v", err)
		}
	}
}

func TestByDigestOnly(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	if err := Sign(ctxBG, name.Digest{}, key, nil, Options{}); err == nil || !strings.Contains(err.Error(), "sign by digest") {
		t.Errorf("Sign(zero digest) = %v, want a 'sign by digest' error", err)
	}
	if _, err := Verify(ctxBG, name.Digest{}, []signature.Verifier{key}, Options{}); err == nil || !strings.Contains(err.Error(), "by digest") {
		t.Errorf("Verify(zero digest) = %v", err)
	}
	for _, ref := range []string{"127.0.0.1:5000/app:1.0", "127.0.0.1:5000/app", "127.0.0.1:5000/app@sha512:" + strings.Repeat("a", 128), "127.0.0.1:5000/app@sha256:abc"} {
		if _, err := ParseDigest(ref); err == nil || !strings.Contains(err.Error(), "sign by digest") {
			t.Errorf("ParseDigest(%q) = %v, want a 'sign by digest' error", ref, err)
		}
	}
	h := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}
	if d, err := ParseDigest("127.0.0.1:5000/app@" + h.String()); err != nil || d.DigestStr() != h.String() {
		t.Errorf("ParseDigest = %v, %v", d, err)
	}
}

func TestNoKeys(t *testing.T) {
	t.Parallel()
	ref, _ := ParseDigest("127.0.0.1:1/x@sha256:" + strings.Repeat("0", 64))
	if _, err := Verify(ctxBG, ref, nil, Options{}); err == nil || !strings.Contains(err.Error(), "no public keys") {
		t.Errorf("Verify without keys = %v", err)
	}
}
