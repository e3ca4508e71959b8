// Package image opens container images from any source and streams their
// layers once, safely, into a small file view.
//
// Resolve turns a reference or a path into an Image (manifest and config only).
// Walk streams each layer once, in parallel, verifies its digest, applies
// whiteouts and keeps only the files callers asked for, by path (keep
// patterns) or by content (Config.Markers: executables holding one of some
// byte strings, wherever they are); the resulting View answers what the
// file system looks like after each layer. A root file system directory is
// walked once in place, and its View shows the same kind of kept files,
// read from the directory.
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
// A directory source ("dir": vigil scan rootfs /) is walked once, in
// place, by walkDir; nothing is copied and the cache is not used. Each
// directory is opened from its parent's os.Root (so nothing outside the
// tree is reached even if it changes during the walk) and listed with its
// entries' lstat; symlinked directories are not followed. Not entered:
// the top-level proc, sys and dev of any root (as trivy does by default),
// any directory on another device whose statfs type is a kernel pseudo
// file system (proc, sysfs, cgroup, devpts, debugfs, tracefs, bpf, ...)
// or a network one (NFS, CIFS/SMB), and Config.CacheDir. The walk records
// what a layer walk records: files a keep pattern names, the directories
// and symlinks on the way to them, and executables holding a marker. For
// an ELF file with section headers, the two known markers are decided by
// the section table (".go.buildinfo" for Go's, ".dep-v0" for
// cargo-auditable's): each marker is the start of that section, so this
// is an optimisation with the same result as searching every byte
// (TestDirViewELFShortcut compares both ways; on this host's / both keep
// the same 113 executables, and the section table costs a few hundred
// bytes per file instead of the whole file). Other markers, ELF files
// without section headers, Mach-O and PE files are searched byte by byte
// up to the first hit. MaxEntries and MaxKeptEntries bound the walk;
// MaxFileBytes and MaxKeptBytes do not apply (nothing is copied).
//
// Its View (dirView) shows only what the walk recorded, read from the
// directory itself: ReadDir lists the kept files and the directories and
// symlinks leading to them; Stat and Open go to the file through the
// os.Root; a path not kept is fs.ErrNotExist. Names resolve over the
// record as in a layer view, except that a name a keep pattern matches in
// full (etc/os-release, a *.jar link) is resolved over the real tree when
// the record cannot resolve it, so fixed paths read what their links
// designate. Benchmarks (BenchmarkWalkDir, 2 loaded cores): a synthetic
// tree of 42,000 entries in 0.35 s (0.5 s with markers); this host's /
// (776,000 entries) in ~9-10 s. Each cataloger used to walk the whole
// tree itself: vigil sbom rootfs over a bind mount of this host's / took
// 657 s (274 s user, 364 s sys) and takes 15 s (6 s user, 7.5 s sys),
// listing the same 7,009 packages.
//
// Inspector. Config.Inspector sees every entry of every layer in the same
// pass (secret scanning reads file contents there, permission checks read
// modes), whiteouts and opaque directories included, so files a later
// layer deletes are inspected in the layer that holds them. A file it
// wants that the walk does not read is read by the inspector straight from
// the tar stream; one the walk reads too (a kept file, an executable
// searched for markers) reaches the inspector through a pipe fed by the
// walk's reads, in its own goroutine, and what the walk leaves unread is
// read for it; once the inspector stops reading, nothing more is sent. Its
// per-layer result is opaque bytes stored in index.json; the inspector's
// Key is part of the cache key, so a cached layer answers without opening
// the blob and another inspector configuration misses. A directory source
// shows every entry (proc, sys, dev and pseudo mounts still skipped) and
// opens a file only if the inspector wants it.
//
// The View is an overlay of those per-layer records, looked up top-down, with
// whiteouts, opaque directories and non-directories hiding lower entries.
// Symlinks resolve with chroot semantics (absolute targets restart at the
// root, ".." stops there, 40 hops); a directory source uses the same resolver
// over an os.Root. Limits: a symlink's target is visible only if the target's
// own path matches a keep pattern; a hardlink to a file that was not kept is
// skipped with a warning; with "**/" patterns, whiteouts of directories above
// the "**" part are not recorded.
