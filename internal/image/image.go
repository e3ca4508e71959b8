package image

import (
	"context"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Image is an image resolved from a source: its identity, its config and its
// layers, lowest first. Nothing has been downloaded but the manifest and config.
type Image struct {
	// Name is the reference or path as the user gave it.
	Name string `json:"name"`
	// Source is the kind of source: "registry", "docker-archive", "oci-layout",
	// "oci-archive" or "dir". Layers is empty for "dir".
	Source string `json:"source"`
	// Digest is the manifest digest ("sha256:..."), where the source has one.
	Digest string `json:"digest,omitempty"`
	// Platform is the platform chosen from an index ("linux/amd64").
	Platform string `json:"platform,omitempty"`
	// Config is the image config; nil for a directory.
	Config *v1.ConfigFile `json:"-"`
	// Layers are the layers in application order (base first).
	Layers []Layer `json:"layers,omitempty"`
	// Dir is the root file system directory for the "dir". Layers is empty for "dir".source; empty otherwise.
	Dir string `json:"dir,omitempty"`
}

// Layer is one layer blob as its source offers it.
type Layer struct {
	// Digest is the digest of the bytes Open returns ("sha256:..."). The walker
	// hashes the stream and refuses the layer when it differs. It may be empty
	// when the source cannot know it without reading the blob (a docker-archive
	// with compressed layers); the walker then verifies DiffID over the
	// decompressed stream instead. The cache key is Digest, else DiffID.
	Digest string `json:"digest"`
	// DiffID is the digest of the uncompressed tar, from the image config.
	// When the blob is uncompressed it equals Digest.
	DiffID string `json:"diffID"`
	// MediaType as the manifest states it; may be empty (docker-archive).
	MediaType string `json:"mediaType,omitempty"`
	// Size of the blob in bytes, or -1 when unknown.
	Size int64 `json:"size"`
	// Open returns the raw blob (possibly compressed). It is called at most
	// once per walk, and not at all when the layer's result is cached.
	Open func(ctx context.Context) (io.ReadCloser, error) `json:"-"`
}
