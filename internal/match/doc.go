// Package match turns an inventory and the vulnerability database into
// findings: for each package it picks the ecosystem and the name the
// distribution's advisories use (Debian source package per release, Alpine
// origin per branch, rpm name per Azure Linux release, OSV ecosystems for
// language packages), compares versions only with that ecosystem's
// comparator, merges advisories that name the same vulnerability, and marks
// what CISA lists as exploited.
package match
