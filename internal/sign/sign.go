package sign

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
	"github.com/sigstore/sigstore/pkg/signature/payload"
)

// Verified is one signature that verified.
type Verified struct {
	KeyID       string            `json:"keyID"`                 // KeyID of the key it verified with
	Payload     []byte            `json:"payload"`               // the signed simple-signing JSON
	Annotations map[string]string `json:"annotations,omitempty"` // the payload's "optional" claims
	Digest      string            `json:"digest"`                // the image digest the payload names
}

// Sign signs the image ref (a digest reference) with s: a simple-signing
// payload naming ref's repository and digest, with annotations as its
// optional claims, stored as cosign stores it (a layer of <repo>:sha256-<hex>.sig,
// the base64 signature in the layer annotation dev.cosignproject.cosign/signature).
// Signatures already there are kept; signing the same payload again with the
// same key adds nothing.
func Sign(ctx context.Context, ref name.Digest, s signature.Signer, annotations map[string]string, o Options) error {
	tag, err := companionTag(ref, sigSuffix)
	if err != nil {
		return err
	}
	if _, err := o.referrersOn(); err != nil {
		return fmt.Errorf("sign %s: %w", ref, err)
	}
	subject, err := mustExist(ctx, ref, o)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	var ann map[string]any
	if len(annotations) > 0 {
		ann = make(map[string]any, len(annotations))
		for k, v := range annotations {
			ann[k] = v
		}
	}
	body, err := json.Marshal(payload.Cosign{Image: ref, Annotations: ann})
	if err != nil {
		return fmt.Errorf("sign %s: payload: %w", ref, err)
	}
	sig, err := s.SignMessage(bytes.NewReader(body), options.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("sign %s: %w", ref, err)
	}
	bodyDigest, _, err := v1.SHA256(bytes.NewReader(body))
	if err != nil {
		return err
	}
	// A layer with this very payload whose signature verifies with our key
	// is the same signature: ECDSA signatures differ each time, so compare
	// by what they prove.
	self, canVerify := s.(signature.Verifier)
	same := func(d v1.Descriptor) bool {
		if !canVerify || d.Digest != bodyDigest {
			return false
		}
		old, err := base64.StdEncoding.DecodeString(d.Annotations[SignatureAnnotation])
		if err != nil {
			return false
		}
		return self.VerifySignature(bytes.NewReader(old), bytes.NewReader(body), options.WithContext(ctx)) == nil
	}
	stored, err := appendLayer(ctx, tag, body, SimpleSigningMediaType,
		map[string]string{SignatureAnnotation: base64.StdEncoding.EncodeToString(sig)}, same, o)
	if err != nil {
		return fmt.Errorf("sign %s: %w", ref, err)
	}
	// The referrer carries the signature now in the tag (the earlier one
	// when this payload was signed before), so signing twice pushes the
	// same referrer manifest.
	if on, _ := o.referrersOn(); on {
		if err := putReferrer(ctx, subject, ref, SignatureArtifactType, body, SimpleSigningMediaType, stored, o); err != nil {
			return fmt.Errorf("sign %s: %w", ref, err)
		}
	}
	return nil
}

// keyed is a verifier with its key ID.
type keyed struct {
	id string
	v  signature.Verifier
}

func keyIDs(vs []signature.Verifier) ([]keyed, error) {
	if len(vs) == 0 {
		return nil, errors.New("no public keys given")
	}
	out := make([]keyed, 0, len(vs))
	for _, v := range vs {
		id, err := verifierKeyID(v)
		if err != nil {
			return nil, err
		}
		out = append(out, keyed{id, v})
	}
	return out, nil
}

// Verify fetches the signatures of ref and returns those that verify with
// one of vs and whose payload names exactly ref's digest. When none does,
// the error wraps ErrNoSignatures, ErrDigestMismatch or ErrNoValidSignature.
func Verify(ctx context.Context, ref name.Digest, vs []signature.Verifier, o Options) ([]Verified, error) {
	keys, err := keyIDs(vs)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", ref, err)
	}
	return verify(ctx, ref, keys, o)
}

func verify(ctx context.Context, ref name.Digest, keys []keyed, o Options) ([]Verified, error) {
	tag, err := companionTag(ref, sigSuffix)
	if err != nil {
		return nil, err
	}
	want := ref.DigestStr()
	layers, where, err := companionLayers(ctx, ref, tag, SignatureArtifactType, o)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", ref, err)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("verify %s: %w (no %s)", ref, ErrNoSignatures, where)
	}
	var (
		out      []Verified
		tried    int
		mismatch []string
	)
	for _, l := range layers {
		if string(l.MediaType) != SimpleSigningMediaType {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(l.Annotations[SignatureAnnotation])
		if err != nil || len(sig) == 0 {
			o.log().Debug("skip signature: bad annotation", "layer", l.Digest.String())
			tried++
			continue
		}
		tried++
		body, err := fetchLayer(ctx, ref.Context(), l, maxSigPayload, o)
		if errors.Is(err, errTooLarge) {
			o.log().Debug("skip signature", "err", err)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", ref, err)
		}
		k, ok := verifyWith(ctx, keys, sig, body)
		if !ok {
			o.log().Debug("signature does not verify with the given keys", "layer", l.Digest.String())
			continue
		}
		v, err := parseSimpleSigning(body)
		if err != nil {
			o.log().Debug("skip signed payload", "layer", l.Digest.String(), "err", err)
			continue
		}
		v.KeyID = k
		if v.Digest != want {
			mismatch = append(mismatch, v.Digest)
			continue
		}
		out = append(out, v)
	}
	if len(out) > 0 {
		return out, nil
	}
	if len(mismatch) > 0 {
		return nil, fmt.Errorf("verify %s: a valid signature names %s, not this image: %w", ref, mismatch[0], ErrDigestMismatch)
	}
	if tried == 0 {
		return nil, fmt.Errorf("verify %s: %w (no simple-signing layers in %s)", ref, ErrNoSignatures, where)
	}
	return nil, fmt.Errorf("verify %s: %d signature(s) tried against %d key(s) (%s), none verifies: %w",
		ref, tried, len(keys), keyList(keys), ErrNoValidSignature)
}

// verifyWith returns the ID of the first key whose signature over body is sig.
func verifyWith(ctx context.Context, keys []keyed, sig, body []byte) (string, bool) {
	for _, k := range keys {
		if k.v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(body), options.WithContext(ctx)) == nil {
			return k.id, true
		}
	}
	return "", false
}

func keyList(keys []keyed) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = shortID(k.id)
	}
	sort.Strings(ids)
	var b bytes.Buffer
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(id)
	}
	return b.String()
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// parseSimpleSigning decodes a cosign simple-signing payload (untrusted until
// its signature verified, and even then only its claims are trusted).
func parseSimpleSigning(body []byte) (Verified, error) {
	var p payload.SimpleContainerImage
	if err := json.Unmarshal(body, &p); err != nil {
		return Verified{}, fmt.Errorf("simple-signing payload: %w", err)
	}
	if p.Critical.Type != payload.CosignSignatureType {
		return Verified{}, fmt.Errorf("simple-signing payload: type %q, want %q", p.Critical.Type, payload.CosignSignatureType)
	}
	if _, err := v1.NewHash(p.Critical.Image.DockerManifestDigest); err != nil {
		return Verified{}, fmt.Errorf("simple-signing payload: docker-manifest-digest: %w", err)
	}
	v := Verified{Payload: body, Digest: p.Critical.Image.DockerManifestDigest}
	if len(p.Optional) > 0 {
		v.Annotations = make(map[string]string, len(p.Optional))
		for k, a := range p.Optional {
			if s, ok := a.(string); ok {
				v.Annotations[k] = s
				continue
			}
			b, err := json.Marshal(a)
			if err != nil {
				return Verified{}, fmt.Errorf("simple-signing payload: optional %q: %w", k, err)
			}
			v.Annotations[k] = string(b)
		}
	}
	return v, nil
}
