// Package feed knows the vulnerability data sources: it recognises a local
// file's format, imports paths into the database, fetches the public
// sources with conditional HTTPS requests for `vigil db update`, and writes
// and reads the export bundle for air-gapped use.
package feed
