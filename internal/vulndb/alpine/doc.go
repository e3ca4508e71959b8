// Package alpine imports Alpine Linux's security database (secdb), the JSON
// files published at https://secdb.alpinelinux.org/<release>/<repo>.json.
//
// Each file lists, for one release ("distroversion": "v3.20") and one
// repository, the origin (source) packages with a "secfixes" map from the
// first fixed apk version to the IDs it fixes; the key "0" means the package
// was never vulnerable. Parse turns one file into one vulndb.Advisory per ID
// (sorted by ID), with one Affected entry per package that lists it:
// ecosystem "Alpine:v3.20" (or "Alpine:edge"), package = origin, and either
// an ECOSYSTEM range {introduced "0", fixed <key>} or StatusNotAffected.
//
// Usage:
//
//	err := alpine.Parse(ctx, f, "v3.20/main.json", emit, problem)
//
// Quirks handled: strings holding several IDs ("CVE-2017-2887 TALOS-2017-0394")
// give the first as the ID and the others as aliases; parenthesised notes
// ("CVE-2018-16228 (HNCP)") are dropped; malformed IDs ("CVE_2019-2426",
// "CVE-????-?????", "XPTI") are reported as a *vulndb.Problem and the string's
// other IDs still import. An ID listed under two fixed versions of one
// package keeps the lower; a real fix wins over "0". Keys without "-rN"
// (old secdb style, "7.36.0") are kept as they are.
//
// Hostile input: at most MaxFileSize bytes are read; every field is capped
// at MaxField; the "packages" array is decoded one element at a time, so a
// package of the wrong shape costs only itself, and a file that breaks off
// (truncated JSON, junk) keeps the packages read before the break and
// reports the break as a Problem.
//
// Limits: one file at a time, so an ID listed in both main and community is
// emitted once per file; merging across files is the store's job. The
// legacy YAML secdb (alpinelinux/alpine-secdb, frozen at v3.11) is not read:
// no YAML module is in go.mod, and the JSON feed covers those releases.
package alpine
