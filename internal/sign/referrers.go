package sign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ReferrersMode says whether signatures and attestations also travel
// through the OCI 1.1 referrers API (GET /v2/<repo>/referrers/<digest>).
type ReferrersMode string

const (
	// ReferrersAuto (also the zero value ""): the tag scheme always and,
	// when the registry serves the referrers API, a referrer manifest as
	// well; verification reads both.
	ReferrersAuto ReferrersMode = "auto"
	// ReferrersOff: the cosign tag scheme only, as before.
	ReferrersOff ReferrersMode = "off"
)

// artifactType values of the referrer manifests, those of cosign's OCI 1.1
// modes: the signature one is what `cosign sign --registry-referrers-mode
// oci-1-1` writes (cosign's ArtifactType("sig")), the attestation one what
// cosign's referrer attestations use (the in-toto payload type).
const (
	SignatureArtifactType   = "application/vnd.dev.cosign.artifact.sig.v1+json"
	AttestationArtifactType = InTotoPayloadType

	// emptyConfig is the config blob of a referrer manifest; its media
	// type is the artifactType, so that registries which derive a
	// referrer's artifactType from config.mediaType (pkg/registry does)
	// list it under the same type.
	emptyConfig = "{}"
	// maxReferrers bounds the referrers of one type we fetch.
	maxReferrers = 1000
)

// ReferrersSupport remembers per registry whether it serves the referrers
// API, so a run asks each registry once. Share one across the Options of a
// run; the zero value is ready and it is safe for concurrent use.
type ReferrersSupport struct {
	mu sync.Mutex
	m  map[string]bool
}

// Known returns what is remembered about registry (host[:port]).
func (s *ReferrersSupport) Known(registry string) (supported, known bool) {
	if s == nil {
		return false, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	supported, known = s.m[registry]
	return supported, known
}

func (s *ReferrersSupport) set(registry string, supported bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]bool)
	}
	s.m[registry] = supported
}

// referrersOn reports whether o asks for referrers at all.
func (o Options) referrersOn() (bool, error) {
	switch o.Referrers {
	case "", ReferrersAuto:
		return true, nil
	case ReferrersOff:
		return false, nil
	}
	return false, fmt.Errorf("referrers mode %q: want %q or %q", o.Referrers, ReferrersAuto, ReferrersOff)
}

// errNoReferrersAPI is how go-containerregistry v0.22.1 says, with the tag
// fallback disabled, that the referrers endpoint answered 404, 400 or 406,
// or 200 without an OCI index Content-Type. A test pins it.
const errNoReferrersAPI = "does not support the Referrers API"

// unsupportedReferrers tells the registry's "no referrers API" apart from
// failures (auth, 5xx, network), which come as *transport.Error or others.
func unsupportedReferrers(err error) bool {
	var terr *transport.Error
	if errors.As(err, &terr) {
		return false
	}
	return strings.Contains(err.Error(), errNoReferrersAPI)
}

// listReferrers returns the descriptors of the referrers of ref with
// artifactType, and whether the registry serves the API at all. A registry
// without it answers (nil, false, nil). repoExists says the repository is
// known to exist, so a 404 means "no API" rather than "no such repository";
// only then is a negative answer remembered.
func listReferrers(ctx context.Context, ref name.Digest, artifactType string, repoExists bool, o Options) ([]v1.Descriptor, bool, error) {
	reg := ref.Context().RegistryStr()
	if sup, known := o.Support.Known(reg); known && !sup {
		return nil, false, nil
	}
	idx, err := remote.Referrers(ref, append(o.remote(ctx), remote.WithReferrersTagFallback(false))...)
	if err != nil {
		if unsupportedReferrers(err) {
			if repoExists {
				o.Support.set(reg, false)
			}
			o.log().Debug("no referrers API", "registry", reg)
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("list referrers of %s: %w", ref, err)
	}
	o.Support.set(reg, true)
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, true, fmt.Errorf("list referrers of %s: %w", ref, err)
	}
	var out []v1.Descriptor
	for _, d := range im.Manifests {
		if d.ArtifactType != artifactType || !d.MediaType.IsImage() {
			continue
		}
		out = append(out, d)
	}
	if len(out) > maxReferrers {
		return nil, true, fmt.Errorf("%s has %d referrers of type %s, more than %d: refusing", ref, len(out), artifactType, maxReferrers)
	}
	return out, true, nil
}

// referrerLayers fetches the referrer manifests of ref with artifactType
// and returns their layers. Manifests whose subject is not ref, or whose
// type is another, are skipped: the listing is the registry's word only.
func referrerLayers(ctx context.Context, ref name.Digest, artifactType string, repoExists bool, o Options) (layers []v1.Descriptor, supported bool, err error) {
	descs, supported, err := listReferrers(ctx, ref, artifactType, repoExists, o)
	if err != nil || len(descs) == 0 {
		return nil, supported, err
	}
	for _, d := range descs {
		mref := ref.Context().Digest(d.Digest.String())
		desc, err := remote.Get(mref, o.remote(ctx)...)
		if err != nil {
			return nil, true, fmt.Errorf("fetch referrer %s: %w", mref, err)
		}
		if !desc.MediaType.IsImage() {
			o.log().Debug("skip referrer: not an image manifest", "referrer", mref.String())
			continue
		}
		m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
		if err != nil {
			o.log().Debug("skip referrer", "referrer", mref.String(), "err", err)
			continue
		}
		at := m.ArtifactType
		if at == "" {
			at = string(m.Config.MediaType)
		}
		if m.Subject == nil || m.Subject.Digest.String() != ref.DigestStr() || at != artifactType {
			o.log().Debug("skip referrer: other subject or type", "referrer", mref.String(), "artifactType", at)
			continue
		}
		if len(layers)+len(m.Layers) > maxLayers {
			return nil, true, fmt.Errorf("referrers of %s hold more than %d layers: refusing", ref, maxLayers)
		}
		layers = append(layers, m.Layers...)
	}
	return layers, true, nil
}

// putReferrer pushes data (media type mt, annotations ann) as the single
// layer of a referrer manifest of subject with artifactType, unless the
// registry lacks the referrers API. The manifest holds no time or random
// part: pushing the same layer twice writes the same manifest.
func putReferrer(ctx context.Context, subject v1.Descriptor, ref name.Digest, artifactType string, data []byte, mt types.MediaType, ann map[string]string, o Options) error {
	_, supported, err := listReferrers(ctx, ref, artifactType, true, o)
	if err != nil {
		return err
	}
	if !supported {
		return nil
	}
	repo := ref.Context()
	ro := o.remote(ctx)
	cfg := static.NewLayer([]byte(emptyConfig), types.MediaType(artifactType))
	layer := static.NewLayer(data, mt)
	for _, l := range []v1.Layer{cfg, layer} {
		if err := remote.WriteLayer(repo, l, ro...); err != nil {
			return fmt.Errorf("write referrer blob: %w", err)
		}
	}
	cd, _ := cfg.Digest()
	ld, _ := layer.Digest()
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  artifactType,
		Config:        v1.Descriptor{MediaType: types.MediaType(artifactType), Digest: cd, Size: int64(len(emptyConfig))},
		Layers:        []v1.Descriptor{{MediaType: mt, Digest: ld, Size: int64(len(data)), Annotations: ann}},
		Subject:       &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("referrer manifest: %w", err)
	}
	h, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		return err
	}
	target := repo.Digest(h.String())
	if err := remote.Put(target, rawManifest{b, types.OCIManifestSchema1}, ro...); err != nil {
		return fmt.Errorf("write referrer %s: %w", target, err)
	}
	o.log().Debug("stored referrer", "referrer", target.String(), "artifactType", artifactType)
	return nil
}

// rawManifest is a manifest pushed as the given bytes.
type rawManifest struct {
	b  []byte
	mt types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.b, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

// companionLayers gathers the layers of ref's companion tag and, when o
// asks for referrers, of its referrers of artifactType, each layer once
// (the same layer and signature stored both ways counts once). where names
// what was searched, for messages. A referrers failure is an error only
// when the tag has nothing: a registry that serves the tag scheme but fails
// its referrers endpoint still verifies what cosign reads.
func companionLayers(ctx context.Context, ref name.Digest, tag name.Tag, artifactType string, o Options) (layers []v1.Descriptor, where string, err error) {
	on, err := o.referrersOn()
	if err != nil {
		return nil, "", err
	}
	m, found, err := fetchCompanion(ctx, tag, o)
	if err != nil {
		return nil, "", err
	}
	where = tag.TagStr()
	if found {
		layers = m.Layers
	}
	if !on {
		return layers, where, nil
	}
	rl, supported, err := referrerLayers(ctx, ref, artifactType, found, o)
	if err != nil {
		if len(layers) == 0 {
			return nil, "", err
		}
		o.log().Warn("referrers unreadable; using the tag scheme only", "image", ref.String(), "err", err)
	}
	if supported {
		where += " or referrers of type " + artifactType
	}
	if len(rl) == 0 {
		return layers, where, nil
	}
	seen := make(map[string]bool, len(layers)+len(rl))
	out := make([]v1.Descriptor, 0, len(layers)+len(rl))
	for _, l := range append(append([]v1.Descriptor(nil), layers...), rl...) {
		k := l.Digest.String() + "\x00" + l.Annotations[SignatureAnnotation]
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, l)
	}
	return out, where, nil
}
