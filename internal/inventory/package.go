package inventory

import (
	"context"
	"io/fs"
)

// Package is one installed package, as a package manager records it.
// It is plain data: every field is filled by the cataloger that found it,
// except Layer and PURL, which Catalog fills.
type Package struct {
	// Name is the binary package name as the package manager knows it.
	Name string `json:"name"`
	// Version is the full version in the ecosystem's own syntax:
	// dpkg "[epoch:]upstream[-revision]", apk "1.2.3-r4",
	// rpm "[epoch:]version-release".
	Version string `json:"version"`
	// Arch is the architecture recorded by the package manager ("amd64", "x86_64", "noarch").
	Arch string `json:"arch,omitempty"`
	// SourceName and SourceVersion name the source package it was built from
	// (dpkg Source, apk origin, rpm SOURCERPM). Empty when the database does not say.
	SourceName    string `json:"sourceName,omitempty"`
	SourceVersion string `json:"sourceVersion,omitempty"`
	// Licenses as declared (SPDX expressions or free text), in database order.
	Licenses []string `json:"licenses,omitempty"`
	// Type is the package-URL type of the ecosystem: "deb", "apk", "rpm", ...
	Type string `json:"type"`
	// PURL is the package URL (https://github.com/package-url/purl-spec).
	PURL string `json:"purl"`
	// Layer is the digest (diff ID) of the image layer that introduced the package;
	// empty for a root file system directory.
	Layer string `json:"layer,omitempty"`
	// Path is the file the package was read from, slash-separated and relative to
	// the image root without a leading slash ("var/lib/dpkg/status").
	Path string `json:"path"`
}

// Distro is the operating system of an image, from os-release or its fallbacks.
type Distro struct {
	// ID is the os-release ID ("debian", "alpine", "azurelinux", "ubuntu", ...).
	ID string `json:"id"`
	// VersionID is the os-release VERSION_ID ("11", "3.20.3", "3.0").
	VersionID string `json:"versionID,omitempty"`
	// Codename is VERSION_CODENAME ("bullseye"), where known.
	Codename   string   `json:"codename,omitempty"`
	IDLike     []string `json:"idLike,omitempty"`
	Name       string   `json:"name,omitempty"`
	PrettyName string   `json:"prettyName,omitempty"`
	// Path is the file the distribution was read from.
	Path string `json:"path,omitempty"`
}

// Cataloger finds packages of one kind in a file system.
//
// Globs declares every file the cataloger may read, as slash-separated patterns
// relative to the root with no leading slash, in path.Match syntax; a leading
// "**/" matches any number of directories. The image walker keeps only files
// that match some cataloger's globs, so a cataloger sees nothing else: it must
// not walk the tree. Catalog must not retain fsys after it returns.
type Cataloger interface {
	Name() string
	Globs() []string
	Catalog(ctx context.Context, fsys fs.FS) ([]Package, error)
}
