// Package filelist gathers the Files of the OS packages of one Catalog run:
// it checks each path an installed-package database lists and keeps it within
// the run's caps, in one shared string per package.
//
// Usage, in a cataloger: make one Builder per run with New(Config.MaxFiles,
// Config.MaxFilesBytes); for each package, Add its paths (relative, without
// the leading slash) and take them with Files. Add reports why a path is
// dropped (Problem's reason) or that the run's budget is spent; the cataloger
// logs both, with its own wording. Reset discards the paths of a package that
// is itself dropped.
//
// Limits: a kept path is non-empty, at most MaxPath bytes (Linux PATH_MAX),
// without NUL, and clean: no empty, "." or ".." element, so no "//", no
// leading or trailing "/" and no way out of the root. Once a path does not fit
// in what is left of the run's paths or bytes, the budget is spent and no
// later path is kept, so a cataloger can stop reading file lists. Paths are not
// checked against the file system and not deduplicated.
//
// Cost: the paths of one package are copied into one reused buffer; Files makes
// one string and one slice of substrings of it, two allocations per package.
package filelist
