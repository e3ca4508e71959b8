// Package oval imports OVAL 5 vulnerability definitions as published by
// Microsoft for Azure Linux and CBL-Mariner
// (github.com/microsoft/AzureLinuxVulnerabilityData) and by Canonical for
// Ubuntu (the USN OVAL, com.ubuntu.<codename>.usn.oval.xml).
//
// Usage:
//
//	err := oval.Parse(ctx, f, "azurelinux-3.0-oval.xml.gz", emit, problem)
//
// The input may be gzip-compressed (told by its magic bytes). It is read
// with encoding/xml token by token: each definition, test, object, state
// and variable is decoded on its own; definitions are kept (without their
// descriptions) until the tests, objects and states that follow them have
// been read, then each criteria tree is resolved: AND/OR with negate pushed
// down to the leaves, expanded into alternatives, each alternative's
// package constraints (rpminfo_test / dpkginfo_test → object name or
// constant_variable of names → state evr with "less than", "less than or
// equal", "greater than [or equal]" or "equals") combined per package into
// one OSV ECOSYSTEM range. Checks that are not about packages (uname,
// textfilecontent, variable_test on the running kernel, extend_definition of
// the "release is installed" inventory definition) cannot be decided for an
// image and count as true; a definition left with no package at all (the
// Ubuntu kernel USNs, which test the running kernel with uname and
// variable_test, and the livepatch LSNs: 53 of noble's 260) emits nothing.
//
// Mapping:
//   - Azure Linux / CBL-Mariner: one definition per CVE x package. They are
//     merged into one Advisory per CVE (ID = the CVE reference), Source
//     "azurelinux", ecosystem "Azure Linux:3.0" or "CBL-Mariner:2.0" (release
//     from the file name, else from the EVR dist tag .azlN/.cmN; product
//     from the generator or definition IDs), package = the rpm name.
//     "less than X" gives {introduced 0, fixed X}; CBL-Mariner's unpatched
//     "less than or equal X" gives {introduced 0, last_affected X} (no fix);
//     the "greater than 0.0.0" lower bound some Azure Linux definitions add
//     is dropped to introduced 0. The severity label (lower-cased) is a
//     DISTRO severity on each Affected and, the highest of them, on the
//     Advisory; advisory_date is Published. Definitions marked
//     <patchable>Not Applicable</patchable> are kept as their criteria say.
//     Several definitions for one CVE x package (older and newer fixes) stay
//     separate Affected entries, matched as a union as an OVAL interpreter would.
//   - Ubuntu: one Advisory per USN patch definition (ID "USN-6729-3" or
//     "LSN-0104-1"), Aliases = its CVE references, Source "ubuntu",
//     ecosystem "Ubuntu:24.04" (from the inventory definition's title, else
//     the codename in the IDs or file name), Summary from the title,
//     Published from the issue date, severity as DISTRO. Package = the
//     BINARY package names the data lists (the constant_variable of each
//     dpkginfo_object), not the source package; each gets {introduced 0,
//     fixed X}. Fixes "Available with Ubuntu Pro" (+esmN versions) are kept
//     as fixed versions.
//
// Versions: a "0:" epoch is dropped (rpm and dpkg both read a missing epoch
// as 0, so the spellings are equal); other epochs are kept. Every version
// must pass version.RPM / version.Deb Valid.
//
// Hostile input: at most MaxInputSize decompressed bytes are read; a DOCTYPE
// declaring entities or naming an external subset ends the read (encoding/xml
// never expands entities other than the five predefined, but such a file
// is refused outright); a record nested deeper than MaxDepth, or holding a
// text or attribute over MaxToken bytes, is a Problem and the others read
// on; nesting past HardMaxDepth ends the read; package names, versions and
// IDs are capped at MaxField; criteria may expand to at most
// MaxAlternatives alternatives. A malformed definition (missing test,
// object, state or variable, bad version, unsupported operation) is a
// Problem and the others still import. A file that breaks off keeps what
// was read; definitions whose tests were lost with the break are reported
// in one Problem.
//
// Limits: "greater than X" (not 0.0.0) becomes introduced X, which also
// flags X itself; an alternative constraining two packages gives each its
// own range (over-reports rather than misses); ONE/XOR operators, negated
// "package not installed" tests, object filters and state constraints other
// than evr (arch, signature key) are Problems. One file at a time: merging
// across files is the store's job.
package oval
