// Package inventory lists the packages installed in an image or a root file
// system.
//
// It owns the plain data types (Package, Distro), the Cataloger interface, and
// Catalog, which runs catalogers over a layered file view and records which
// layer introduced each package. Catalogers live in sub-packages (dpkg, apk,
// rpm); the list vigil uses by default is catalogers.Default.
//
// Limits: catalogers read only the files their globs name; a package whose
// database file is removed by an upper layer is not reported.
package inventory
