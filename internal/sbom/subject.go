package sbom

import (
	"path"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// subject is the scanned artifact as the documents describe it.
type subject struct {
	// image is false for a root file system directory.
	image bool
	// name is the reference or path as given.
	name string
	// short is the image's repository name without registry, tag or digest
	// (lower case), or the directory's base name.
	short string
	// repo and tag come from a registry reference.
	repo, tag string
	// digest is the manifest digest ("sha256:..."); hexDigest its hex part
	// when the algorithm is sha256.
	digest, hexDigest string
	// purl is pkg:oci/... for an image whose digest is known.
	purl string
}

// kinds of inventory.Source.Kind (from the image source package).
const (
	kindRegistry = "registry"
	kindDir      = "dir"
)

func describeSource(s inventory.Source) subject {
	sub := subject{image: s.Kind != kindDir, name: s.Name, digest: s.Digest}
	if alg, h, ok := strings.Cut(s.Digest, ":"); ok && alg == "sha256" && len(h) == 64 && isLowerHex(h) {
		sub.hexDigest = h
	}
	ref := s.Name
	for _, p := range []string{"registry:", "docker-archive:", "oci-archive:", "oci:", "dir:"} {
		if r, ok := strings.CutPrefix(ref, p); ok {
			ref = r
			break
		}
	}
	if !sub.image {
		sub.short = path.Base(strings.TrimRight(strings.ReplaceAll(ref, "\\", "/"), "/"))
		if sub.short == "." || sub.short == "/" {
			sub.short = "rootfs"
		}
		return sub
	}
	if s.Kind == kindRegistry {
		sub.repo, sub.tag = splitReference(ref)
		sub.short = strings.ToLower(path.Base(sub.repo))
	} else {
		base := path.Base(strings.TrimRight(ref, "/"))
		for _, ext := range []string{".tar.gz", ".tgz", ".tar"} {
			if b, ok := strings.CutSuffix(base, ext); ok {
				base = b
				break
			}
		}
		sub.short = strings.ToLower(base)
	}
	if sub.short == "" || sub.short == "." || sub.short == "/" {
		sub.short = "image"
	}
	if s.Digest != "" {
		q := packageurl.Qualifiers{}
		if _, arch, ok := strings.Cut(s.Platform, "/"); ok {
			arch, _, _ = strings.Cut(arch, "/")
			q = append(q, packageurl.Qualifier{Key: "arch", Value: arch})
		}
		if sub.repo != "" {
			q = append(q, packageurl.Qualifier{Key: "repository_url", Value: sub.repo})
		}
		if sub.tag != "" {
			q = append(q, packageurl.Qualifier{Key: "tag", Value: sub.tag})
		}
		slices.SortFunc(q, func(a, b packageurl.Qualifier) int { return strings.Compare(a.Key, b.Key) })
		sub.purl = packageurl.NewPackageURL("oci", "", sub.short, s.Digest, q, "").ToString()
	}
	return sub
}

// splitReference splits a registry reference into its repository (with the
// registry host, Docker Hub's made explicit) and its tag; a digest is dropped.
func splitReference(ref string) (repo, tag string) {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref, tag = ref[:i], ref[i+1:]
	}
	first, rest, hasSlash := strings.Cut(ref, "/")
	switch {
	case !hasSlash:
		ref = "docker.io/library/" + ref
	case !strings.ContainsAny(first, ".:") && first != "localhost":
		ref = "docker.io/" + ref
	case first == "index.docker.io" || first == "registry-1.docker.io":
		ref = "docker.io/" + rest
		if !strings.Contains(rest, "/") {
			ref = "docker.io/library/" + rest
		}
	}
	return ref, tag
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
