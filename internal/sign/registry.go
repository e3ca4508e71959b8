package sign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Where and how cosign stores signatures and attestations.
const (
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	DSSEMediaType          = "application/vnd.dsse.envelope.v1+json"
	SignatureAnnotation    = "dev.cosignproject.cosign/signature"
	PredicateAnnotation    = "predicateType"

	sigSuffix = ".sig"
	attSuffix = ".att"

	// Limits on what a registry may hand us: a hostile .sig image cannot
	// make us fetch without end.
	maxLayers      = 1000
	maxSigPayload  = 1 << 20  // a simple-signing payload is a few hundred bytes
	maxAttEnvelope = 64 << 20 // a scan result can be large
)

// Sentinel errors of Verify and VerifyAttestations; test with errors.Is.
var (
	// ErrNoSignatures: the image has no signature (or attestation) image.
	ErrNoSignatures = errors.New("no signatures found")
	// ErrNoValidSignature: signatures exist but none verifies with the keys.
	ErrNoValidSignature = errors.New("no valid signature")
	// ErrDigestMismatch: a correctly signed payload names another digest
	// (the signature was copied from another image).
	ErrDigestMismatch = errors.New("signed payload names another image digest")
)

// Options are how Sign, Verify, Attest and VerifyAttestations reach the
// registry.
type Options struct {
	// Remote are go-containerregistry options: auth, transport (insecure
	// registries), user agent. The context is added by each call.
	Remote []remote.Option
	// Log receives debug records; nil discards.
	Log *slog.Logger
	// Referrers: ReferrersAuto ("" too) also stores each signature and
	// attestation as an OCI 1.1 referrer where the registry serves the
	// referrers API, and verification reads referrers beside the tag;
	// ReferrersOff keeps to the cosign tag scheme.
	Referrers ReferrersMode
	// Support remembers per registry whether it serves the referrers API;
	// share one across a run. nil: each call asks the registry.
	Support *ReferrersSupport
}

func (o Options) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

func (o Options) remote(ctx context.Context) []remote.Option {
	return append(append([]remote.Option(nil), o.Remote...), remote.WithContext(ctx))
}

// ParseDigest parses an image reference that must name a digest
// (registry/repo@sha256:...). A tag is refused: signatures are always made
// and checked by digest, so resolve tags first.
func ParseDigest(ref string, opts ...name.Option) (name.Digest, error) {
	if !strings.Contains(ref, "@") {
		return name.Digest{}, fmt.Errorf("sign by digest: %q has no digest (resolve the tag first, e.g. crane digest)", ref)
	}
	d, err := name.NewDigest(ref, opts...)
	if err != nil {
		return name.Digest{}, fmt.Errorf("sign by digest: %w", err)
	}
	return d, checkDigest(d)
}

// checkDigest requires ref to carry a sha256 digest and returns its hex.
func checkDigest(ref name.Digest) error {
	_, err := digestHex(ref)
	return err
}

func digestHex(ref name.Digest) (string, error) {
	ds := ref.DigestStr()
	if ds == "" {
		return "", fmt.Errorf("sign by digest: %q is not a digest reference", ref.String())
	}
	h, err := v1.NewHash(ds)
	if err != nil {
		return "", fmt.Errorf("sign by digest: %w", err)
	}
	if h.Algorithm != "sha256" {
		return "", fmt.Errorf("sign by digest: %s: only sha256 digests are supported", ds)
	}
	return h.Hex, nil
}

// companionTag is <repo>:sha256-<hex><suffix>, where cosign keeps the
// signatures (.sig) and attestations (.att) of ref.
func companionTag(ref name.Digest, suffix string) (name.Tag, error) {
	hex, err := digestHex(ref)
	if err != nil {
		return name.Tag{}, err
	}
	return ref.Context().Tag("sha256-" + hex + suffix), nil
}

func isNotFound(err error) bool {
	var terr *transport.Error
	if errors.As(err, &terr) {
		if terr.StatusCode == http.StatusNotFound {
			return true
		}
		for _, d := range terr.Errors {
			if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
				return true
			}
		}
	}
	return false
}

// companionLayer is one layer of a signature or attestation image with its
// bytes.
type companionLayer struct {
	desc v1.Descriptor
	data []byte
}

// fetchCompanion reads the manifest at tag and returns its layer
// descriptors; found is false when the tag does not exist.
func fetchCompanion(ctx context.Context, tag name.Tag, o Options) (m *v1.Manifest, found bool, err error) {
	desc, err := remote.Get(tag, o.remote(ctx)...)
	if err != nil {
		if isNotFound(err) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("fetch %s: %w", tag, err)
	}
	if !desc.MediaType.IsImage() {
		return nil, true, fmt.Errorf("fetch %s: media type %s is not an image manifest", tag, desc.MediaType)
	}
	m, err = v1.ParseManifest(strings.NewReader(string(desc.Manifest)))
	if err != nil {
		return nil, true, fmt.Errorf("parse %s: %w", tag, err)
	}
	if len(m.Layers) > maxLayers {
		return nil, true, fmt.Errorf("%s has %d layers, more than %d: refusing", tag, len(m.Layers), maxLayers)
	}
	return m, true, nil
}

// errTooLarge marks a layer skipped for its size: a hostile extra layer must
// not hide the valid signatures beside it.
var errTooLarge = errors.New("over the size limit")

// mustExist checks that the image ref is in the registry: signing a digest
// that is not there is a typo, not a signature.
// It returns the image's descriptor, the subject of its referrers.
func mustExist(ctx context.Context, ref name.Digest, o Options) (v1.Descriptor, error) {
	d, err := remote.Head(ref, o.remote(ctx)...)
	if err != nil {
		if isNotFound(err) {
			return v1.Descriptor{}, fmt.Errorf("image %s not found in the registry", ref)
		}
		return v1.Descriptor{}, fmt.Errorf("check image %s: %w", ref, err)
	}
	if d.Digest.String() != ref.DigestStr() {
		return v1.Descriptor{}, fmt.Errorf("check image %s: registry answers with digest %s", ref, d.Digest)
	}
	return *d, nil
}

// fetchLayer reads one layer blob of repo, refusing blobs over limit; the
// content is checked against the descriptor's digest.
func fetchLayer(ctx context.Context, repo name.Repository, d v1.Descriptor, limit int64, o Options) ([]byte, error) {
	if d.Size > limit || d.Size < 0 {
		return nil, fmt.Errorf("layer %s: size %d, limit %d bytes: %w", d.Digest, d.Size, limit, errTooLarge)
	}
	l, err := remote.Layer(repo.Digest(d.Digest.String()), o.remote(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", d.Digest, err)
	}
	rc, err := l.Compressed() // verifies the digest as it is read
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", d.Digest, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, d.Size+1))
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", d.Digest, err)
	}
	if int64(len(b)) != d.Size {
		return nil, fmt.Errorf("layer %s: %d bytes, descriptor says %d", d.Digest, len(b), d.Size)
	}
	return b, nil
}

// appendLayer adds a layer holding data with media type mt and annotations
// to the image at tag (creating it as cosign does: an empty OCI image), unless
// skip says one of the existing layers already is this one. It returns the
// annotations of the layer now in the tag: ann, or the existing layer's.
func appendLayer(ctx context.Context, tag name.Tag, data []byte, mt types.MediaType, ann map[string]string, skip func(v1.Descriptor) bool, o Options) (map[string]string, error) {
	ro := o.remote(ctx)
	var base v1.Image
	desc, err := remote.Get(tag, ro...)
	switch {
	case err == nil:
		if !desc.MediaType.IsImage() {
			return nil, fmt.Errorf("%s: media type %s is not an image manifest", tag, desc.MediaType)
		}
		if base, err = desc.Image(); err != nil {
			return nil, fmt.Errorf("%s: %w", tag, err)
		}
		m, err := base.Manifest()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tag, err)
		}
		for _, l := range m.Layers {
			if skip != nil && skip(l) {
				o.log().Debug("already stored", "tag", tag.String(), "layer", l.Digest.String())
				return l.Annotations, nil
			}
		}
	case isNotFound(err):
		base = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	default:
		return nil, fmt.Errorf("fetch %s: %w", tag, err)
	}
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:       static.NewLayer(data, mt),
		Annotations: ann,
		MediaType:   mt,
	})
	if err != nil {
		return nil, fmt.Errorf("append to %s: %w", tag, err)
	}
	if err := remote.Write(tag, img, ro...); err != nil {
		return nil, fmt.Errorf("write %s: %w", tag, err)
	}
	o.log().Debug("stored", "tag", tag.String(), "mediaType", string(mt))
	return ann, nil
}
