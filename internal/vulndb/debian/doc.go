// Package debian imports the Debian security tracker's advisory lists:
// data/DSA/list (Debian Security Advisories) and data/DLA/list (Debian LTS
// Advisories) from salsa.debian.org/security-tracker-team/security-tracker.
//
// Each entry is a header "[07 Feb 2023] DSA-5343-1 openssl - security update",
// an optional "{CVE-...}" list, then "[bullseye] - openssl 1.1.1n-0+deb11u4"
// lines, a status marker in place of the version (<not-affected>, <unfixed>,
// <no-dsa>, <ignored>, <postponed>, <end-of-life>, <removed>) and NOTE:
// lines. ParseDSAList and ParseDLAList emit one vulndb.Advisory per entry, in
// file order: ID "DSA-5343-1", Aliases the CVEs, Published the date,
// Summary the title, and one Affected per release line with ecosystem
// "Debian:11" (Ecosystem maps codenames buzz … forky, duke and sid),
// package = the source package and an ECOSYSTEM range {introduced "0",
// fixed <version>}, or the marker's status. An urgency among the line's
// notes ("(bug #332524; medium)") becomes a DISTRO severity on that entry.
//
// Usage:
//
//	err := debian.ParseDSAList(ctx, f, "data/DSA/list", emit, problem)
//
// Hostile input: at most MaxFileSize bytes are read, lines through a fixed
// MaxLine buffer; binary or non-UTF-8 lines are refused. A header that
// cannot be read (bad or pre-1993 date, an ID of the wrong list) drops its
// entry with one *vulndb.Problem; a body line that cannot be read (unknown
// release, version dpkg rejects, bad package name, junk) drops that line
// with a Problem and the entry is still emitted. The one malformed line in
// the real DSA list (DSA-423, package name where the version goes) is such a
// Problem.
//
// Limits: data/CVE/list (per-CVE status of every package, with unfixed,
// no-dsa and not-affected per release) and the tracker's JSON export
// (security-tracker.debian.org/tracker/data/json) are not read yet: neither
// is in the shared data snapshot. A DSA that names several packages in its
// title gives them only through its release lines.
package debian
