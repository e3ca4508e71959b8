// Package sbom writes an [inventory.Inventory] as a software bill of materials:
// CycloneDX 1.6 JSON ([EncodeCycloneDX], through cyclonedx-go) and SPDX 2.3
// JSON ([EncodeSPDX], through tools-golang).
//
// Usage:
//
//	opts := sbom.DefaultOptions()
//	opts.ToolVersion = "1.2.3"
//	err := sbom.EncodeCycloneDX(w, inv, opts)
//
// Both encoders are deterministic: the same inventory and the same
// [Options] (with Created set) give the same bytes. Packages are written in a
// stable order (type, name, version, architecture, layer, path), each with an
// identifier derived from its content, so identifiers stay the same between
// runs and stay unique when an image holds the same package twice (for two
// architectures, or in two databases). The serial number (CycloneDX) and the
// document namespace (SPDX) are name-based UUIDs of the content, the tool and
// the creation time, unless Options.RandomIDs asks for random ones.
//
// Licences: a string that is a known SPDX identifier is written as one, a
// string that parses as an SPDX expression as an expression, and anything
// else as free text: a licence "name" in CycloneDX, a LicenseRef- with its
// text in hasExtractedLicensingInfos in SPDX. "Known" means the list that the
// CycloneDX 1.6 schema accepts (spdxlist.go, generated from the pinned
// cyclonedx-go module by gen_spdxlist.go): identifiers added to the SPDX list
// after it are treated as free text.
//
// vigil-specific facts (the layer that introduced a package, the file it was
// read from, its source package) travel as CycloneDX properties in the
// "vigil:" namespace and as the SPDX sourceInfo and comment fields.
//
// Decode reads CycloneDX (JSON, XML) and SPDX (JSON, tag-value) documents
// back into an inventory, from vigil or from other tools (trivy, syft), so a
// stored SBOM can be matched again without its image: it reads back every
// property the encoders write, and otherwise the package URL's qualifiers
// and the producers' own properties.
package sbom

//go:generate go run gen_spdxlist.go
