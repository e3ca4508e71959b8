package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/vigil-sec/vigil/internal/image"
)

// Source kinds, as Image.Source reports them.
const (
	KindRegistry      = "registry"
	KindDockerArchive = "docker-archive"
	KindOCILayout     = "oci-layout"
	KindOCIArchive    = "oci-archive"
	KindDir           = "dir"
)

// Options says how to reach an image.
type Options struct {
	// Platform picks the image from a multi-platform index ("linux/amd64",
	// "linux/arm64/v8"); empty means DefaultPlatform. When set, a
	// single-platform image of another platform is an error.
	Platform string
	// InsecureUnsafe allows plain HTTP and unverified TLS to registries.
	InsecureUnsafe bool
	// Keychain resolves registry credentials; nil means the Docker config and
	// its credential helpers (authn.DefaultKeychain), anonymous where they
	// have nothing for the registry.
	Keychain authn.Keychain
}

// prefixes name a source kind explicitly ("oci-archive:" before "oci:").
var prefixes = []struct{ prefix, kind string }{
	{"registry:", KindRegistry},
	{"docker-archive:", KindDockerArchive},
	{"oci-archive:", KindOCIArchive},
	{"oci:", KindOCILayout},
	{"dir:", KindDir},
}

// Resolve finds the image that ref names: a registry reference, a docker-save
// tarball, an OCI archive or an OCI layout directory, detected from the path
// or named by a prefix ("registry:", "docker-archive:", "oci-archive:", "oci:",
// "dir:"). Image.Name is ref without the prefix. Only manifests, configs and
// archive headers are read; layers are read when Layer.Open is called.
func Resolve(ctx context.Context, ref string, opts Options) (*image.Image, error) {
	p, err := parsePlatform(opts.Platform)
	if err != nil {
		return nil, err
	}
	kind, rest := "", ref
	for _, pf := range prefixes {
		if r, ok := strings.CutPrefix(ref, pf.prefix); ok {
			kind, rest = pf.kind, r
			break
		}
	}
	if rest == "" {
		return nil, errors.New("empty image reference")
	}
	switch kind {
	case KindRegistry:
		return resolveRegistryImage(ctx, rest, opts, p)
	case KindDir:
		return resolveDir(rest)
	case KindOCILayout:
		r, err := resolveLayout(ctx, rest, p)
		if err != nil {
			return nil, err
		}
		return r.image(rest, KindOCILayout), nil
	case KindDockerArchive, KindOCIArchive:
		return resolveArchive(ctx, rest, kind, p)
	}

	fi, err := os.Stat(ref)
	switch {
	case err == nil && fi.IsDir():
		if !isLayoutDir(ref) {
			return nil, fmt.Errorf("%s is a directory but not an OCI image layout (no oci-layout and index.json); for a root file system use `vigil sbom rootfs %s`", ref, ref)
		}
		r, err := resolveLayout(ctx, ref, p)
		if err != nil {
			return nil, err
		}
		return r.image(ref, KindOCILayout), nil
	case err == nil && fi.Mode().IsRegular():
		return resolveArchive(ctx, ref, "", p)
	case err == nil:
		return nil, fmt.Errorf("%s is neither a regular file nor a directory", ref)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("stat %s: %w", ref, err)
	}
	if looksLikePath(ref) {
		return nil, fmt.Errorf("open %s: %w", ref, fs.ErrNotExist)
	}
	return resolveRegistryImage(ctx, ref, opts, p)
}

// looksLikePath reports refs that cannot be registry references, so that a
// mistyped path says "no such file" rather than a registry error.
func looksLikePath(ref string) bool {
	return strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../") ||
		strings.HasSuffix(ref, ".tar") || strings.HasSuffix(ref, ".tar.gz") || strings.HasSuffix(ref, ".tgz")
}

func isLayoutDir(dir string) bool {
	for _, f := range []string{"oci-layout", "index.json"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

func resolveRegistryImage(ctx context.Context, ref string, opts Options, p platform) (*image.Image, error) {
	r, err := resolveRegistry(ctx, ref, opts, p)
	if err != nil {
		return nil, err
	}
	return r.image(ref, KindRegistry), nil
}

func resolveDir(dir string) (*image.Image, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("root file system: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("root file system %s is not a directory", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("root file system %s: %w", dir, err)
	}
	return &image.Image{Name: dir, Source: KindDir, Dir: abs}, nil
}

// resolveArchive opens the archive at path and resolves it as kind, or as
// whatever its content says when kind is empty.
func resolveArchive(ctx context.Context, path, kind string, p platform) (*image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat archive: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("archive %s is not a regular file", path)
	}
	return resolveArchiveFrom(ctx, f, archiveFile{path: path, info: fi}, path, kind, p)
}

// resolveArchiveFrom resolves an archive read through r (the file, or a
// wrapper of it in tests); file reopens it for each Layer.Open.
func resolveArchiveFrom(ctx context.Context, r readerAtSeeker, file archiveFile, name, kind string, p platform) (*image.Image, error) {
	idx, err := indexTar(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", name, err)
	}
	if kind == "" {
		switch {
		case idx.has("manifest.json"):
			kind = KindDockerArchive
		case idx.has("oci-layout") && idx.has("index.json"):
			kind = KindOCIArchive
		default:
			return nil, fmt.Errorf("%s is not an image archive: it has neither manifest.json (docker save) nor oci-layout and index.json (OCI archive)", name)
		}
	}
	var res *resolved
	if kind == KindDockerArchive {
		res, err = resolveDockerArchive(ctx, r, idx, file, p)
	} else {
		res, err = resolveOCIArchive(ctx, r, idx, file, p)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, name, err)
	}
	return res.image(name, kind), nil
}
