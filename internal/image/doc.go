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
