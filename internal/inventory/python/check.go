package python

import (
	"fmt"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// maxName and maxVersion bound the names and versions taken from any file.
const (
	maxName    = 214 // PyPI's own limit is far below; npm's 214 is a fair bound
	maxVersion = 128
)

// checkName accepts a PEP 508 distribution name: ASCII letters and digits,
// with '.', '_' and '-' inside (^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$).
func checkName(s string) error {
	if s == "" || len(s) > maxName {
		return fmt.Errorf("invalid name %q", clip(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlnum(c):
		case (c == '.' || c == '_' || c == '-') && i > 0 && i < len(s)-1:
		default:
			return fmt.Errorf("invalid name %q", clip(s))
		}
	}
	return nil
}

// checkVersion accepts any non-empty version of printable ASCII without
// blanks: PEP 440 versions, and the legacy ones old distributions carry.
func checkVersion(s string) error {
	if s == "" || len(s) > maxVersion {
		return fmt.Errorf("invalid version %q", clip(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return fmt.Errorf("invalid version %q", clip(s))
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// clip shortens s for a message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// pypi is a package of a lock or requirements file.
func pypi(name, version, file string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Type: inventory.TypePyPI, Path: file}
}
