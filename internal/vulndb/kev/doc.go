// Package kev reads CISA's catalogue of Known Exploited Vulnerabilities
// (https://www.cisa.gov/known-exploited-vulnerabilities-catalog), the JSON
// feed known_exploited_vulnerabilities.json.
//
// Usage:
//
//	cat, err := kev.Read(ctx, f, "kev.json", emit, problem) // cat.Released is the feed's date
//	err := kev.Parse(ctx, f, "kev.json", emit, problem)     // the same, without the header
//
// The file is read as a stream: the header fields (title, catalogVersion,
// dateReleased, count) are kept in a Catalog and each element of the
// "vulnerabilities" array is decoded on its own and emitted as one
// vulndb.KEV (cveID, vendorProject, product, vulnerabilityName, dateAdded,
// dueDate, knownRansomwareCampaignUse; the long texts are dropped).
//
// Hostile input: at most MaxFileSize bytes are read and one entry may take
// at most MaxEntry bytes. An entry that is not an object of the expected
// shape, whose cveID is not a CVE ID, or whose fields are over MaxField or
// hold control characters is one *vulndb.Problem naming the entry (its
// index and, where it can be read, its CVE) and the others still import. A
// file that breaks off or is not JSON is a Problem too: the entries before
// the break are kept. A file with no "vulnerabilities" array is a Problem
// ("not a KEV catalogue"). Parse returns an error only when reading fails,
// ctx is done or emit fails.
//
// Limits: the catalogue's "count" is not checked against the entries (a
// truncated download is caught as broken JSON instead); duplicate CVEs are
// emitted as they come and the store keeps the last.
package kev
