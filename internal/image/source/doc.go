// Package source resolves a reference or a path to an image.Image: a registry
// reference, a docker-save tarball, an OCI archive, an OCI layout directory or
// a root file system directory. It reads manifests and configs only; layers are
// streamed later by image.Walk through Layer.Open.
//
// Usage:
//
//	img, err := source.Resolve(ctx, "alpine:3.20", source.Options{Platform: "linux/arm64"})
//
// What Resolve guarantees, per source kind:
//
//   - registry: the tag is resolved once; Image.Digest is the manifest digest
//     of the chosen platform and every later request is by digest. Layer.Digest
//     and Size come from the manifest, DiffID from the config. Open streams the
//     compressed blob through the same authenticated client (go-containerregistry
//     also checks the digest at the end of the stream).
//   - oci-layout, oci-archive: index.json is a list of images; one image is
//     taken whatever its platform (unless a platform was asked for explicitly),
//     several are chosen among by platform, nested indexes are descended.
//     Manifest and config digests and sizes are verified; layer blobs are checked
//     to be present with the stated size, not read.
//   - docker-archive (docker save, classic and Docker 25+): manifest.json names
//     the config and the layer files. Layer.Digest is known when the file name
//     is content-addressed (blobs/sha256/HEX) or the layer is uncompressed (it
//     then equals DiffID); otherwise it is empty and the walker verifies DiffID.
//     MediaType is sniffed from the first bytes of the blob (gzip, zstd or
//     uncompressed); empty for other compressions. Image.Digest is set only
//     when the archive also carries an OCI index that names the image.
//   - dir: Image{Source: "dir", Dir: absolute path}; no layers, no config.
//
// Archives are never extracted: their tar headers are indexed once and each
// Open reads its entry through an io.SectionReader on a descriptor of its own,
// so layers can be streamed in parallel. Names inside manifest.json and
// index.json are untrusted: paths that escape, missing blobs, duplicated names,
// links out of the archive, oversized JSON (limits: 4 MiB manifests, 16 MiB
// configs) and digest or size mismatches are errors.
//
// Limits: layers of non-distributable ("foreign") media types are kept and
// not checked for presence; their Open fails clearly when the blob is absent
// (vigil never fetches a layer's external URLs). Layers of unknown media types
// are kept as they are; the walker decides. Manifests whose config is not an
// image config (Helm charts, other OCI artifacts) and Docker schema 1
// manifests are errors. As in go-containerregistry, registries on localhost,
// loopback and private addresses may be reached over plain HTTP even without
// InsecureUnsafe.
package source
