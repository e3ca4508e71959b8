// Package suppress reads the documents that suppress findings: OpenVEX and
// CycloneDX VEX statements that a vulnerability does not affect a product
// or package, and vigil's ignore file, whose entries each carry a reason
// and may carry an expiry date.
//
// Usage:
//
//	vex, err := suppress.ParseVEX(f, "vex.json")
//	ign, err := suppress.ParseIgnoreFile(g, ".vigilignore.yaml")
//	rules := suppress.Merge(vex, ign).ForTarget(inv.Source.Name, inv.Source.Digest)
//	kept, suppressed, warnings := rules.Apply(findings, time.Now())
//
// # Ignore file
//
// YAML, one mapping with the key "ignore" holding a list of entries; an
// unknown key is an error (so a misspelt "expire:" is not silently
// ignored):
//
//	ignore:
//	  - id: CVE-2023-0286                 # required: CVE, GHSA or advisory ID
//	    package: openssl                  # optional: a name, or a purl
//	    reason: not reachable: we never parse X.400 addresses   # required
//	    expires: 2027-01-31               # optional: a date or RFC 3339 time
//	  - id: GHSA-jfh8-c2jp-5v3q
//	    package: pkg:golang/github.com/example/lib   # any version
//	    reason: the vulnerable function is not called
//
// The id matches a finding's ID or any of its aliases (CVE and GHSA IDs
// without regard to case). A package name matches the package's name or
// its source package's name ("openssl" covers libssl3); a purl matches as
// described below. An entry without a package applies to every package. A
// date expires at its start (00:00 UTC): "expires: 2027-01-31" suppresses
// until the end of 30 January. Expired entries suppress nothing; Apply
// warns about them, and about unexpired entries that matched no finding.
//
// The plain-text form of other scanners' ignore files is accepted too, one
// ID a line, with the reason as a comment at the end of the line or on the
// comment lines just above it, and an optional "exp:DATE":
//
//	# not reachable: we never parse X.400 addresses
//	CVE-2023-0286 exp:2027-01-31
//	CVE-2024-0727   # only PKCS12 files we write ourselves
//
// A line without a reason is an error here as in YAML.
//
// # VEX
//
// ParseVEX detects OpenVEX (0.0.1 and 0.2.0, also inside an in-toto
// statement whose predicateType names openvex) and CycloneDX JSON (a BOM
// whose vulnerabilities carry an analysis). Only OpenVEX status
// not_affected and CycloneDX state not_affected or false_positive
// suppress. Other statements (affected, fixed, under_investigation,
// exploitable, in_triage, resolved) suppress nothing themselves but can
// supersede an earlier not_affected: for each finding the statements about
// its vulnerability (ID or aliases) and package are ordered by timestamp
// (OpenVEX last_updated or timestamp, else the document's; CycloneDX
// analysis lastUpdated, vulnerability updated, firstIssued, published,
// else metadata timestamp), then by reading order, and the last decides.
// CycloneDX vulnerabilities without an analysis are skipped.
//
// Scope of a statement:
//   - OpenVEX subcomponents (of a product, or at statement level in 0.0.1)
//     are package URLs; the statement applies to findings whose package
//     matches one of them, whatever the product.
//   - An OpenVEX product without subcomponents that is a package URL
//     (other than pkg:oci) is a package: a library's own VEX.
//   - Any other product (pkg:oci/NAME@sha256:..., a reference, a hash)
//     names an image: the statement applies to every finding when the
//     product is the image given to ForTarget (same digest, or the same
//     reference as given). Without ForTarget these suppress nothing.
//   - CycloneDX affects refs are package URLs, bom-refs of components in
//     the same document (resolved to their purl; a container component or
//     the metadata component of type container is the image), or BOM-Links
//     ("urn:cdx:SERIAL/VERSION#bom-ref") whose fragment is one of those.
//     Version ranges under affects are not read.
//
// Package URL matching: type, namespace and name must be equal (PyPI
// names compared as PyPI does); the version only when the rule's purl has
// one; a qualifier only when both sides have its key (so
// "pkg:deb/debian/openssl" matches any arch and distro). For deb, apk and
// rpm a rule naming the source package ("pkg:deb/debian/openssl@3.0.11-1")
// also matches its binaries (libssl3), comparing the version with the
// source version.
//
// # Limits
//
// Documents over MaxDocument (32 MiB) are refused; so are ignore files
// with more than 100,000 entries and CycloneDX VEX with more than 200,000
// components. Malformed input (wrong JSON types, an unknown status or
// justification, a not_affected OpenVEX statement with neither
// justification nor impact_statement, a statement without products or
// affects, an unparseable purl or timestamp) is an error naming the file
// and the statement or entry (OpenVEX statements and CycloneDX
// vulnerabilities counted from 0, as JSON indexes; ignore entries from 1,
// with their line).
//
// OpenVEX is read with a few structs written here rather than
// github.com/openvex/go-vex: its vex package links protobuf, in-toto
// attestations and a second YAML library, and its parser reports no
// statement index.
package suppress
