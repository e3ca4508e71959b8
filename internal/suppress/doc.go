// Package suppress reads the documents that suppress findings: OpenVEX and
// CycloneDX VEX statements that a vulnerability does not affect a product
// or package, and vigil's ignore file, whose entries each carry a reason
// and may carry an expiry date.
package suppress
