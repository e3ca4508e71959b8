// Package npm catalogs the npm packages of an image (inventory.TypeNPM)
// from lock files and from the installed node_modules tree.
//
// Files read (Globs), anywhere in the tree:
//
//   - package-lock.json, npm-shrinkwrap.json and the hidden lock file
//     node_modules/.package-lock.json. lockfileVersion 2 and 3: the keys of
//     "packages" ("node_modules/a/node_modules/@s/b" is @s/b, unless the entry
//     has a "name": an alias install reports the real package); the root ""
//     entry, "link": true entries and workspace folders (keys outside
//     node_modules) are skipped; version 2's "dependencies" is not read.
//     lockfileVersion 1: the nested "dependencies" maps, bundled ones
//     included; an alias version "npm:real@1.2.3" is the real package.
//     The licence of a v2/v3 entry is kept when the entry states it.
//   - yarn.lock: v1 (its own line format, streamed) and berry (v2+, YAML with a
//     __metadata key). Names come from the descriptors (v1) or the resolution
//     (berry); npm: aliases report the real package, berry patch: entries the
//     patched one; workspace:, link:, portal:, file: and exec: entries are
//     the project's own and skipped.
//   - pnpm-lock.yaml, lockfileVersion 5.x ("/name/1.2.3_peer"), 6.x
//     ("/name@1.2.3(peer@x)") and 9.x ("name@1.2.3"): the keys of "packages"
//     only, peer suffixes dropped.
//   - node_modules/<name>/package.json and node_modules/@scope/<name>/package.json
//     at any depth (pnpm's node_modules/.pnpm/<id>/node_modules/<name> too):
//     name, version and licence ("license" as a string or {"type": ...}, or
//     the legacy "licenses" array). A file without both name and version is
//     no package. The project's own package.json (not under node_modules) is
//     never read.
//
// Only packages from a registry are reported: a locked version that is not
// a plain SemVer (a git spec, tarball URL or "file:" path) is skipped and
// logged at Debug level (yarn records a git or tarball dependency under the
// version of its package.json; such an entry is reported with it). A package is reported once per file (the same name
// and version twice in one file is one package); one found in a lock file
// and in node_modules is reported for each, and inventory.Catalog merges
// them. Path is the file read; Layer and PURL are left to inventory.Catalog.
//
// Usage:
//
//	c := npm.New(logger)
//	pkgs, err := c.Catalog(ctx, fsys)
//
// Hostile input: every file is capped in bytes (Config.MaxLockSize, 64 MiB,
// for JSON lock files and yarn v1; MaxYAMLSize, 16 MiB, for pnpm and yarn
// berry, whose YAML node tree costs about 25 times the file's size; and
// MaxManifestSize, 1 MiB, package.json being decoded as a stream) and in
// packages (MaxPackages); v1 nesting deeper than MaxDepth (64) is not read
// and warned about; YAML is refused before parsing when it may hold more than
// MaxYAMLNodes nodes and when it has anchors or aliases (lock files have
// none); MaxFiles and MaxTotalBytes bound one Catalog call. A malformed,
// oversized or hostile file is logged as a warning and skipped, a malformed
// entry costs only itself, and at most MaxWarnings warnings are logged per
// file. Catalog fails only when ctx ends or the file system fails.
//
// Not read, on purpose: the project's own package.json and its ranges
// (only resolved versions identify a package), pnpm's hidden
// node_modules/.pnpm/lock.yaml (its packages are installed under
// node_modules/.pnpm/*/node_modules, which is read), yarn PnP archives
// (.yarn/cache/*.zip), bower.json, npm's cache (~/.npm/_cacache) and
// bundled copies of packages inside JavaScript bundles.
package npm
