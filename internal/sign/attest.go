package sign

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

const (
	// InTotoPayloadType is the DSSE payloadType of an in-toto statement.
	InTotoPayloadType = "application/vnd.in-toto+json"
	// StatementType is the _type of an in-toto v1 statement.
	StatementType = "https://in-toto.io/Statement/v1"
)

// Statement is an in-toto v1 statement. It is written here, with the four
// fields we use, rather than imported from in-toto-golang: that module is not
// in go.mod and would bring its own dependency tree (the in-toto attestation
// protobuf bindings, its own go-securesystemslib and sigstore pins) into the
// binary for a JSON object of four keys.
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// Subject is an artifact a statement is about: here the image repository
// and its manifest digest.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Attestation is one attestation that verified.
type Attestation struct {
	KeyID         string          `json:"keyID"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
	Statement     []byte          `json:"statement"` // the signed statement JSON
}

// dsseSigner adapts a sigstore signer to go-securesystemslib's DSSE signer.
// The envelope's keyid stays empty, as cosign leaves it: verifiers try their
// keys instead of trusting a hint.
type dsseSigner struct{ s signature.Signer }

func (d dsseSigner) Sign(ctx context.Context, data []byte) ([]byte, error) {
	return d.s.SignMessage(bytes.NewReader(data), options.WithContext(ctx))
}

func (dsseSigner) KeyID() (string, error) { return "", nil }

// Attest signs an in-toto statement about ref (subject: the repository name
// and the sha256 digest) with predicateType and predicate, in a DSSE
// envelope, and stores it as cosign stores attestations: a layer of
// <repo>:sha256-<hex>.att with the "predicateType" annotation.
// `cosign verify-attestation --key KEY --type predicateType` accepts it.
func Attest(ctx context.Context, ref name.Digest, s signature.Signer, predicateType string, predicate json.RawMessage, o Options) error {
	tag, err := companionTag(ref, attSuffix)
	if err != nil {
		return err
	}
	if predicateType == "" {
		return fmt.Errorf("attest %s: empty predicate type", ref)
	}
	if !json.Valid(predicate) {
		return fmt.Errorf("attest %s: predicate is not valid JSON", ref)
	}
	on, err := o.referrersOn()
	if err != nil {
		return fmt.Errorf("attest %s: %w", ref, err)
	}
	subject, err := mustExist(ctx, ref, o)
	if err != nil {
		return fmt.Errorf("attest: %w", err)
	}
	hex, _ := digestHex(ref)
	st, err := json.Marshal(Statement{
		Type:          StatementType,
		Subject:       []Subject{{Name: ref.Context().Name(), Digest: map[string]string{"sha256": hex}}},
		PredicateType: predicateType,
		Predicate:     predicate,
	})
	if err != nil {
		return fmt.Errorf("attest %s: statement: %w", ref, err)
	}
	es, err := dsse.NewEnvelopeSigner(dsseSigner{s})
	if err != nil {
		return fmt.Errorf("attest %s: %w", ref, err)
	}
	env, err := es.SignPayload(ctx, InTotoPayloadType, st)
	if err != nil {
		return fmt.Errorf("attest %s: sign: %w", ref, err)
	}
	body, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("attest %s: envelope: %w", ref, err)
	}
	bodyDigest, _, err := v1.SHA256(bytes.NewReader(body))
	if err != nil {
		return err
	}
	same := func(d v1.Descriptor) bool { return d.Digest == bodyDigest }
	// cosign also sets an empty signature annotation on attestation layers.
	ann := map[string]string{PredicateAnnotation: predicateType, SignatureAnnotation: ""}
	stored, err := appendLayer(ctx, tag, body, DSSEMediaType, ann, same, o)
	if err != nil {
		return fmt.Errorf("attest %s: %w", ref, err)
	}
	if on {
		if err := putReferrer(ctx, subject, ref, AttestationArtifactType, body, DSSEMediaType, stored, o); err != nil {
			return fmt.Errorf("attest %s: %w", ref, err)
		}
	}
	return nil
}

// VerifyAttestations fetches the attestations of ref and returns those whose
// DSSE envelope verifies with one of vs, whose statement has predicateType
// ("" accepts any) and whose subject names ref's digest. Errors are those of
// Verify.
func VerifyAttestations(ctx context.Context, ref name.Digest, vs []signature.Verifier, predicateType string, o Options) ([]Attestation, error) {
	keys, err := keyIDs(vs)
	if err != nil {
		return nil, fmt.Errorf("verify attestations of %s: %w", ref, err)
	}
	return verifyAttestations(ctx, ref, keys, predicateType, o)
}

func verifyAttestations(ctx context.Context, ref name.Digest, keys []keyed, predicateType string, o Options) ([]Attestation, error) {
	tag, err := companionTag(ref, attSuffix)
	if err != nil {
		return nil, err
	}
	hex, _ := digestHex(ref)
	layers, where, err := companionLayers(ctx, ref, tag, AttestationArtifactType, o)
	if err != nil {
		return nil, fmt.Errorf("verify attestations of %s: %w", ref, err)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("verify attestations of %s: %w (no %s)", ref, ErrNoSignatures, where)
	}
	var (
		out      []Attestation
		tried    int
		mismatch []string
	)
	for _, l := range layers {
		if string(l.MediaType) != DSSEMediaType {
			continue
		}
		// The annotation is unsigned: it only saves fetching others; the
		// signed statement's predicateType is checked below.
		if pt, ok := l.Annotations[PredicateAnnotation]; ok && predicateType != "" && pt != predicateType {
			continue
		}
		tried++
		body, err := fetchLayer(ctx, ref.Context(), l, maxAttEnvelope, o)
		if errors.Is(err, errTooLarge) {
			o.log().Debug("skip attestation", "err", err)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("verify attestations of %s: %w", ref, err)
		}
		st, raw, k, err := openEnvelope(ctx, body, keys)
		if err != nil {
			o.log().Debug("attestation does not verify", "layer", l.Digest.String(), "err", err)
			continue
		}
		if predicateType != "" && st.PredicateType != predicateType {
			o.log().Debug("attestation of another predicate type", "layer", l.Digest.String(), "predicateType", st.PredicateType)
			tried--
			continue
		}
		if !subjectHas(st, hex) {
			mismatch = append(mismatch, subjectDigests(st))
			continue
		}
		out = append(out, Attestation{KeyID: k, PredicateType: st.PredicateType, Predicate: st.Predicate, Statement: raw})
	}
	if len(out) > 0 {
		return out, nil
	}
	if len(mismatch) > 0 {
		return nil, fmt.Errorf("verify attestations of %s: a valid attestation is about %s, not this image: %w", ref, mismatch[0], ErrDigestMismatch)
	}
	what := "attestation(s)"
	if predicateType != "" {
		what = "attestation(s) of type " + predicateType
	}
	if tried == 0 {
		return nil, fmt.Errorf("verify attestations of %s: %w (no %s in %s)", ref, ErrNoSignatures, what, where)
	}
	return nil, fmt.Errorf("verify attestations of %s: %d %s tried against %d key(s) (%s), none verifies: %w",
		ref, tried, what, len(keys), keyList(keys), ErrNoValidSignature)
}

func subjectHas(st Statement, hex string) bool {
	for _, s := range st.Subject {
		if s.Digest["sha256"] == hex {
			return true
		}
	}
	return false
}

func subjectDigests(st Statement) string {
	for _, s := range st.Subject {
		if h, ok := s.Digest["sha256"]; ok {
			return "sha256:" + h
		}
	}
	return "no sha256 subject"
}

// parseEnvelope decodes a DSSE envelope (untrusted bytes) and its payload.
func parseEnvelope(body []byte) (*dsse.Envelope, []byte, error) {
	var env dsse.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, fmt.Errorf("DSSE envelope: %w", err)
	}
	if env.PayloadType != InTotoPayloadType {
		return nil, nil, fmt.Errorf("DSSE envelope: payloadType %q, want %q", env.PayloadType, InTotoPayloadType)
	}
	if len(env.Signatures) == 0 {
		return nil, nil, errors.New("DSSE envelope: no signatures")
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return nil, nil, fmt.Errorf("DSSE envelope: payload: %w", err)
	}
	return &env, payload, nil
}

// parseStatement decodes an in-toto statement (v1, or v0.1 as older cosign
// writes it).
func parseStatement(b []byte) (Statement, error) {
	var st Statement
	if err := json.Unmarshal(b, &st); err != nil {
		return Statement{}, fmt.Errorf("in-toto statement: %w", err)
	}
	switch st.Type {
	case StatementType, "https://in-toto.io/Statement/v0.1":
	default:
		return Statement{}, fmt.Errorf("in-toto statement: _type %q", st.Type)
	}
	if st.PredicateType == "" {
		return Statement{}, errors.New("in-toto statement: no predicateType")
	}
	if len(st.Subject) == 0 {
		return Statement{}, errors.New("in-toto statement: no subject")
	}
	return st, nil
}

// openEnvelope verifies the envelope's signatures (over DSSE's PAE) against
// keys and returns the statement, its bytes and the ID of the key that
// verified it.
func openEnvelope(ctx context.Context, body []byte, keys []keyed) (Statement, []byte, string, error) {
	env, payload, err := parseEnvelope(body)
	if err != nil {
		return Statement{}, nil, "", err
	}
	pae := dsse.PAE(env.PayloadType, payload)
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil {
			if sig, err = base64.URLEncoding.DecodeString(s.Sig); err != nil {
				continue
			}
		}
		k, ok := verifyWith(ctx, keys, sig, pae)
		if !ok {
			continue
		}
		st, err := parseStatement(payload)
		if err != nil {
			return Statement{}, nil, "", err
		}
		return st, payload, k, nil
	}
	return Statement{}, nil, "", fmt.Errorf("none of %d DSSE signature(s) verifies", len(env.Signatures))
}
