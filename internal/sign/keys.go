package sign

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

// PEM block types of cosign's key files.
const (
	// SigstorePrivateKeyPEMType is what cosign generate-key-pair writes today.
	SigstorePrivateKeyPEMType = "ENCRYPTED SIGSTORE PRIVATE KEY"
	// CosignPrivateKeyPEMType is what cosign before 2.0 wrote; same content.
	CosignPrivateKeyPEMType = "ENCRYPTED COSIGN PRIVATE KEY"
	publicKeyPEMType        = "PUBLIC KEY"

	maxKeyFile = 1 << 20 // a key file is a few hundred bytes
)

// ErrWrongPassword is returned (wrapped) by LoadPrivateKey when the password
// does not open the key.
var ErrWrongPassword = errors.New("wrong password for the private key (or the key file is damaged)")

// GenerateKeyPair makes a new ECDSA P-256 key pair in cosign's formats: the
// private key as PKCS#8, encrypted with password (scrypt + nacl/secretbox,
// the JSON of go-securesystemslib/encrypted) in an "ENCRYPTED SIGSTORE
// PRIVATE KEY" PEM block; the public key as a PKIX "PUBLIC KEY" PEM block. An
// empty password is allowed, as with COSIGN_PASSWORD="".
func GenerateKeyPair(password []byte) (privatePEM, publicPEM []byte, err error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate ECDSA P-256 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("encode private key: %w", err)
	}
	enc, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, nil, fmt.Errorf("encrypt private key: %w", err)
	}
	privatePEM = pem.EncodeToMemory(&pem.Block{Type: SigstorePrivateKeyPEMType, Bytes: enc})
	publicPEM, err = cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	if err != nil {
		return nil, nil, fmt.Errorf("encode public key: %w", err)
	}
	return privatePEM, publicPEM, nil
}

// encryptedKey is the outer shape of go-securesystemslib/encrypted's JSON,
// checked before decrypting so that a damaged file is told apart from a wrong
// password.
type encryptedKey struct {
	KDF struct {
		Name string `json:"name"`
	} `json:"kdf"`
	Cipher struct {
		Name string `json:"name"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

// LoadPrivateKey decrypts a cosign private key (PEM type "ENCRYPTED SIGSTORE
// PRIVATE KEY" or the older "ENCRYPTED COSIGN PRIVATE KEY") with password.
// A wrong password gives an error wrapping ErrWrongPassword. Keys load as
// cosign loads them (ECDSA with the hash of its curve, RSA PKCS#1 v1.5 with
// SHA-256, Ed25519ph), so signatures verify with cosign.
func LoadPrivateKey(pemBytes, password []byte) (signature.SignerVerifier, error) {
	block, rest := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("private key: no PEM block found")
	}
	if len(strings.TrimSpace(string(rest))) != 0 {
		return nil, errors.New("private key: unexpected data after the PEM block")
	}
	if block.Type != SigstorePrivateKeyPEMType && block.Type != CosignPrivateKeyPEMType {
		return nil, fmt.Errorf("private key: PEM type %q is not a cosign key (want %q; convert other keys with cosign import-key-pair)", block.Type, SigstorePrivateKeyPEMType)
	}
	var outer encryptedKey
	if err := json.Unmarshal(block.Bytes, &outer); err != nil {
		return nil, fmt.Errorf("private key: not cosign's encrypted key format: %w", err)
	}
	if outer.KDF.Name != "scrypt" || outer.Cipher.Name != "nacl/secretbox" || len(outer.Ciphertext) == 0 {
		return nil, fmt.Errorf("private key: unsupported encryption (kdf %q, cipher %q)", outer.KDF.Name, outer.Cipher.Name)
	}
	der, err := encrypted.Decrypt(block.Bytes, password)
	if err != nil {
		if err.Error() == "encrypted: decryption failed" {
			return nil, fmt.Errorf("private key: %w", ErrWrongPassword)
		}
		return nil, fmt.Errorf("private key: decrypt: %w", err)
	}
	pk, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("private key: parse PKCS#8: %w", err)
	}
	sv, err := signature.LoadDefaultSignerVerifier(pk, options.WithED25519ph())
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	return sv, nil
}

// LoadPublicKey reads a PKIX "PUBLIC KEY" PEM block (cosign.pub).
func LoadPublicKey(pemBytes []byte) (signature.Verifier, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("public key: no PEM block found")
	}
	if block.Type != publicKeyPEMType {
		return nil, fmt.Errorf("public key: PEM type %q, want %q", block.Type, publicKeyPEMType)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	if err := cryptoutils.ValidatePubKey(pub); err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	v, err := signature.LoadDefaultVerifier(pub, options.WithED25519ph())
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	return v, nil
}

// KeyID names a signer in policies and reports: the hex SHA-256 of the
// public key's PKIX DER encoding.
func KeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("key ID: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// verifierKeyID is KeyID of v's public key.
func verifierKeyID(v signature.Verifier) (string, error) {
	pub, err := v.PublicKey()
	if err != nil {
		return "", fmt.Errorf("key ID: %w", err)
	}
	return KeyID(pub)
}

// KeyResolver turns a key reference (a file path today; a KMS URI such as
// azurekms://... later) into a signer or a verifier.
type KeyResolver interface {
	// Signer loads the private key ref; pass is called only when a
	// password is needed (nil means the empty password).
	Signer(ctx context.Context, ref string, pass func() ([]byte, error)) (signature.SignerVerifier, error)
	// Verifier loads the public key ref.
	Verifier(ctx context.Context, ref string) (signature.Verifier, error)
}

// FileKeys resolves key references that are file paths (cosign.key,
// cosign.pub). Any "scheme://" reference is an error: KMS keys need another
// resolver behind the same interface.
func FileKeys() KeyResolver { return fileKeys{} }

type fileKeys struct{}

func (fileKeys) Signer(_ context.Context, ref string, pass func() ([]byte, error)) (signature.SignerVerifier, error) {
	b, err := readKeyFile(ref)
	if err != nil {
		return nil, err
	}
	var pw []byte
	if pass != nil {
		if pw, err = pass(); err != nil {
			return nil, fmt.Errorf("read password for %s: %w", ref, err)
		}
	}
	sv, err := LoadPrivateKey(b, pw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return sv, nil
}

func (fileKeys) Verifier(_ context.Context, ref string) (signature.Verifier, error) {
	b, err := readKeyFile(ref)
	if err != nil {
		return nil, err
	}
	v, err := LoadPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return v, nil
}

func readKeyFile(ref string) ([]byte, error) {
	if strings.Contains(ref, "://") {
		return nil, fmt.Errorf("key %q: KMS key references (azurekms://...) are not supported in this build", ref)
	}
	f, err := os.Open(ref)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", ref, err)
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("read key %s: larger than %d bytes: not a key file", ref, maxKeyFile)
	}
	return b, nil
}
