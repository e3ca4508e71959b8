// Package version orders package versions the way each distribution's own
// package manager does, so that "is the installed version below the fixed
// one?" gets the distribution's answer. Strings are never compared as
// versions anywhere else in vigil.
//
// One Comparator per ecosystem, chosen by package-URL type with For:
//
//	c, ok := version.For(pkg.Type) // "deb", "apk", "rpm", "npm", "pypi", ...
//	if !ok { ... }                 // no comparator: do not guess
//	r, err := c.Compare(pkg.Version, fixed)
//	if err != nil { ... }          // a bad version, named in err
//	affected := r < 0
//
// The comparators:
//   - Deb: dpkg (epoch, upstream, revision; verrevcmp with '~' first and
//     letters before other characters). The comparison is
//     pault.ag/go/debian/version; the split follows dpkg's parseversion.
//   - APK: apk-tools 3 (digits, one letter, _alpha _beta _pre _rc < none <
//     _cvs _svn _git _hg _p, ~hash, -rN), written here.
//   - RPM: rpmvercmp with '~' and '^', numeric epochs (missing = 0), release
//     after the last '-', written here.
//   - Lang: the language ecosystems (npm, golang, cargo, hex, swift and plain
//     "semver": SemVer 2.0; pypi: PEP 440; maven: ComparableVersion; nuget;
//     gem: Gem::Version; composer), by osv-scalibr's semantic package, the
//     one osv-scanner evaluates OSV ranges with. Its parse is costly (about
//     20 us for a PEP 440 pair): Cached wraps a comparator for a caller that
//     compares the same versions many times.
//
// Compare accepts what the package manager's own comparison accepts, which
// is more than Valid does (dpkg compares versions it warns about; apk
// compares invalid versions; rpmvercmp orders any string), and fails only
// where the tool would refuse. Valid reports the stricter rules, for
// importers that want to flag bad data. Every error wraps ErrInvalid and
// quotes the version.
//
// Comparators are stateless values, safe for concurrent use; Deb, APK and
// RPM's Compare does not allocate. Numeric segments of any length are compared without
// overflow.
//
// Limits: where apk-tools 3 calls two differently invalid versions equal,
// or reads "-r" without a number as invalid, APK follows the public Alpine
// vectors and apk-tools 2 instead (see APK). RPM sorts a version with no
// release before the same version with one; rpm's dependency matching
// would ignore the release there instead.
//
// Tests: the public vectors in ../shared/version-vectors (TestVectors: every
// line of debian, redhat, alpine, pypi, maven, semver, nuget, rubygems and
// packagist), the
// real dpkg and rpm binaries where installed (TestAgainstTools), edge cases,
// fuzz targets FuzzDeb, FuzzAPK, FuzzRPM and BenchmarkCompare.
package version
