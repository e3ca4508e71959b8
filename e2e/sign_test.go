package e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vigil-sec/vigil/internal/sign"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// The cosign interop tests: the real cosign binary (scripts/install-cosign.sh)
// against Debian's docker-registry, both ways, fully offline (no Rekor, no
// Fulcio), with internal/sign called directly.

const (
	cosignPassword     = "e2e-cosign-pass"
	scanPredicateType  = "https://vigil.dev/attestations/scan/v1"
	cosignTestDeadline = 2 * time.Minute
)

// cosignPath finds cosign on PATH or in ${VIGIL_TOOLS:-/var/cache/vigil-tools}/bin
// (where scripts/install-cosign.sh puts it); missing, the test skips.
func cosignPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("cosign"); err == nil {
		return p
	}
	tools := os.Getenv("VIGIL_TOOLS")
	if tools == "" {
		tools = "/var/cache/vigil-tools"
	}
	if p := filepath.Join(tools, "bin", "cosign"); isExecutable(p) {
		return p
	}
	return testenv.Tool(t, "cosign") // skips (fails under VIGIL_REQUIRE_E2E=1)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// cosignRun runs cosign in dir with a private HOME, Docker config and TUF
// root, so nothing of the machine's leaks in and nothing is written outside.
type cosignRunner struct {
	bin, dir string
	env      []string
}

func newCosign(t *testing.T) *cosignRunner {
	bin := cosignPath(t)
	dir := t.TempDir()
	return &cosignRunner{bin: bin, dir: dir, env: append(os.Environ(),
		"HOME="+dir, "DOCKER_CONFIG="+t.TempDir(), "TUF_ROOT="+filepath.Join(dir, "tuf"),
		"COSIGN_PASSWORD="+cosignPassword, "COSIGN_YES=true", "SIGSTORE_NO_CACHE=true")}
}

func (c *cosignRunner) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), cosignTestDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir, cmd.Env = c.dir, c.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("cosign %s: err=%v\n%s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	return out.String(), err
}

func (c *cosignRunner) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.run(t, args...)
	if err != nil {
		t.Fatalf("cosign %s: %v\n%s", args[0], err, out)
	}
	return out
}

// The offline flags of ../shared/recipes/item3_4_registry_sign.sh.
var (
	cosignSignFlags   = []string{"--yes", "--tlog-upload=false", "--allow-insecure-registry", "--allow-http-registry"}
	cosignVerifyFlags = []string{"--offline=true", "--insecure-ignore-tlog=true", "--allow-insecure-registry", "--allow-http-registry"}
)

func (c *cosignRunner) verify(t *testing.T, pub string, ref name.Digest) (string, error) {
	return c.run(t, append(append([]string{"verify", "--key", pub}, cosignVerifyFlags...), ref.String())...)
}

func (c *cosignRunner) verifyAttestation(t *testing.T, pub string, ref name.Digest) (string, error) {
	return c.run(t, append(append([]string{"verify-attestation", "--key", pub, "--type", scanPredicateType}, cosignVerifyFlags...), ref.String())...)
}

// pushRandom pushes a small random image to the registry under repo.
func pushRandom(t *testing.T, reg *registry, repo string) name.Digest {
	t.Helper()
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := reg.push(t.Context(), repo+":latest", img)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func companion(t *testing.T, ref name.Digest, suffix string) name.Tag {
	t.Helper()
	h, err := v1.NewHash(ref.DigestStr())
	if err != nil {
		t.Fatal(err)
	}
	return ref.Context().Tag("sha256-" + h.Hex + suffix)
}

type rawManifest struct {
	b  []byte
	mt types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.b, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

// retag copies the signature (or attestation) manifest of from to the tag
// where to's would be: what an attacker does to pass one image's signature
// off as another's.
func retag(t *testing.T, from, to name.Digest, suffix string) {
	t.Helper()
	desc, err := remote.Get(companion(t, from, suffix), remote.WithContext(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(companion(t, to, suffix), rawManifest{desc.Manifest, desc.MediaType}, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
}

// tamper flips one bit of every signature annotation of ref's .sig image.
func tamper(t *testing.T, ref name.Digest) {
	t.Helper()
	tag := companion(t, ref, ".sig")
	desc, err := remote.Get(tag, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Layers {
		sig, err := base64.StdEncoding.DecodeString(m.Layers[i].Annotations[sign.SignatureAnnotation])
		if err != nil || len(sig) < 20 {
			t.Fatalf("signature annotation of layer %d: %v", i, err)
		}
		sig[20] ^= 0x01
		m.Layers[i].Annotations[sign.SignatureAnnotation] = base64.StdEncoding.EncodeToString(sig)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(tag, rawManifest{b, desc.MediaType}, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
}

// keyFiles are one key pair on disk and loaded.
type keyFiles struct {
	priv, pub string
	signer    signature.SignerVerifier
	verifier  signature.Verifier
	id        string
}

func loadKeyFiles(t *testing.T, priv, pub string) keyFiles {
	t.Helper()
	r := sign.FileKeys()
	s, err := r.Signer(t.Context(), priv, func() ([]byte, error) { return []byte(cosignPassword), nil })
	if err != nil {
		t.Fatalf("load %s: %v", priv, err)
	}
	v, err := r.Verifier(t.Context(), pub)
	if err != nil {
		t.Fatalf("load %s: %v", pub, err)
	}
	p, err := v.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	id, err := sign.KeyID(p)
	if err != nil {
		t.Fatal(err)
	}
	return keyFiles{priv, pub, s, v, id}
}

func TestSignCosignInterop(t *testing.T) {
	cs := newCosign(t)
	reg := anonRegistry(t)
	ctx := t.Context()

	// Keys: one pair from cosign generate-key-pair, one from sign.GenerateKeyPair.
	cs.mustRun(t, "generate-key-pair")
	cosignKey := loadKeyFiles(t, filepath.Join(cs.dir, "cosign.key"), filepath.Join(cs.dir, "cosign.pub"))
	privPEM, pubPEM, err := sign.GenerateKeyPair([]byte(cosignPassword))
	if err != nil {
		t.Fatal(err)
	}
	vp, vpub := filepath.Join(cs.dir, "vigil.key"), filepath.Join(cs.dir, "vigil.pub")
	if err := os.WriteFile(vp, privPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vpub, pubPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	vigilKey := loadKeyFiles(t, vp, vpub)
	if _, err := sign.LoadPrivateKey(mustRead(t, cosignKey.priv), []byte("not the password")); !errors.Is(err, sign.ErrWrongPassword) {
		t.Errorf("cosign.key with a wrong password: %v", err)
	}
	opts := sign.Options{}
	verifyOK := func(t *testing.T, ref name.Digest, k keyFiles) {
		t.Helper()
		got, err := sign.Verify(ctx, ref, []signature.Verifier{k.verifier}, opts)
		if err != nil {
			t.Fatalf("sign.Verify: %v", err)
		}
		if len(got) != 1 || got[0].KeyID != k.id || got[0].Digest != ref.DigestStr() {
			t.Errorf("sign.Verify = %+v, want one signature by %s of %s", got, k.id, ref.DigestStr())
		}
	}

	t.Run("cosign signs, vigil verifies", func(t *testing.T) {
		ref := pushRandom(t, reg, "interop/cosign-signed")
		cs.mustRun(t, append(append([]string{"sign", "--key", cosignKey.priv}, cosignSignFlags...), ref.String())...)
		verifyOK(t, ref, cosignKey)
	})

	t.Run("vigil signs, cosign verifies", func(t *testing.T) {
		ref := pushRandom(t, reg, "interop/vigil-signed")
		if err := sign.Sign(ctx, ref, vigilKey.signer, map[string]string{"vigil.dev/scan": "passed"}, opts); err != nil {
			t.Fatal(err)
		}
		out, err := cs.verify(t, vigilKey.pub, ref)
		if err != nil {
			t.Fatalf("cosign verify of a vigil signature: %v", err)
		}
		if !strings.Contains(out, ref.DigestStr()) || !strings.Contains(out, "vigil.dev/scan") {
			t.Errorf("cosign verify output does not show the digest and annotation:\n%s", out)
		}
	})

	t.Run("vigil attests, cosign verify-attestation", func(t *testing.T) {
		ref := pushRandom(t, reg, "interop/vigil-attested")
		pred := json.RawMessage(`{"scanner":{"name":"vigil"},"findings":{"critical":0,"high":1}}`)
		if err := sign.Attest(ctx, ref, vigilKey.signer, scanPredicateType, pred, opts); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.verifyAttestation(t, vigilKey.pub, ref); err != nil {
			t.Fatalf("cosign verify-attestation of a vigil attestation: %v", err)
		}
		got, err := sign.VerifyAttestations(ctx, ref, []signature.Verifier{vigilKey.verifier}, scanPredicateType, opts)
		if err != nil || len(got) != 1 {
			t.Fatalf("sign.VerifyAttestations = %v, %v", got, err)
		}
		// Wrong key, both ways.
		out, err := cs.verifyAttestation(t, cosignKey.pub, ref)
		wantCosignFailure(t, out, err, "no matching attestations")
		if _, err := sign.VerifyAttestations(ctx, ref, []signature.Verifier{cosignKey.verifier}, scanPredicateType, opts); !errors.Is(err, sign.ErrNoValidSignature) {
			t.Errorf("sign.VerifyAttestations with the wrong key: %v", err)
		}
		// Re-tagged to another image, both ways.
		other := pushRandom(t, reg, "interop/vigil-attested")
		retag(t, ref, other, ".att")
		out, err = cs.verifyAttestation(t, vigilKey.pub, other)
		wantCosignFailure(t, out, err, "no matching subject digest")
		_, err = sign.VerifyAttestations(ctx, other, []signature.Verifier{vigilKey.verifier}, scanPredicateType, opts)
		if !errors.Is(err, sign.ErrDigestMismatch) {
			t.Errorf("sign.VerifyAttestations of a re-tagged attestation: %v", err)
		}
	})

	t.Run("cosign attests, vigil verifies", func(t *testing.T) {
		ref := pushRandom(t, reg, "interop/cosign-attested")
		pred := filepath.Join(cs.dir, "predicate.json")
		if err := os.WriteFile(pred, []byte(`{"findings":{"critical":0}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		cs.mustRun(t, append(append([]string{"attest", "--key", cosignKey.priv, "--type", scanPredicateType, "--predicate", pred}, cosignSignFlags...), ref.String())...)
		got, err := sign.VerifyAttestations(ctx, ref, []signature.Verifier{cosignKey.verifier}, scanPredicateType, opts)
		if err != nil || len(got) != 1 || got[0].KeyID != cosignKey.id {
			t.Fatalf("sign.VerifyAttestations of a cosign attestation = %+v, %v", got, err)
		}
	})

	t.Run("vigil key signs with cosign", func(t *testing.T) {
		ref := pushRandom(t, reg, "interop/vigil-key")
		cs.mustRun(t, append(append([]string{"sign", "--key", vigilKey.priv}, cosignSignFlags...), ref.String())...)
		verifyOK(t, ref, vigilKey)
		if _, err := cs.verify(t, vigilKey.pub, ref); err != nil {
			t.Errorf("cosign verify: %v", err)
		}
	})

	t.Run("wrong key fails both ways", func(t *testing.T) {
		byCosign := pushRandom(t, reg, "interop/wrong-key")
		cs.mustRun(t, append(append([]string{"sign", "--key", cosignKey.priv}, cosignSignFlags...), byCosign.String())...)
		_, err := sign.Verify(ctx, byCosign, []signature.Verifier{vigilKey.verifier}, opts)
		wantError(t, err, sign.ErrNoValidSignature, "none verifies")
		byVigil := pushRandom(t, reg, "interop/wrong-key")
		if err := sign.Sign(ctx, byVigil, vigilKey.signer, nil, opts); err != nil {
			t.Fatal(err)
		}
		out, err := cs.verify(t, cosignKey.pub, byVigil)
		wantCosignFailure(t, out, err, "invalid signature")
	})

	t.Run("re-tagged different digest fails both ways", func(t *testing.T) {
		for _, signer := range []string{"vigil", "cosign"} {
			a := pushRandom(t, reg, "interop/retag-"+signer)
			b := pushRandom(t, reg, "interop/retag-"+signer)
			if signer == "vigil" {
				if err := sign.Sign(ctx, a, vigilKey.signer, nil, opts); err != nil {
					t.Fatal(err)
				}
			} else {
				cs.mustRun(t, append(append([]string{"sign", "--key", vigilKey.priv}, cosignSignFlags...), a.String())...)
			}
			retag(t, a, b, ".sig")
			_, err := sign.Verify(ctx, b, []signature.Verifier{vigilKey.verifier}, opts)
			wantError(t, err, sign.ErrDigestMismatch, a.DigestStr())
			out, err := cs.verify(t, vigilKey.pub, b)
			wantCosignFailure(t, out, err, "invalid or missing digest in claim")
		}
	})

	t.Run("modified signature fails both ways", func(t *testing.T) {
		for _, signer := range []string{"vigil", "cosign"} {
			ref := pushRandom(t, reg, "interop/tampered-"+signer)
			if signer == "vigil" {
				if err := sign.Sign(ctx, ref, vigilKey.signer, nil, opts); err != nil {
					t.Fatal(err)
				}
			} else {
				cs.mustRun(t, append(append([]string{"sign", "--key", vigilKey.priv}, cosignSignFlags...), ref.String())...)
			}
			tamper(t, ref)
			_, err := sign.Verify(ctx, ref, []signature.Verifier{vigilKey.verifier}, opts)
			wantError(t, err, sign.ErrNoValidSignature, "1 signature(s) tried")
			out, err := cs.verify(t, vigilKey.pub, ref)
			wantCosignFailure(t, out, err, "invalid signature")
		}
	})
}

func wantError(t *testing.T, err, want error, text string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	if !strings.Contains(err.Error(), text) {
		t.Errorf("error %q does not say %q", err, text)
	}
	t.Logf("vigil: %v", err)
}

// wantCosignFailure: cosign must refuse, saying why (text).
func wantCosignFailure(t *testing.T, out string, err error, text string) {
	t.Helper()
	if err == nil {
		t.Fatalf("cosign succeeded:\n%s", out)
	}
	if !strings.Contains(out, text) {
		t.Errorf("cosign's failure does not say %q:\n%s", text, out)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSignReferrersDockerRegistry: Debian's docker-registry has no
// referrers API; the default mode stores the cosign tags only, without an
// error and without a referrers fallback tag, and remembers the answer.
func TestSignReferrersDockerRegistry(t *testing.T) {
	reg := anonRegistry(t)
	ctx := t.Context()
	ref := pushRandom(t, reg, "referrers/none")
	key, _, err := signature.NewDefaultECDSASignerVerifier()
	if err != nil {
		t.Fatal(err)
	}
	o := sign.Options{Support: &sign.ReferrersSupport{}}
	if err := sign.Sign(ctx, ref, key, nil, o); err != nil {
		t.Fatal(err)
	}
	if err := sign.Attest(ctx, ref, key, scanPredicateType, []byte(`{"findings":[]}`), o); err != nil {
		t.Fatal(err)
	}
	if sup, known := o.Support.Known(ref.Context().RegistryStr()); sup || !known {
		t.Errorf("Support.Known = %v, %v; want false, true", sup, known)
	}
	for _, tag := range []name.Tag{companion(t, ref, ".sig"), companion(t, ref, ".att")} {
		if _, err := remote.Get(tag, remote.WithContext(ctx)); err != nil {
			t.Errorf("%s: %v", tag, err)
		}
	}
	fallback := ref.Context().Tag(strings.Replace(ref.DigestStr(), ":", "-", 1))
	if _, err := remote.Get(fallback, remote.WithContext(ctx)); err == nil {
		t.Errorf("a referrers fallback tag %s was written", fallback)
	}
	if _, err := sign.Verify(ctx, ref, []signature.Verifier{key}, o); err != nil {
		t.Error(err)
	}
	if _, err := sign.VerifyAttestations(ctx, ref, []signature.Verifier{key}, scanPredicateType, o); err != nil {
		t.Error(err)
	}
}

// referrersRegistry is go-containerregistry's registry with the OCI 1.1
// referrers API on 127.0.0.1 (Debian's docker-registry has none).
func referrersRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)), ggcrregistry.WithReferrersSupport(true)))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// TestSignReferrersCosign: against a registry with the referrers API, the
// referrer vigil writes is what `cosign verify --experimental-oci11` reads
// (the .sig tag deleted first), and vigil reads the referrer `cosign sign
// --registry-referrers-mode=oci-1-1` writes (no tag at all).
func TestSignReferrersCosign(t *testing.T) {
	cs := newCosign(t)
	ctx := t.Context()
	host := referrersRegistry(t)
	cs.mustRun(t, "generate-key-pair")
	k := loadKeyFiles(t, filepath.Join(cs.dir, "cosign.key"), filepath.Join(cs.dir, "cosign.pub"))
	push := func(repo string) name.Digest {
		t.Helper()
		img, err := random.Image(512, 1)
		if err != nil {
			t.Fatal(err)
		}
		tag, err := name.NewTag(host + "/" + repo + ":latest")
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(tag, img, remote.WithContext(ctx)); err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return tag.Context().Digest(d.String())
	}

	t.Run("vigil signs, cosign reads the referrer", func(t *testing.T) {
		ref := push("referrers/vigil")
		if err := sign.Sign(ctx, ref, k.signer, nil, sign.Options{}); err != nil {
			t.Fatal(err)
		}
		if err := remote.Delete(companion(t, ref, ".sig"), remote.WithContext(ctx)); err != nil {
			t.Fatal(err)
		}
		if _, err := sign.Verify(ctx, ref, []signature.Verifier{k.verifier}, sign.Options{}); err != nil {
			t.Errorf("sign.Verify from the referrer: %v", err)
		}
		args := append(append([]string{"verify", "--experimental-oci11", "--key", k.pub}, cosignVerifyFlags...), ref.String())
		if out, err := cs.run(t, args...); err != nil {
			t.Errorf("cosign verify --experimental-oci11 of vigil's referrer: %v\n%s", err, out)
		}
	})

	t.Run("cosign signs a referrer, vigil verifies", func(t *testing.T) {
		ref := push("referrers/cosign")
		args := append(append([]string{"sign", "--key", k.priv, "--registry-referrers-mode=oci-1-1"}, cosignSignFlags...), ref.String())
		exp := *cs
		exp.env = append(append([]string(nil), cs.env...), "COSIGN_EXPERIMENTAL=1")
		exp.mustRun(t, args...)
		if _, err := remote.Get(companion(t, ref, ".sig"), remote.WithContext(ctx)); err == nil {
			t.Fatal("cosign wrote a .sig tag too: the referrer would not be tested alone")
		}
		got, err := sign.Verify(ctx, ref, []signature.Verifier{k.verifier}, sign.Options{})
		if err != nil || len(got) != 1 || got[0].KeyID != k.id {
			t.Errorf("sign.Verify of cosign's referrer = %+v, %v", got, err)
		}
		_, err = sign.Verify(ctx, ref, []signature.Verifier{k.verifier}, sign.Options{Referrers: sign.ReferrersOff})
		wantError(t, err, sign.ErrNoSignatures, ".sig")
	})
}
