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
	// Locations lists every place a language package was found when there is
	// more than one (a lock file and the installed tree): Catalog merges the
	// packages of one type, name and version into one, keeps the lowest
	// (Layer, Path) in the fields above and lists all of them here, sorted.
	// Nil when the package was found in one place.
	Locations []Location `json:"locations,omitempty"`
	// OwnedBy is the package URL of the OS package whose files hold this
	// language package (python3-urllib3 for urllib3's egg-info in
	// /usr/lib/python3/dist-packages; libjackson2-databind-java for
	// /usr/share/java/jackson-databind.jar). Such a package is matched through
	// its owner against the distribution's advisories, never against upstream
	// ones: distributions backport fixes without changing the upstream
	// version. Filled by Catalog from the OS packages' Files.
	OwnedBy string `json:"ownedBy,omitempty"`
	// Confidence is ConfidenceLow when the identity is a guess (a jar known
	// only by its file name); empty otherwise.
	Confidence string `json:"confidence,omitempty"`
	// Files are the paths an OS package installed, as its database lists
	// them (dpkg info/*.list, apk R: lines, rpm file lists), slash-separated
	// without a leading slash. Catalog uses them to set OwnedBy and then
	// drops them; they are never serialized.
	Files []string `json:"-"`
}

// Location is one place a package was found.
type Location struct {
	Layer string `json:"layer,omitempty"`
	Path  string `json:"path"`
}

// ConfidenceLow marks a package whose name or version is inferred, not read
// from metadata.
const ConfidenceLow = "low"

// Package-URL types of the ecosystems vigil catalogs
// (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst).
const (
	TypeDeb      = "deb"
	TypeAPK      = "apk"
	TypeRPM      = "rpm"
	TypeGolang   = "golang"   // Name: module path; Version: "v1.2.3" as go.mod writes it
	TypeNPM      = "npm"      // Name: "lodash" or "@scope/name"
	TypePyPI     = "pypi"     // Name: the project name as declared (normalized only for matching)
	TypeMaven    = "maven"    // Name: "groupId:artifactId"
	TypeNuGet    = "nuget"    // Name: the package ID as declared
	TypeCargo    = "cargo"    // Name: the crate name
	TypeGem      = "gem"      // Name: the gem name
	TypeComposer = "composer" // Name: "vendor/package"
)

// GoStdlib is the Name of the package that stands for the Go standard
// library in a Go binary; its Version is the toolchain's as a module version
// ("go1.22.3" is "v1.22.3", "go1.23rc1" is "v1.23.0-rc.1"), as the Go
// vulnerability database keys standard-library advisories.
const GoStdlib = "stdlib"

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

// ContentCataloger is a Cataloger that also reads executables found by their
// content wherever they are (Go binaries, Rust binaries built with
// cargo-auditable): the image walker keeps, besides the files its Globs name,
// every regular file with an execute bit that starts with an executable
// magic (ELF, Mach-O, PE) and contains one of Markers. Catalog finds them by
// walking fsys (which holds only kept files, so the walk is cheap) and must
// skip files without an execute bit. Catalog runs it after layer 0 and after
// every layer that touched any kept file.
type ContentCataloger interface {
	Cataloger
	// Markers are byte strings of which a kept executable contains at
	// least one (Go: "\xff Go buildinf:"; cargo-auditable: ".dep-v0").
	Markers() [][]byte
}
