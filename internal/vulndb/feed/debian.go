package feed

import (
	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/debian"
)

// debianParser is the importer of the Debian tracker's CVE/list or JSON
// export; nil for another format.
func debianParser(format string) vulndb.ParseFunc {
	switch format {
	case FormatDebianCVE:
		return debian.ParseCVEList
	case FormatDebianJSON:
		return debian.ParseJSON
	}
	return nil
}
