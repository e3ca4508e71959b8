// Package rust catalogs Rust crates from Cargo.lock files and from binaries
// built with cargo-auditable.
//
// Lock files: every **/Cargo.lock, of any format version (1: checksums in a
// [metadata] table; 2: checksums inline; 3 and 4: "version = N" at the top),
// parsed with github.com/BurntSushi/toml. Every [[package]] is reported with
// its name and version: registry crates, git crates, and the workspace
// members and path dependencies (no source).
//
// Binaries: Catalog is an inventory.ContentCataloger with the marker
// ".dep-v0", so the image walker keeps executables naming that section, and
// Catalog finds the kept files with inventory.Find. For each regular file
// with an execute bit it finds the section .dep-v0 (ELF via debug/elf, PE
// via debug/pe, Mach-O section .dep-v0 of segment __DATA via debug/macho,
// first architecture of a fat file), zlib-decompresses it and decodes the
// JSON {"packages": [{"name", "version", "source", "kind",
// "dependencies", "root"}]}. Every package whose source is crates.io,
// registry, git or local is reported, build dependencies included;
// "builtin" (the standard library) is skipped. Path is the lock file or the
// binary.
//
// Usage:
//
//	c := rust.New(logger)
//	pkgs, err := c.Catalog(ctx, fsys)
//
// Hostile input: a lock file is capped at Config.MaxLockSize (16 MiB) and
// its nesting at 32 levels (brackets and dotted keys), checked by
// package nesting before parsing (the TOML parser recurses per level without
// a limit, and is quadratic in the parts of a key); the .dep-v0 section at
// MaxAuditCompressed (8 MiB) and its decompressed data at MaxAuditData
// (8 MiB, as rust-audit-info), so a zlib bomb stops at the cap; packages
// per file at MaxPackages; executables at MaxFileSize, and the files
// examined, executables and lock files together, at MaxBinaries. A
// malformed, oversized or hostile file is logged with its path and skipped;
// a malformed entry (wrong type, bad name or version, unknown source) loses
// only itself, with one warning per file. Names and versions are checked
// for what would break a PURL (spaces, control bytes, "/", "@"). Catalog
// fails only when fsys fails and when ctx ends.
//
// Limits: Cargo.toml manifests (ranges, not versions) are not read; the
// dependency graph of the audit data is not used (every package counts,
// reachable or not); executables built without cargo-auditable carry no
// crate list and give nothing. Within one file a crate is reported once
// per name and version, whatever its sources.
package rust
