package sign

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// testRegistry is go-containerregistry's in-memory registry on 127.0.0.1,
// counting the requests it served.
type testRegistry struct {
	host      string
	requests  atomic.Int64
	referrers atomic.Int64 // requests to /v2/<repo>/referrers/
}

func newRegistry(tb testing.TB) *testRegistry { return startRegistry(tb, false) }

// newReferrersRegistry serves the OCI 1.1 referrers API as well.
func newReferrersRegistry(tb testing.TB) *testRegistry { return startRegistry(tb, true) }

func startRegistry(tb testing.TB, referrers bool) *testRegistry {
	tb.Helper()
	r := &testRegistry{}
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(referrers))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		if strings.Contains(req.URL.Path, "/referrers/") {
			r.referrers.Add(1)
		}
		h.ServeHTTP(w, req)
	}))
	tb.Cleanup(srv.Close)
	r.host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

// push writes a small random image to repo:tag and returns its digest
// reference.
func (r *testRegistry) push(tb testing.TB, repo string) name.Digest {
	tb.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		tb.Fatal(err)
	}
	ref, err := name.NewTag(r.host + "/" + repo + ":latest")
	if err != nil {
		tb.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		tb.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		tb.Fatal(err)
	}
	return ref.Context().Digest(d.String())
}

// manifest reads the manifest at tag.
func manifestAt(tb testing.TB, tag name.Tag) *v1.Manifest {
	tb.Helper()
	desc, err := remote.Get(tag)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := v1.ParseManifest(strings.NewReader(string(desc.Manifest)))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// copyManifest puts the manifest at from under the tag to (same repository,
// so its blobs are there): a signature "re-tagged" to another image.
func copyManifest(tb testing.TB, from, to name.Tag) {
	tb.Helper()
	desc, err := remote.Get(from)
	if err != nil {
		tb.Fatal(err)
	}
	if err := remote.Put(to, rawManifest{desc.Manifest, desc.MediaType}); err != nil {
		tb.Fatal(err)
	}
}

// editManifest rewrites the manifest at tag with edit.
func editManifest(tb testing.TB, tag name.Tag, edit func(*v1.Manifest)) {
	tb.Helper()
	m := manifestAt(tb, tag)
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	if err := remote.Put(tag, rawManifest{b, m.MediaType}); err != nil {
		tb.Fatal(err)
	}
}

// flipSignature damages the base64 signature annotation of every layer.
func flipSignature(m *v1.Manifest) {
	for i := range m.Layers {
		sig, _ := base64.StdEncoding.DecodeString(m.Layers[i].Annotations[SignatureAnnotation])
		if len(sig) > 10 {
			sig[10] ^= 0x01
		}
		m.Layers[i].Annotations[SignatureAnnotation] = base64.StdEncoding.EncodeToString(sig)
	}
}

// newKey is a fresh ECDSA P-256 signer (fast: no password encryption).
func newKey(tb testing.TB) signature.SignerVerifier {
	tb.Helper()
	sv, _, err := signature.NewDefaultECDSASignerVerifier()
	if err != nil {
		tb.Fatal(err)
	}
	return sv
}

// publicPEM is the PEM of a fresh public key (no scrypt: fast under -race).
func publicPEM(tb testing.TB) []byte {
	tb.Helper()
	pub, err := newKey(tb).PublicKey()
	if err != nil {
		tb.Fatal(err)
	}
	b, err := cryptoutils.MarshalPublicKeyToPEM(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustKeyID(tb testing.TB, v signature.Verifier) string {
	tb.Helper()
	id, err := verifierKeyID(v)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

func tagOf(tb testing.TB, ref name.Digest, suffix string) name.Tag {
	tb.Helper()
	t, err := companionTag(ref, suffix)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

var ctxBG = context.Background()
