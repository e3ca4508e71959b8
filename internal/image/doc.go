// Package image opens container images from any source and streams their
// layers once, safely, into a small file view.
//
// Resolve turns a reference or a path into an Image (manifest and config only).
// Walk streams each layer once, in parallel, verifies its digest, applies
// whiteouts and keeps only the files callers asked for; the resulting View
// answers what the file system looks like after each layer.
//
// Layers are hostile input: paths are cleaned and confined to the image root,
// symlinks resolve inside it, and size, ratio and entry limits bound what a
// layer can cost. Nothing is written outside Config.CacheDir.
package image

// Design notes.
//
// A walk reads each layer blob once: sha256 over the raw bytes (or over the
// decompressed tar when only the DiffID is known), compression found by magic
// bytes (gzip and zstd via klauspost/compress, else plain tar), archive/tar
// over the result. Entries that match no keep pattern and lead to none cost
// no state. Kept contents go to files named f0, f1, ... in a directory of the
// walk's temporary area, which is renamed into CacheDir/layers/<key> once the
// digest verified; <key> hashes the cache format version, the verified digest
// and the sorted keep patterns. index.json beside the contents records the
// kept files, the symlinks, directories and whiteouts above them. A later walk
// loads that index and never opens the blob; an index that does not parse or
// contents whose size differ are a miss, logged, and rewritten.
//
// The View is an overlay of those per-layer records, looked up top-down, with
// whiteouts, opaque directories and non-directories hiding lower entries.
// Symlinks resolve with chroot semantics (absolute targets restart at the
// root, ".." stops there, 40 hops); a directory source uses the same resolver
// over an os.Root. Limits: a symlink's target is visible only if the target's
// own path matches a keep pattern; a hardlink to a file that was not kept is
// skipped with a warning; with "**/" patterns, whiteouts of directories above
// the "**" part are not recorded.
