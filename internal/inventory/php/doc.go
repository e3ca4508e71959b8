// Package php catalogs the Composer packages of PHP applications.
//
// It reads two files wherever they are (globs "**/composer.lock" and
// "**/vendor/composer/installed.json"):
//
//   - composer.lock: the "packages" and "packages-dev" arrays. Dev packages
//     are reported too: `composer install` without --no-dev installs them,
//     and a lock file cannot say which way the image was built.
//   - vendor/composer/installed.json, what Composer installed: a JSON array
//     of packages (Composer 1) or {"packages": [...], "dev": bool}
//     (Composer 2). Every package listed is installed and reported.
//
// Each package gives Name ("vendor/package", as written), Version and
// Licenses (the "license" array of SPDX identifiers or expressions, or one
// string in old packages). Versions are normalised in one way: a leading
// "v" or "V" followed by a digit is dropped ("v5.4.1" is "5.4.1"), since
// Packagist and GitHub advisories and Composer's own normalised versions
// write them so. Development branches ("dev-main", "2.x-dev") are not
// releases, no advisory range names them, and they are skipped (logged at
// Debug).
//
// Usage:
//
//	c := php.New(logger)
//	pkgs, err := c.Catalog(ctx, fsys)
//
// Finding the files: the globs start with "**/", so Catalog walks fsys and
// reads the regular files they match. On an image view that walk is cheap
// (the view holds only the files some cataloger keeps); on a root file
// system directory it visits every directory once.
//
// Hostile input: each file is read whole up to Config.MaxFileSize, its JSON
// nesting is checked against Config.MaxDepth before decoding (encoding/json
// alone allows 10,000 levels), and its packages are capped
// (Config.MaxEntries); so are the files read per Catalog (Config.MaxFiles).
// Each package is decoded on its own, so one of the wrong type, with an
// invalid name or version, loses only itself; a bad "license" loses only
// the licences. A file that breaks a limit, is not JSON or whose package
// list is not an array is logged with its path and skipped; the first ten
// bad entries of a file are logged, the rest counted. Catalog fails only
// when ctx ends or fsys fails.
//
// Not read: composer.json (constraints, not versions); installed.php (the
// same data as installed.json in PHP syntax); a vendor directory renamed
// by "vendor-dir" (its installed.json is not under vendor/composer); the
// platform and extension requirements ("php", "ext-json"); "replace" and
// "provide" (virtual packages); the PHP runtime itself (an OS package).
// PURLs, layers and locations are filled by inventory.Catalog.
package php
