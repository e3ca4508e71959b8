package sign

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore/pkg/signature/payload"
)

// FuzzParseSimpleSigning: payloads come from the registry.
func FuzzParseSimpleSigning(f *testing.F) {
	d, _ := name.NewDigest("127.0.0.1:5000/app@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	good, _ := json.Marshal(payload.Cosign{Image: d, Annotations: map[string]any{"a": "b", "n": 1.5}})
	f.Add(good)
	f.Add([]byte(`{"critical":{"type":"cosign container image signature","image":{"docker-manifest-digest":"sha256:zz"}}}`))
	f.Add([]byte(`{"critical":{"type":"atomic container signature"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := parseSimpleSigning(b)
		if err == nil && v.Digest == "" {
			t.Errorf("accepted a payload without a digest: %q", b)
		}
	})
}

// FuzzOpenEnvelope: attestation envelopes come from the registry.
func FuzzOpenEnvelope(f *testing.F) {
	st := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"r","digest":{"sha256":"00"}}],"predicateType":"t","predicate":{}}`
	env := func(pt, payload, sig string) []byte {
		return []byte(`{"payloadType":"` + pt + `","payload":"` + base64.StdEncoding.EncodeToString([]byte(payload)) + `","signatures":[{"keyid":"","sig":"` + sig + `"}]}`)
	}
	f.Add(env(InTotoPayloadType, st, "AAAA"))
	f.Add(env("text/plain", st, "AAAA"))
	f.Add(env(InTotoPayloadType, "{", "!!"))
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"%%%","signatures":[]}`))
	f.Add([]byte(st))
	key := newKey(f)
	keys := []keyed{{id: "k", v: key}}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, _, _, err := openEnvelope(context.Background(), b, keys); err == nil {
			t.Errorf("an envelope not signed by the key verified: %q", b)
		}
		if _, p, err := parseEnvelope(b); err == nil {
			parseStatement(p) //nolint:errcheck // must not panic
		}
		parseStatement(b) //nolint:errcheck // must not panic
	})
}

// FuzzLoadKeys: key files are user input.
func FuzzLoadKeys(f *testing.F) {
	f.Add(publicPEM(f))
	f.Add([]byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("not a key"))
	f.Fuzz(func(t *testing.T, b []byte) {
		LoadPublicKey(b)       //nolint:errcheck // must not panic
		LoadPrivateKey(b, nil) //nolint:errcheck // must not panic; scrypt parameters are bounded
	})
}
