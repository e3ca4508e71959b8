// Package pkgname says which advisory ecosystem a package type belongs to and
// how package names compare in it, so that the vulnerability index, the
// matcher and the inventory agree on when two names are the same package.
//
//	eco, ok := pkgname.Ecosystem("pypi")          // "PyPI", true
//	key := pkgname.Normalize(eco, "Typing_Extensions") // "typing-extensions"
//
// Rules (each ecosystem's own): PyPI per PEP 503 (lower case, runs of "-",
// "_" and "." are one "-"); NuGet package IDs, Packagist "vendor/package"
// names and crates.io crate names are case-insensitive (lower case);
// npm, Go module paths, RubyGems, Maven "group:artifact" and distribution
// package names compare exactly.
package pkgname
