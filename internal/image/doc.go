// Package image opens container images from any source and streams their
// layers once, safely, into a small file view.
//
// Resolve turns a reference or a path into an Image (manifest and config only).
// Walk streams each layer once, in parallel, verifies its digest, applies
// whiteouts and keeps only the files callers asked for, by path (keep
// patterns) or by content (Config.Markers: executables holding one of some
// byte strings, wherever they are); the resulting View answers what the
// file system looks like after each layer.
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
// and the sorted keep patterns, and the sorted markers when there are any
// (so a walk without markers shares the entries of walks that predate
// them, and one with other markers misses). index.json beside the contents
// records the markers and the
// kept files, the symlinks, directories and whiteouts above them. A later walk
// loads that index and never opens the blob; an index that does not parse or
// contents whose size differ are a miss, logged, and rewritten.
//
// Markers. A regular entry no pattern keeps, with an execute bit and at
// least 128 bytes, costs a 4-byte read; unless that is an ELF, Mach-O
// (0xcafebabe included: it is also a Java class, which has no execute bit)
// or PE magic, the rest is skipped unread. An executable up to 1 MiB is
// read into a per-layer buffer and searched, and written to the cache only
// if it holds a marker; a bigger one is written while searched (the last
// longest-marker-1 bytes carried across chunks) and removed if it holds
// none. A kept one is an ordinary kept file (Touched, MaxKeptEntries,
// hardlinks to it are kept too), marked "c" in the index; one over
// MaxFileBytes, or past MaxKeptBytes, is searched without being written and,
// if it holds a marker, skipped with a warning: the layer is not refused
// for a file nobody named. Since any path may then hold a kept file of a
// lower layer, every whiteout and opaque directory is recorded. Limit: a
// content-kept file replaced in a higher layer by an entry that is not kept
// (a file without marker, a link, a directory) stays visible below it;
// removed (whiteout) it is gone. Benchmark (BenchmarkWalkMarkers): 200
// executables of 1 MiB on average, 5 with a marker, cost ~0.05 s more CPU
// per walk than without markers (~0.7 s).
//
// A directory source is not walked: its View shows every file as it is,
// so executables holding a marker are there with no work at Walk; a
// ContentCataloger reading them should read sections (debug/buildinfo,
// debug/elf), not whole files: on a host's / (3,400 executables, 3.7 GB),
// searching every byte takes 12 s warm and 40 s cold, looking up the
// ".go.buildinfo" and ".dep-v0" sections 0.25 s and 1.8 s.
//
// The View is an overlay of those per-layer records, looked up top-down, with
// whiteouts, opaque directories and non-directories hiding lower entries.
// Symlinks resolve with chroot semantics (absolute targets restart at the
// root, ".." stops there, 40 hops); a directory source uses the same resolver
// over an os.Root. Limits: a symlink's target is visible only if the target's
// own path matches a keep pattern; a hardlink to a file that was not kept is
// skipped with a warning; with "**/" patterns, whiteouts of directories above
// the "**" part are not recorded.
