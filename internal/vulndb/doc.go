// Package vulndb is vigil's local vulnerability database: the Advisory model
// (OSV-shaped, so OSV imports without loss and distribution feeds map onto
// it), one importer per source format in sub-packages (alpine, debian, oval,
// osv), and, as it lands, the embedded store with update, export and import.
//
// Importers stream: they call an Emit function per advisory and report a
// record they cannot read as a *Problem without stopping the others.
package vulndb
