package source

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// userAgent identifies vigil to registries.
const userAgent = "vigil"

// registryTransport is ggcr's default transport, with TLS verification off
// when the caller explicitly accepted that risk.
func registryTransport(insecureUnsafe bool) (http.RoundTripper, error) {
	base, ok := remote.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("unexpected default transport %T", remote.DefaultTransport)
	}
	t := base.Clone()
	if insecureUnsafe {
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // InsecureUnsafe: the caller asked for it by name.
	}
	return t, nil
}

// ParseReference parses a registry reference as Resolve does (plain HTTP
// allowed with InsecureUnsafe).
func ParseReference(ref string, opts Options) (name.Reference, error) {
	var nameOpts []name.Option
	if opts.InsecureUnsafe {
		nameOpts = append(nameOpts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("parse reference %q: %w", ref, err)
	}
	return r, nil
}

// RemoteOptions are the registry client options Resolve uses: credentials
// from opts.Keychain (else the Docker config and its helpers), the
// transport (TLS verification off only with InsecureUnsafe) and vigil's
// user agent. Signing and pushing use the same.
func RemoteOptions(opts Options) ([]remote.Option, error) {
	tr, err := registryTransport(opts.InsecureUnsafe)
	if err != nil {
		return nil, err
	}
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	return []remote.Option{remote.WithAuthFromKeychain(kc), remote.WithTransport(tr), remote.WithUserAgent(userAgent)}, nil
}

// registryStore reads from one repository through a shared, authenticated
// Puller, so every blob request reuses the token obtained at resolve time.
type registryStore struct {
	p    *remote.Puller
	repo name.Repository
}

func (r registryStore) readManifest(ctx context.Context, desc v1.Descriptor) ([]byte, error) {
	d, err := r.p.Get(ctx, r.repo.Digest(desc.Digest.String()))
	if err != nil {
		return nil, err
	}
	if int64(len(d.Manifest)) > maxManifestBytes {
		return nil, fmt.Errorf("manifest is larger than the %d bytes allowed", maxManifestBytes)
	}
	return d.Manifest, nil
}

func (r registryStore) readBlob(ctx context.Context, desc v1.Descriptor, limit int64) ([]byte, error) {
	rc, err := r.openBlob(ctx, desc)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readAllLimit(rc, limit, "blob "+desc.Digest.String())
}

// openBlob streams the blob. ggcr checks the digest of the stream as it is
// read and fails at its end on a mismatch.
func (r registryStore) openBlob(ctx context.Context, desc v1.Descriptor) (io.ReadCloser, error) {
	l, err := r.p.Layer(ctx, r.repo.Digest(desc.Digest.String()))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", desc.Digest, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("fetch blob %s: %w", desc.Digest, err)
	}
	return rc, nil
}

// statBlob does not ask the registry: Resolve costs two or three requests,
// and a missing blob shows when the walker opens it.
func (registryStore) statBlob(v1.Descriptor) error { return nil }

// resolveRegistry resolves ref in its registry: one manifest request by tag,
// then everything by digest.
func resolveRegistry(ctx context.Context, ref string, opts Options, p platform) (*resolved, error) {
	r, err := ParseReference(ref, opts)
	if err != nil {
		return nil, err
	}
	ropts, err := RemoteOptions(opts)
	if err != nil {
		return nil, err
	}
	puller, err := remote.NewPuller(ropts...)
	if err != nil {
		return nil, fmt.Errorf("registry client: %w", err)
	}
	d, err := puller.Get(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("get manifest %s: %w", r, err)
	}
	desc := d.Descriptor
	if int64(len(d.Manifest)) > maxManifestBytes {
		return nil, fmt.Errorf("manifest %s is larger than the %d bytes allowed", desc.Digest, maxManifestBytes)
	}
	if err := verifyBytes(d.Manifest, desc, "manifest"); err != nil {
		return nil, err
	}
	// Registries that serve manifests as application/json or octet-stream:
	// let the document say what it is.
	if kindOfMediaType(desc.MediaType) == kindUnknown && desc.MediaType != types.DockerManifestSchema1 && desc.MediaType != types.DockerManifestSchema1Signed {
		desc.MediaType = ""
	}
	s := registryStore{p: puller, repo: r.Context()}
	return resolveRoot(ctx, s, desc, d.Manifest, p)
}
