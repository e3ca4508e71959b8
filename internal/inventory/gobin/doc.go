// Package gobin catalogs the Go modules compiled into Go binaries, from the
// build information the Go linker embeds (read with debug/buildinfo, as
// "go version -m" does).
//
// It is an inventory.ContentCataloger: it declares no globs but the marker
// "\xff Go buildinf:", so the image walker keeps every executable holding
// it, and Catalog walks the kept files. Each regular file with an execute bit
// and an ELF, PE or Mach-O magic is read; for a Go binary it reports, all
// with Type golang and Path the binary's path:
//
//   - the main module, Version as recorded: "(devel)" for a build from a
//     working tree (kept; matching skips versions that are not SemVer);
//   - every dependency at its go.mod version ("v1.2.3"); a dependency
//     replaced by another module version is reported as the replacement,
//     one replaced by a directory as the original path at "(devel)";
//   - the standard library as inventory.GoStdlib, at the toolchain version
//     as a module version (StdlibVersion: "go1.21rc2" is "v1.21.0-rc.2");
//     a development toolchain ("devel ...") gives no stdlib package.
//
// Usage:
//
//	c := gobin.New(logger)
//	pkgs, err := c.Catalog(ctx, fsys)
//
// Hostile input: files are read through io.ReaderAt bounded to their size
// (the image view's files are os.File backed); an fs.FS without ReadAt is
// read into memory up to Config.MaxFileSize. Binaries past MaxFileSize
// (512 MiB), binaries listing more than MaxModules dependencies and
// executables past MaxBinaries are skipped with a warning. debug/buildinfo
// reads only the headers, the data segment in 1 MiB chunks and the two
// strings, with allocations bounded by the file's size. A file that is no Go
// binary is skipped quietly (Debug); a Go binary whose module information
// does not parse is skipped with a warning. Catalog fails only when a
// directory of fsys cannot be read and when ctx ends.
//
// Limits: binaries built before Go 1.13 (no module information) give only
// the stdlib package when they have build information at all; the VCS
// settings and build flags are not reported; stripped-down binaries whose
// build information was removed (upx, garble) are not recognized. A test
// binary ("go test -c") records its main module but no dependencies.
package gobin
