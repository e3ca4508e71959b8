// Package report writes results for people and programs.
//
// Inventories: [Table], a tab-aligned listing for a terminal, and [JSON],
// the inventory itself as indented JSON. Both sort packages by type, name,
// version, architecture, layer and path, so output is stable whatever order
// the catalogers returned. SBOM formats live in package sbom.
//
// Vulnerability results (a *match.Result): [VulnTable], grouped by package
// with a summary line; [VulnJSON], a versioned document; [SARIF] 2.1.0 for
// code-scanning dashboards; [JUnit] XML for CI test views; and
// [CycloneDXVulns], the inventory as CycloneDX 1.6 with its vulnerabilities
// and the VEX analysis of suppressed ones.
//
// Tables escape control characters and invalid UTF-8 in every field, so a
// hostile package name or advisory summary cannot move the cursor or recolour
// a terminal; colour is used only when the options say so (the CLI decides
// from whether stdout is a TTY).
package report
