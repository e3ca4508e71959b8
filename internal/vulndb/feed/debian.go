package feed

import "github.com/vigil-sec/vigil/internal/vulndb"

// debianParser is the importer of the Debian tracker's CVE/list or JSON
// export.
//
// TODO(feed): return debian.ParseCVEList and debian.ParseJSON once they land
// in internal/vulndb/debian; until then these two formats are detected but
// their import fails with a clear error.
func debianParser(format string) vulndb.ParseFunc {
	switch format {
	case FormatDebianCVE, FormatDebianJSON:
	}
	return nil
}
