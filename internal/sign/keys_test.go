package sign

import (
	"bytes"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyPairRoundTrip(t *testing.T) {
	t.Parallel()
	priv, pub, err := GenerateKeyPair([]byte("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := pem.Decode(priv); b == nil || b.Type != SigstorePrivateKeyPEMType {
		t.Fatalf("private key PEM = %.60q", priv)
	}
	if b, _ := pem.Decode(pub); b == nil || b.Type != "PUBLIC KEY" {
		t.Fatalf("public key PEM = %.60q", pub)
	}
	sv, err := LoadPrivateKey(priv, []byte("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := LoadPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("hello")
	sig, err := sv.SignMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(msg)); err != nil {
		t.Errorf("public key does not verify the private key's signature: %v", err)
	}
	if a, b := mustKeyID(t, sv), mustKeyID(t, v); a != b || len(a) != 64 {
		t.Errorf("KeyID(private) = %s, KeyID(public) = %s", a, b)
	}

	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		_, err := LoadPrivateKey(priv, []byte("nope"))
		if !errors.Is(err, ErrWrongPassword) {
			t.Errorf("LoadPrivateKey(wrong password) = %v, want ErrWrongPassword", err)
		}
	})
	t.Run("older cosign PEM type", func(t *testing.T) {
		t.Parallel()
		b, _ := pem.Decode(priv)
		old := pem.EncodeToMemory(&pem.Block{Type: CosignPrivateKeyPEMType, Bytes: b.Bytes})
		if _, err := LoadPrivateKey(old, []byte("s3cret")); err != nil {
			t.Error(err)
		}
	})
	t.Run("file resolver", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		kf, pf := filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
		os.WriteFile(kf, priv, 0o600)
		os.WriteFile(pf, pub, 0o600)
		r := FileKeys()
		if _, err := r.Signer(ctxBG, kf, func() ([]byte, error) { return []byte("s3cret"), nil }); err != nil {
			t.Error(err)
		}
		if _, err := r.Signer(ctxBG, kf, nil); !errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), kf) {
			t.Errorf("Signer without password = %v", err)
		}
		if _, err := r.Verifier(ctxBG, pf); err != nil {
			t.Error(err)
		}
		if _, err := r.Verifier(ctxBG, filepath.Join(dir, "missing.pub")); err == nil {
			t.Error("Verifier(missing file) succeeded")
		}
	})
}

func TestEmptyPassword(t *testing.T) {
	t.Parallel()
	priv, _, err := GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPrivateKey(priv, []byte{}); err != nil {
		t.Error(err)
	}
}

func TestKMSRefsRefused(t *testing.T) {
	t.Parallel()
	r := FileKeys()
	const want = "KMS key references (azurekms://...) are not supported in this build"
	if _, err := r.Signer(ctxBG, "azurekms://vault.vault.azure.net/key", nil); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Signer(azurekms) = %v", err)
	}
	if _, err := r.Verifier(ctxBG, "hashivault://k"); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Verifier(hashivault) = %v", err)
	}
}

func TestBadKeys(t *testing.T) {
	t.Parallel()
	pub := publicPEM(t)
	privTests := []struct{ name, in, want string }{
		{"empty", "", "no PEM block"},
		{"public key", string(pub), `PEM type "PUBLIC KEY" is not a cosign key`},
		{"not json", string(pem.EncodeToMemory(&pem.Block{Type: SigstorePrivateKeyPEMType, Bytes: []byte("xx")})), "not cosign's encrypted key format"},
		{"other kdf", string(pem.EncodeToMemory(&pem.Block{Type: SigstorePrivateKeyPEMType, Bytes: []byte(`{"kdf":{"name":"pbkdf2"},"cipher":{"name":"nacl/secretbox"},"ciphertext":"AA=="}`)})), "unsupported encryption"},
		{"huge scrypt cost", string(pem.EncodeToMemory(&pem.Block{Type: SigstorePrivateKeyPEMType, Bytes: []byte(`{"kdf":{"name":"scrypt","params":{"N":1073741824,"r":8,"p":1},"salt":"AA=="},"cipher":{"name":"nacl/secretbox","nonce":"AA=="},"ciphertext":"AA=="}`)})), "unsupported scrypt parameters"},
	}
	for _, tc := range privTests {
		t.Run("private/"+tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadPrivateKey([]byte(tc.in), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadPrivateKey = %v, want %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "no PEM block"},
		{"wrong type", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", `PEM type "CERTIFICATE"`},
		{"garbage DER", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "public key:"},
	} {
		t.Run("public/"+tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadPublicKey([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadPublicKey = %v, want %q", err, tc.want)
			}
		})
	}
}
