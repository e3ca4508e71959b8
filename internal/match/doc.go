// Package match turns an inventory and the vulnerability database into
// findings: for each package it picks the ecosystem and the name the
// distribution's advisories use (Debian source package per release, Alpine
// origin per branch, source rpm name per Azure Linux release, OSV ecosystems for
// language packages), compares versions only with that ecosystem's
// comparator, merges advisories that name the same vulnerability, and marks
// what CISA lists as exploited.
//
// Usage:
//
//	findings, err := match.Match(ctx, db, inv, match.Options{Logger: log})
//	findings = match.Filter(findings, match.FilterOptions{MinSeverity: match.SeverityHigh, IgnoreUnfixed: true})
//	fmt.Println(match.Summary(findings)) // "Total: 3 (critical: 1, high: 2, ...)"
//
// What a package is looked up as (ecosystem, name, version):
//   - deb on Debian: "Debian:<major>" (VERSION_ID "11.7" is 11; without one,
//     the codename: bookworm 12, trixie 13, sid/unstable "sid"), the source
//     package and the source version (a binNMU's "+bN" binary version is
//     not what advisories compare).
//   - deb on Ubuntu: "Ubuntu:<VERSION_ID>", both the binary name and version
//     (USN OVAL lists binaries) and the source name and version (OSV's
//     Ubuntu records use sources); a vulnerability found both ways is one
//     finding.
//   - apk on Alpine: "Alpine:v<major.minor>" ("Alpine:edge" for an _alpha
//     or edge VERSION_ID), the origin, the package's version.
//   - rpm on Azure Linux / CBL-Mariner: "Azure Linux:3.0", "CBL-Mariner:2.0",
//     the source rpm (spec) name, which the OVAL names, and also the binary
//     name, each with the binary's [epoch:]version-release (a missing epoch
//     is 0).
//   - language packages: the OSV ecosystem of the package type ("Go", "npm",
//     "PyPI", "crates.io", "Maven", "RubyGems", "NuGet", "Packagist"), the
//     name (the store compares names as the ecosystem does: PEP 503 for
//     PyPI, case-insensitive NuGet, Packagist and crates.io; see
//     internal/pkgname) and the version, ordered by that ecosystem's rules
//     (internal/version.Lang). Go versions drop the "v"; the standard
//     library is the package "stdlib" at the toolchain's version. Not
//     matched upstream: a package installed by an OS package (OwnedBy: the
//     distribution's advisories on the owner are the truth, since it
//     backports fixes without changing the upstream version), a Go module
//     without a release version ("(devel)"), a Maven artifact without a
//     group (a jar known only by its file name).
//
// Each package is skipped, not failed, when its ecosystem is unknown.
//
// Ranges follow the OSV schema: events are taken in version order (not in
// listed order); a version is affected when the last event at or below it
// is an introduced ("0" is the start), a fixed at or below it or a
// last_affected below it ends that; at equal versions fixed wins. limit
// events and GIT ranges are ignored. The explicit versions list matches by
// equal string or, for deb, apk and rpm, equal by the comparator. An entry
// with neither ranges nor versions affects every version. An entry holding
// a version the comparator refuses is skipped with a Debug record.
//
// Status: an affected version with a fixed event above it is StatusFixed
// (FixedVersion the lowest such event of that range); without one it is
// StatusUnfixed, as are the database's unfixed entries; wont-fix and
// end-of-life entries keep their status. A not-affected entry is never a
// finding and vetoes the same vulnerability from other advisories of the
// same source for that package in that ecosystem (Alpine's "0" key); other
// sources still report it.
//
// IDs and merging: a finding's ID is the advisory's when it is a CVE, else
// each of its CVE aliases (a DSA or USN with three CVEs gives three
// findings), else the advisory's own ID. Findings for one package (type,
// name, version, path) and one ID merge: aliases, advisories, sources and
// reasons are unioned; a fix from any source wins over unfixed, and where
// sources give different fixed versions the highest is kept (the one every
// source agrees is fixed). Severity: the distribution's own rating (DISTRO:
// Debian urgency, Ubuntu priority, Azure Linux label; the package's before
// the advisory's, the highest across sources) wins; else the highest CVSS
// base score (v2, v3.0, v3.1, v4.0, scored with github.com/pandatix/go-cvss;
// a vector that does not parse is ignored) mapped as NVD does: >= 9
// critical, >= 7 high, >= 4 medium, >= 0.1 low. The ID and each CVE alias
// is checked against the KEV catalogue.
//
// Performance: within one Match every (ecosystem, name) is looked up once,
// every advisory decoded once and every (ecosystem, name, version)
// evaluated once, so the binaries of one source package cost one
// evaluation. See BenchmarkMatch1000.
//
// Sort, Filter and Summary serve the reports: Sort puts exploited and
// fixable findings first; Filter drops findings below a severity (unknown
// severity is kept only without a threshold) or without a fix.
package match
