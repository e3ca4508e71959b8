// Package report writes results for people and programs: [Table], a
// tab-aligned listing of an inventory for a terminal, and [JSON], the
// inventory itself as indented JSON. SBOM formats live in package sbom.
//
// Both sort packages by type, name, version, architecture, layer and path, so
// output is stable whatever order the catalogers returned. Table escapes
// control characters and invalid UTF-8 in every field, so a hostile package
// name cannot move the cursor or recolour a terminal; colour is used only when
// TableOptions.Color says so (the CLI decides from whether stdout is a TTY).
package report
