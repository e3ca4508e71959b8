package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vigil-sec/vigil/internal/image"
)

// maxArchiveImages bounds the images one manifest.json may list.
const maxArchiveImages = 64

// dockerManifestEntry is one image in a docker save manifest.json.
type dockerManifestEntry struct {
	Config       string                    `json:"Config"`
	RepoTags     []string                  `json:"RepoTags"`
	Layers       []string                  `json:"Layers"`
	LayerSources map[v1.Hash]v1.Descriptor `json:"LayerSources,omitempty"`
}

// parseDockerManifest parses manifest.json, refusing paths that escape the
// archive.
func parseDockerManifest(b []byte) ([]dockerManifestEntry, error) {
	var entries []dockerManifestEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, fmt.Errorf("parse manifest.json: %w", err)
	}
	if len(entries) == 0 {
		return nil, errors.New("manifest.json lists no images")
	}
	if len(entries) > maxArchiveImages {
		return nil, fmt.Errorf("manifest.json lists %d images, more than the %d allowed", len(entries), maxArchiveImages)
	}
	for i, e := range entries {
		if _, ok := cleanEntryName(e.Config); !ok {
			return nil, fmt.Errorf("manifest.json image %d: config path %q is empty or escapes the archive", i, e.Config)
		}
		for j, l := range e.Layers {
			if _, ok := cleanEntryName(l); !ok {
				return nil, fmt.Errorf("manifest.json image %d: layer %d path %q is empty or escapes the archive", i, j, l)
			}
		}
	}
	return entries, nil
}

// contentAddressed matches the archive names whose name is the sha256 of the
// content: OCI-style blobs (Docker 25+), "<id>.json" configs (classic docker
// save: the image ID is the config digest) and "sha256:<hex>" configs (ggcr).
var (
	blobNameRE   = regexp.MustCompile(`^blobs/sha256/([0-9a-f]{64})$`)
	configNameRE = regexp.MustCompile(`^(?:blobs/sha256/|sha256:)?([0-9a-f]{64})(?:\.json)?$`)
)

// compression is what the first bytes of a blob say.
func sniffCompression(head []byte) types.MediaType {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return types.DockerLayer
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return types.OCILayerZStd
	case bytes.HasPrefix(head, []byte("BZh")), bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return "" // compressed, in a form the walker may not support; let it say so
	}
	return types.DockerUncompressedLayer
}

// archiveImage is one manifest.json entry with its config loaded.
type archiveImage struct {
	entry  dockerManifestEntry
	config *v1.ConfigFile
	digest v1.Hash // of the config
}

func loadArchiveImage(r io.ReaderAt, idx *tarIndex, i int, e dockerManifestEntry) (*archiveImage, error) {
	ce, err := idx.lookup(e.Config)
	if err != nil {
		return nil, fmt.Errorf("image %d config: %w", i, err)
	}
	b, err := readEntry(r, ce, maxConfigBytes, "config")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	got := hex.EncodeToString(sum[:])
	if m := configNameRE.FindStringSubmatch(strings.TrimPrefix(ce.name, "./")); m != nil && m[1] != got {
		return nil, fmt.Errorf("config %q: digest is sha256:%s, its name says sha256:%s", e.Config, got, m[1])
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("parse config %q: %w", e.Config, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(e.Layers) {
		return nil, fmt.Errorf("image %d: manifest.json lists %d layers but config %q lists %d diff IDs", i, len(e.Layers), e.Config, len(cfg.RootFS.DiffIDs))
	}
	return &archiveImage{entry: e, config: cfg, digest: v1.Hash{Algorithm: "sha256", Hex: got}}, nil
}

// resolveDockerArchive resolves the image in an indexed docker save archive.
func resolveDockerArchive(ctx context.Context, r io.ReaderAt, idx *tarIndex, file archiveFile, p platform) (*resolved, error) {
	me, err := idx.lookup("manifest.json")
	if err != nil {
		return nil, err
	}
	b, err := readEntry(r, me, maxManifestBytes, "file")
	if err != nil {
		return nil, err
	}
	entries, err := parseDockerManifest(b)
	if err != nil {
		return nil, err
	}
	imgs := make([]*archiveImage, len(entries))
	for i, e := range entries {
		if imgs[i], err = loadArchiveImage(r, idx, i, e); err != nil {
			return nil, err
		}
	}
	var chosen *archiveImage
	if len(imgs) == 1 {
		chosen = imgs[0]
		if err := p.checkSingle(chosen.config); err != nil {
			return nil, err
		}
	} else {
		var available []string
		var match []*archiveImage
		for _, im := range imgs {
			available = append(available, configPlatform(im.config))
			if p.matches(im.config.OS, im.config.Architecture, im.config.Variant) {
				match = append(match, im)
			}
		}
		switch len(match) {
		case 0:
			return nil, noPlatformError(p, available)
		case 1:
			chosen = match[0]
		default:
			var tags []string
			for _, im := range match {
				tags = append(tags, fmt.Sprintf("%v", im.entry.RepoTags))
			}
			return nil, fmt.Errorf("archive holds %d images for platform %s (%s); save one image per archive", len(match), p, strings.Join(tags, ", "))
		}
	}
	layers := make([]image.Layer, len(chosen.entry.Layers))
	for i, name := range chosen.entry.Layers {
		diffID := chosen.config.RootFS.DiffIDs[i]
		l, err := archiveLayer(r, idx, file, name, diffID, chosen.entry.LayerSources)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		layers[i] = l
	}
	res := &resolved{config: chosen.config, layers: layers, platform: configPlatform(chosen.config)}
	// Docker 25+ also writes an OCI index; when it names our image, its
	// manifest digest is the image's digest.
	if idx.has("index.json") && idx.has("oci-layout") {
		res.digest = archiveManifestDigest(ctx, r, idx, file, chosen.digest)
	}
	return res, nil
}

func archiveLayer(r io.ReaderAt, idx *tarIndex, file archiveFile, name string, diffID v1.Hash, sources map[v1.Hash]v1.Descriptor) (image.Layer, error) {
	e, err := idx.lookup(name)
	if err != nil {
		if src, ok := sources[diffID]; ok && errors.Is(err, errNotInArchive) && nonDistributable(src.MediaType) {
			return image.Layer{
				Digest: src.Digest.String(), DiffID: diffID.String(), MediaType: string(src.MediaType), Size: src.Size,
				Open: func(context.Context) (io.ReadCloser, error) {
					return nil, fmt.Errorf("non-distributable layer %s (%s) is not in the archive", src.Digest, src.MediaType)
				},
			}, nil
		}
		return image.Layer{}, err
	}
	var head [6]byte
	n, err := r.ReadAt(head[:min(int64(len(head)), e.size)], e.offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return image.Layer{}, fmt.Errorf("read %q: %w", name, err)
	}
	mt := sniffCompression(head[:n])
	l := image.Layer{DiffID: diffID.String(), MediaType: string(mt), Size: e.size}
	switch m := blobNameRE.FindStringSubmatch(e.name); {
	case m != nil:
		l.Digest = "sha256:" + m[1]
	case mt == types.DockerUncompressedLayer:
		l.Digest = l.DiffID
	}
	l.Open = func(context.Context) (io.ReadCloser, error) { return file.section(e) }
	return l, nil
}

// archiveManifestDigest finds, in the OCI index of a Docker 25+ archive, the
// manifest whose config is configDigest. It returns the zero Hash when there is
// none; it is only a label, every manifest read is verified.
func archiveManifestDigest(ctx context.Context, r io.ReaderAt, idx *tarIndex, file archiveFile, configDigest v1.Hash) v1.Hash {
	s := archiveStore{r: r, idx: idx, file: file}
	e, err := idx.lookup("index.json")
	if err != nil {
		return v1.Hash{}
	}
	b, err := readEntry(r, e, maxManifestBytes, "file")
	if err != nil {
		return v1.Hash{}
	}
	root, err := parseRootIndex(b)
	if err != nil {
		return v1.Hash{}
	}
	col := newCollector(s)
	if err := col.collect(ctx, root, 0); err != nil {
		return v1.Hash{}
	}
	for _, c := range col.out {
		if _, err := s.entry(c.desc); err != nil {
			continue // other platforms of an index are often not saved
		}
		raw, err := readVerifiedManifest(ctx, s, c.desc)
		if err != nil {
			continue
		}
		m, err := v1.ParseManifest(bytes.NewReader(raw))
		if err == nil && m.Config.Digest == configDigest {
			return c.desc.Digest
		}
	}
	return v1.Hash{}
}
