// Package source resolves a reference or a path to an image.Image: a registry
// reference, a docker-save tarball, an OCI archive, an OCI layout directory or
// a root file system directory. It reads manifests and configs only; layers are
// streamed later by image.Walk.
package source

import (
	"context"
	"errors"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/vigil-sec/vigil/internal/image"
)

// Options says how to reach an image.
type Options struct {
	// Platform picks the image from a multi-platform index ("linux/amd64").
	Platform string
	// InsecureUnsafe allows plain HTTP and unverified TLS to registries.
	InsecureUnsafe bool
	// Keychain resolves registry credentials; nil means the Docker config and
	// its credential helpers (authn.DefaultKeychain).
	Keychain authn.Keychain
}

// Resolve finds the image that ref names: a registry reference, a docker-save
// tarball, an OCI archive or an OCI layout directory, detected from the path
// or named by a prefix ("registry:", "docker-archive:", "oci-archive:", "oci:",
// "dir:").
func Resolve(ctx context.Context, ref string, opts Options) (*image.Image, error) {
	return nil, errors.New("source.Resolve: not implemented")
}
