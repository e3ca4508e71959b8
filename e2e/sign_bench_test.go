package e2e_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/vigil-sec/vigil/internal/sign"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// BenchmarkVerifyDockerRegistry verifies a signed image against Debian's
// docker-registry on 127.0.0.1 (issue 6: a cold verification under 50 ms,
// an already-verified digest from the cache under 1 ms). Cold: a new cache
// each time, so every op fetches the .sig manifest and its layer; cached:
// one cache, warmed once.
func BenchmarkVerifyDockerRegistry(b *testing.B) {
	bin := testenv.Tool(b, "docker-registry")
	reg, err := startRegistry(bin, filepath.Join(b.TempDir(), "registry"), "", "")
	if err != nil {
		b.Fatal(err)
	}
	defer reg.stop()
	ctx := context.Background()
	img, err := random.Image(512, 2)
	if err != nil {
		b.Fatal(err)
	}
	ref, err := reg.push(ctx, "bench/app:1", img)
	if err != nil {
		b.Fatal(err)
	}
	priv, pub, err := sign.GenerateKeyPair([]byte("bench"))
	if err != nil {
		b.Fatal(err)
	}
	s, err := sign.LoadPrivateKey(priv, []byte("bench"))
	if err != nil {
		b.Fatal(err)
	}
	v, err := sign.LoadPublicKey(pub)
	if err != nil {
		b.Fatal(err)
	}
	o := sign.Options{}
	d, err := name.NewDigest(ref.String(), name.Insecure)
	if err != nil {
		b.Fatal(err)
	}
	if err := sign.Sign(ctx, d, s, nil, o); err != nil {
		b.Fatal(err)
	}
	vs := []signature.Verifier{v}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			if _, err := sign.Verify(ctx, d, vs, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		c, err := sign.NewCache("", 0, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Verify(ctx, d, vs, o); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := c.Verify(ctx, d, vs, o); err != nil {
				b.Fatal(err)
			}
		}
	})
}
