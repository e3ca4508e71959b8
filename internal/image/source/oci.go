package source

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vigil-sec/vigil/internal/image"
)

// Limits on the JSON documents read at resolve time. Real manifests are a few
// KiB and configs rarely more than a few hundred.
const (
	maxManifestBytes = 4 << 20
	maxConfigBytes   = 16 << 20
	maxIndexDepth    = 4
	maxCandidates    = 1024
	// maxDescriptors bounds the descriptors counted over a whole tree of
	// nested indexes, duplicates included.
	maxDescriptors = 4096
	// maxSkipped bounds the distinct non-image media types an error quotes.
	maxSkipped = 16
)

// store is where the blobs of an OCI-shaped image live: a registry repository,
// an OCI layout directory or an OCI archive.
type store interface {
	// readManifest returns the bytes of the manifest or index desc names, at
	// most maxManifestBytes (not yet verified; see readVerified).
	readManifest(ctx context.Context, desc v1.Descriptor) ([]byte, error)
	// readBlob returns the bytes of a small blob (a config), at most limit.
	readBlob(ctx context.Context, desc v1.Descriptor, limit int64) ([]byte, error)
	// openBlob opens a blob for streaming (a layer).
	openBlob(ctx context.Context, desc v1.Descriptor) (io.ReadCloser, error)
	// statBlob checks cheaply that a layer blob is present with the stated
	// size, without reading it; stores that cannot check cheaply return nil.
	statBlob(desc v1.Descriptor) error
}

// readAllLimit reads r to the end, refusing more than limit bytes.
func readAllLimit(r io.Reader, limit int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than the %d bytes allowed", what, limit)
	}
	return b, nil
}

// verifyBytes checks b against the size and digest desc states.
func verifyBytes(b []byte, desc v1.Descriptor, what string) error {
	if int64(len(b)) != desc.Size {
		return fmt.Errorf("%s %s: size is %d bytes, descriptor says %d", what, desc.Digest, len(b), desc.Size)
	}
	h, err := v1.Hasher(desc.Digest.Algorithm)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, desc.Digest, err)
	}
	h.Write(b)
	if got := hex.EncodeToString(h.Sum(nil)); got != desc.Digest.Hex {
		return fmt.Errorf("%s: digest is %s:%s, descriptor says %s", what, desc.Digest.Algorithm, got, desc.Digest)
	}
	return nil
}

func checkDescriptor(desc v1.Descriptor, limit int64, what string) error {
	if desc.Digest.Hex == "" {
		return fmt.Errorf("%s: descriptor has no digest", what)
	}
	if desc.Size < 0 {
		return fmt.Errorf("%s %s: negative size %d", what, desc.Digest, desc.Size)
	}
	if limit > 0 && desc.Size > limit {
		return fmt.Errorf("%s %s: %d bytes, more than the %d allowed", what, desc.Digest, desc.Size, limit)
	}
	return nil
}

func readVerifiedManifest(ctx context.Context, s store, desc v1.Descriptor) ([]byte, error) {
	if err := checkDescriptor(desc, maxManifestBytes, "manifest"); err != nil {
		return nil, err
	}
	b, err := s.readManifest(ctx, desc)
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", desc.Digest, err)
	}
	if err := verifyBytes(b, desc, "manifest"); err != nil {
		return nil, err
	}
	return b, nil
}

// docKind is what a manifest-shaped JSON document is.
type docKind int

const (
	kindUnknown docKind = iota
	kindIndex
	kindManifest
)

func kindOfMediaType(mt types.MediaType) docKind {
	switch mt {
	case types.OCIImageIndex, types.DockerManifestList:
		return kindIndex
	case types.OCIManifestSchema1, types.DockerManifestSchema2:
		return kindManifest
	}
	return kindUnknown
}

// sniffKind decides whether b is an index or an image manifest, from the media
// type the descriptor or the server declared, the one in the document and its
// shape; contradictions are errors.
func sniffKind(declared types.MediaType, b []byte) (docKind, error) {
	var doc struct {
		MediaType types.MediaType `json:"mediaType"`
		Manifests json.RawMessage `json:"manifests"`
		Config    json.RawMessage `json:"config"`
		Layers    json.RawMessage `json:"layers"`
		FSLayers  json.RawMessage `json:"fsLayers"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return kindUnknown, fmt.Errorf("parse manifest: %w", err)
	}
	if doc.MediaType == types.DockerManifestSchema1 || doc.MediaType == types.DockerManifestSchema1Signed ||
		declared == types.DockerManifestSchema1 || declared == types.DockerManifestSchema1Signed || doc.FSLayers != nil {
		return kindUnknown, fmt.Errorf("docker image manifest schema 1 is not supported (deprecated; re-push the image with a current client)")
	}
	dk, bk := kindOfMediaType(declared), kindOfMediaType(doc.MediaType)
	if dk != kindUnknown && bk != kindUnknown && dk != bk {
		return kindUnknown, fmt.Errorf("manifest media type %q contradicts the declared %q", doc.MediaType, declared)
	}
	k := bk
	if k == kindUnknown {
		k = dk
	}
	if k == kindUnknown {
		switch {
		case doc.Manifests != nil && doc.Config == nil:
			k = kindIndex
		case doc.Config != nil && doc.Manifests == nil:
			k = kindManifest
		default:
			mt := doc.MediaType
			if mt == "" {
				mt = declared
			}
			return kindUnknown, fmt.Errorf("not an image manifest or index (media type %q)", mt)
		}
	}
	if k == kindIndex && doc.Config != nil {
		return kindUnknown, fmt.Errorf("index has a config: not an image index")
	}
	if k == kindManifest && doc.Manifests != nil {
		return kindUnknown, fmt.Errorf("image manifest lists manifests: not an image manifest")
	}
	return k, nil
}

// resolved is an image found in a store, before Name and Source are set.
type resolved struct {
	digest   v1.Hash
	config   *v1.ConfigFile
	layers   []image.Layer
	platform string
}

func (r *resolved) image(name, source string) *image.Image {
	digest := ""
	if r.digest.Hex != "" {
		digest = r.digest.String()
	}
	return &image.Image{
		Name:     name,
		Source:   source,
		Digest:   digest,
		Platform: r.platform,
		Config:   r.config,
		Layers:   r.layers,
	}
}

// nonDistributable reports the media types of layers that registries and
// archives may legitimately lack (Windows base layers and the like).
func nonDistributable(mt types.MediaType) bool {
	switch mt {
	case types.DockerForeignLayer, types.OCIRestrictedLayer, types.OCIUncompressedRestrictedLayer,
		"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd":
		return true
	}
	return false
}

// imageConfigTypes are the config media types of container images.
func isImageConfig(mt types.MediaType) bool {
	return mt == types.DockerConfigJSON || mt == types.OCIConfigJSON || mt == ""
}

// resolveManifest reads the config of the image manifest raw (whose digest is
// desc.Digest) and describes its layers.
func resolveManifest(ctx context.Context, s store, desc v1.Descriptor, raw []byte) (*resolved, error) {
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse manifest %s: %w", desc.Digest, err)
	}
	if !isImageConfig(m.Config.MediaType) {
		what := "an artifact"
		if strings.Contains(string(m.Config.MediaType), "helm") {
			what = "a Helm chart"
		}
		at := ""
		if desc.ArtifactType != "" {
			at = fmt.Sprintf(", artifact type %q", desc.ArtifactType)
		}
		return nil, fmt.Errorf("manifest %s is %s, not a container image (config media type %q%s)", desc.Digest, what, m.Config.MediaType, at)
	}
	if err := checkDescriptor(m.Config, maxConfigBytes, "config"); err != nil {
		return nil, err
	}
	cb, err := s.readBlob(ctx, m.Config, maxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", m.Config.Digest, err)
	}
	if err := verifyBytes(cb, m.Config, "config"); err != nil {
		return nil, err
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(cb))
	if err != nil {
		return nil, fmt.Errorf("parse config %s: %w", m.Config.Digest, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("manifest %s has %d layers but its config lists %d diff IDs", desc.Digest, len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	layers := make([]image.Layer, len(m.Layers))
	for i, l := range m.Layers {
		if err := checkDescriptor(l, 0, fmt.Sprintf("layer %d", i)); err != nil {
			return nil, err
		}
		if !nonDistributable(l.MediaType) {
			if err := s.statBlob(l); err != nil {
				return nil, fmt.Errorf("layer %d %s: %w", i, l.Digest, err)
			}
		}
		layers[i] = image.Layer{
			Digest:    l.Digest.String(),
			DiffID:    cfg.RootFS.DiffIDs[i].String(),
			MediaType: string(l.MediaType),
			Size:      l.Size,
			Open: func(ctx context.Context) (io.ReadCloser, error) {
				rc, err := s.openBlob(ctx, l)
				if err != nil && nonDistributable(l.MediaType) {
					return nil, fmt.Errorf("non-distributable layer %s (%s) is not in the source: %w", l.Digest, l.MediaType, err)
				}
				return rc, err
			},
		}
	}
	plat := configPlatform(cfg)
	if plat == "" && desc.Platform != nil {
		plat = formatPlatform(desc.Platform.OS, desc.Platform.Architecture, desc.Platform.Variant)
	}
	return &resolved{digest: desc.Digest, config: cfg, layers: layers, platform: plat}, nil
}

// candidate is an image manifest listed by an index.
type candidate struct {
	desc v1.Descriptor
	res  *resolved // loaded when the descriptor states no platform
}

func (c candidate) platform() (os, arch, variant string, ok bool) {
	if c.desc.Platform != nil && c.desc.Platform.OS != "" {
		return c.desc.Platform.OS, c.desc.Platform.Architecture, c.desc.Platform.Variant, true
	}
	if c.res != nil && c.res.config != nil && configPlatform(c.res.config) != "" {
		return c.res.config.OS, c.res.config.Architecture, c.res.config.Variant, true
	}
	return "", "", "", false
}

// collector gathers the image manifests an index lists, descending into
// nested indexes. Each nested index is read at most once whatever the number
// of descriptors naming it, and every descriptor seen anywhere in the tree
// counts against maxDescriptors, so a hostile fan-out of indexes costs at most
// that many descriptors and reads.
type collector struct {
	s       store
	visited map[v1.Hash]docKind // documents read, by digest, and what they were
	seen    map[string]bool     // candidates kept, by digest and platform
	n       int                 // descriptors seen so far
	out     []candidate
	skipped []string // distinct media types that name no image, at most maxSkipped
}

func newCollector(s store) *collector {
	return &collector{s: s, visited: map[v1.Hash]docKind{}, seen: map[string]bool{}}
}

// collect adds the image manifests idx lists, at nesting depth depth.
func (c *collector) collect(ctx context.Context, idx *v1.IndexManifest, depth int) error {
	if depth > maxIndexDepth {
		return fmt.Errorf("indexes nested more than %d deep", maxIndexDepth)
	}
	for _, d := range idx.Manifests {
		if err := ctx.Err(); err != nil {
			return err
		}
		c.n++
		if c.n > maxDescriptors {
			return fmt.Errorf("index tree lists more than %d descriptors", maxDescriptors)
		}
		kind := kindOfMediaType(d.MediaType)
		if d.MediaType == "" || kind == kindIndex {
			k, seen := c.visited[d.Digest]
			if seen && k == kindIndex {
				continue // its manifests are already collected
			}
			if !seen {
				raw, err := readVerifiedManifest(ctx, c.s, d)
				if err != nil {
					return err
				}
				if k, err = sniffKind(d.MediaType, raw); err != nil {
					return fmt.Errorf("manifest %s: %w", d.Digest, err)
				}
				c.visited[d.Digest] = k
				if k == kindIndex {
					sub, err := v1.ParseIndexManifest(bytes.NewReader(raw))
					if err != nil {
						return fmt.Errorf("parse index %s: %w", d.Digest, err)
					}
					if err := c.collect(ctx, sub, depth+1); err != nil {
						return err
					}
					continue
				}
			}
			if err := c.add(d); err != nil {
				return err
			}
			continue
		}
		if kind != kindManifest {
			c.skip(string(d.MediaType))
			continue
		}
		if err := c.add(d); err != nil {
			return err
		}
	}
	return nil
}

// add keeps the image manifest d unless the same digest with the same
// platform is already kept.
func (c *collector) add(d v1.Descriptor) error {
	key := d.Digest.String()
	if d.Platform != nil {
		key += " " + d.Platform.String()
	}
	if c.seen[key] {
		return nil
	}
	if len(c.out) >= maxCandidates {
		return fmt.Errorf("index lists more than %d manifests", maxCandidates)
	}
	c.seen[key] = true
	c.out = append(c.out, candidate{desc: d})
	return nil
}

// skip records a media type that names no image, for the error message when
// nothing else is found.
func (c *collector) skip(mt string) {
	if len(c.skipped) >= maxSkipped || slices.Contains(c.skipped, mt) {
		return
	}
	c.skipped = append(c.skipped, mt)
}

// chooseFromIndex picks the image for platform p among the manifests idx
// lists. When container is true, idx is the index.json of a layout or archive,
// which is a list of images rather than a multi-platform index: a single image
// in it is taken whatever its platform (subject to checkSingle).
func chooseFromIndex(ctx context.Context, s store, idx *v1.IndexManifest, p platform, container bool) (*resolved, error) {
	if container && len(idx.Manifests) == 1 && kindOfMediaType(idx.Manifests[0].MediaType) != kindIndex {
		d := idx.Manifests[0]
		raw, err := readVerifiedManifest(ctx, s, d)
		if err != nil {
			return nil, err
		}
		if k, err := sniffKind(d.MediaType, raw); err != nil {
			return nil, fmt.Errorf("manifest %s: %w", d.Digest, err)
		} else if k == kindManifest {
			return resolveSingle(ctx, s, d, raw, p)
		}
	}
	col := newCollector(s)
	if err := col.collect(ctx, idx, 0); err != nil {
		return nil, err
	}
	cands, skipped := col.out, col.skipped
	var available []string
	var match []candidate
	for i := range cands {
		c := &cands[i]
		if _, _, _, ok := c.platform(); !ok {
			raw, err := readVerifiedManifest(ctx, s, c.desc)
			if err != nil {
				return nil, err
			}
			if c.res, err = resolveManifest(ctx, s, c.desc, raw); err != nil {
				return nil, err
			}
		}
		os, arch, variant, ok := c.platform()
		if !ok {
			continue
		}
		if os == "unknown" && arch == "unknown" { // attestation manifests
			continue
		}
		available = append(available, formatPlatform(os, arch, variant))
		if p.matches(os, arch, variant) && !containsDigest(match, c.desc.Digest) {
			match = append(match, *c)
		}
	}
	switch len(match) {
	case 0:
		if len(available) == 0 && len(skipped) > 0 {
			return nil, fmt.Errorf("index lists no container images (media types: %s)", strings.Join(skipped, ", "))
		}
		return nil, noPlatformError(p, available)
	case 1:
	default:
		var ds []string
		for _, c := range match {
			ds = append(ds, c.desc.Digest.String())
		}
		return nil, fmt.Errorf("%d images match platform %s (%s); name one by digest or give a variant", len(match), p, strings.Join(ds, ", "))
	}
	c := match[0]
	if c.res == nil {
		raw, err := readVerifiedManifest(ctx, s, c.desc)
		if err != nil {
			return nil, err
		}
		if c.res, err = resolveManifest(ctx, s, c.desc, raw); err != nil {
			return nil, err
		}
	}
	if cfg := c.res.config; configPlatform(cfg) != "" && !p.matches(cfg.OS, cfg.Architecture, cfg.Variant) {
		return nil, fmt.Errorf("index lists manifest %s as %s but its config says %s", c.desc.Digest, p, configPlatform(cfg))
	}
	return c.res, nil
}

func containsDigest(cs []candidate, h v1.Hash) bool {
	for _, c := range cs {
		if c.desc.Digest == h {
			return true
		}
	}
	return false
}

// resolveSingle resolves an image that was not chosen from an index.
func resolveSingle(ctx context.Context, s store, desc v1.Descriptor, raw []byte, p platform) (*resolved, error) {
	r, err := resolveManifest(ctx, s, desc, raw)
	if err != nil {
		return nil, err
	}
	if err := p.checkSingle(r.config); err != nil {
		return nil, err
	}
	return r, nil
}

// resolveRoot resolves the document raw (verified against desc) as either an
// image manifest or a multi-platform index.
func resolveRoot(ctx context.Context, s store, desc v1.Descriptor, raw []byte, p platform) (*resolved, error) {
	k, err := sniffKind(desc.MediaType, raw)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", desc.Digest, err)
	}
	if k == kindManifest {
		return resolveSingle(ctx, s, desc, raw, p)
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse index %s: %w", desc.Digest, err)
	}
	return chooseFromIndex(ctx, s, idx, p, false)
}
