// Package debian imports the Debian security tracker
// (salsa.debian.org/security-tracker-team/security-tracker): its advisory
// lists data/DSA/list (Debian Security Advisories) and data/DLA/list
// (Debian LTS Advisories), its per-CVE file data/CVE/list, and its JSON
// export.
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
//	err = debian.ParseCVEList(ctx, f, "data/CVE/list", emit, problem)
//	err = debian.ParseJSON(ctx, f, "data.json", emit, problem)
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
// Limits: a DSA that names several packages in its title gives them only
// through its release lines.
//
// # data/CVE/list
//
// ParseCVEList reads the per-CVE file: a header "CVE-2023-0286 (description
// ...)" at column 0, then indented lines "{DSA-5343-1 DLA-3325-1}" (the
// advisory's Aliases), "- openssl 3.0.8-1 (bug #1; high)" (unstable) and
// "[bullseye] - openssl 1.1.1n-0+deb11u4", and RESERVED, REJECTED,
// NOT-FOR-US:, NOTE: and TODO: lines. It emits one Advisory per CVE that
// names a package, in file order, ID the CVE, one Affected per (release,
// source package). Statuses: a version gives an ECOSYSTEM range {introduced
// "0", fixed V}; version "0" and <not-affected> give StatusNotAffected;
// <unfixed>, <postponed> and <undetermined> StatusUnfixed; <no-dsa> and
// <ignored> StatusWontFix; <end-of-life> StatusEndOfLife; <itp> no entry.
// The tracker's rule that a release without its own line follows unstable
// is applied to InheritingReleases (bullseye, bookworm, trixie): each gets a
// copy of the unstable entry unless it has a line of its own. <removed> in
// unstable gives no sid entry, and the inheriting releases get
// StatusUnfixed, as the tracker shows a release that still ships the
// package and has no line of its own; "[release] - pkg <removed>" gives no
// entry for that release. The urgency of the unstable line's notes
// (unimportant, low, medium, high) becomes a DISTRO severity on every entry
// of the package without an urgency of its own.
//
// Not emitted: CVE-YYYY-XXXX placeholders (no stable ID: the JSON export
// calls them TEMP-...), RESERVED and NOT-FOR-US entries without packages,
// and REJECTED entries whatever they list. A CVE listed twice keeps its
// first entry (the store keeps one advisory per source and ID). ParseCVEList
// and ParseJSON emit the same IDs under the same Source: import one of the
// two, not both.
//
// # JSON export
//
// ParseJSON reads https://security-tracker.debian.org/tracker/data/json:
// source package -> CVE or TEMP- ID -> {description, releases: codename ->
// {status, fixed_version, urgency, nodsa, nodsa_reason, repositories}}. One
// ID appears under every package it affects, and the store replaces an
// advisory by source and ID, so ParseJSON merges: it streams the file with
// json.Decoder tokens (one record in memory at a time), keeps a 24-byte
// entry per (ID, package, release) and one Summary per ID, and emits one
// Advisory per ID at the end, sorted by ID (about 30 MB held for 50,000 IDs
// and 360,000 entries). Statuses: "resolved" with fixed_version "0" is
// StatusNotAffected, with a version an ECOSYSTEM range fixed there;
// "open" and "undetermined" are StatusUnfixed, except StatusEndOfLife when
// the urgency is "end-of-life" and StatusWontFix for <no-dsa> (nodsa set,
// nodsa_reason "") and <ignored> (nodsa_reason "ignored"); <postponed>
// stays StatusUnfixed. Urgencies lose their "*" marks; unimportant, low,
// medium and high become a DISTRO severity, "not yet assigned" none. A
// package's repositories (versions per suite) are not read.
//
// Hostile input, both formats: at most MaxFileSize (CVE/list) or
// MaxJSONSize bytes are read; a line over MaxLine, a JSON record over
// MaxRecord, a bad package name, ID or version, an unknown status or a
// record of the wrong JSON types is a Problem for that line or record and
// the others import; JSON that breaks off keeps the records before the
// break. An unknown release codename is reported once per codename with the
// number of records that named it, and at most MaxProblems Problems are
// reported one by one per file, then one with the number left out.
// Summaries are cut to MaxSummary bytes.
package debian
