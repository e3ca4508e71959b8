// Package files checks the entries of an image's layers for risky file
// modes and leftovers, in the spirit of the CIS Docker Benchmark. It sees
// only what a layer's tar headers say (path, type, mode, owner, size), never
// file contents, so it runs in the image walk's single pass.
//
// Rules (Kind finding.KindImage, Location{Layer, Path}):
//
//   - VGL-IMG-SETUID: a regular file (or hard link) with the setuid bit.
//     Medium when owned by root (UID 0) and executable, else low.
//   - VGL-IMG-SETGID: a regular file (or hard link) with the setgid bit.
//     Medium when its group is root (GID 0) and it is executable, else low
//     (Debian's shadow-group helpers are low). Setgid directories are
//     normal (group inheritance) and never flagged.
//   - VGL-IMG-WORLD-WRITABLE-DIR: a directory writable by others without
//     the sticky bit (a 1777 /tmp is fine). Medium.
//   - VGL-IMG-WORLD-WRITABLE-FILE: a regular file (or hard link) writable by
//     others. Medium. Symbolic links (always 0777) and device nodes are
//     never flagged.
//   - VGL-IMG-PKG-CACHE: package-manager caches left behind, one finding
//     per cache directory per layer, aggregated ("apt package lists left in
//     the image: 12 files, 34.5 MB"), Path the cache directory. Low. Only
//     regular files count, and a cache is reported only when it holds at
//     least one non-empty file. Caches: apt (var/cache/apt/archives/*.deb,
//     var/cache/apt/*.bin, var/lib/apt/lists/* but lock and the partial/
//     and auxfiles/ folders), apk (var/cache/apk, etc/apk/cache), yum and
//     dnf (var/cache/yum, var/cache/dnf), pip, npm, yarn and the Go build
//     cache (root/.cache/pip, root/.npm/_cacache, root/.cache/yarn,
//     usr/local/share/.cache/yarn, root/.cache/go-build, and the same under
//     home/USER/).
//
// Usage: one Checker per scan (safe for concurrent use); one Layer per
// image layer, fed every entry in tar order from one goroutine:
//
//	c, err := files.New(files.Options{})
//	l := c.Layer(diffID)
//	for each entry e { l.Entry(e) }
//	fs := l.Findings()
//
// Checker.Key names the rule set version and the options; it is part of a
// layer cache key, so it changes whenever results could.
//
// Limits: a layer is judged alone. Whiteout and opaque entries are ignored
// (the caller marks findings whose file a later layer deletes), and a
// cache emptied by a later layer is still reported for the layer that left
// it. Memory is bounded: at most Options.MaxFindings findings per rule per
// layer, then one summary finding ("and N more") with an empty Path. A path
// that a layer's tar holds twice is judged at each occurrence.
package files
