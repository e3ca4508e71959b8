package npm

import "strings"

// maxNameLen is the longest package name kept: npm allows 214 characters
// for new packages; older ones may be longer, none this long.
const maxNameLen = 512

// validName accepts an npm package name as lock files and package.json
// write it: "name" or "@scope/name", each part non-empty, printable ASCII
// without blanks, quotes or backslashes, not "." or ".." and not starting
// with "." (legacy names may have capitals and "~!*'()" characters). A
// name is a path component, so hostile names ("..", "a/../b") are refused.
func validName(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	if s[0] == '@' {
		scope, name, ok := strings.Cut(s[1:], "/")
		return ok && validPart(scope) && validPart(name)
	}
	return validPart(s)
}

func validPart(s string) bool {
	if s == "" || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '/' || c == '\\' || c == '"' || c == '@' && i == 0 {
			return false
		}
	}
	return true
}

// maxVersionLen is the longest version kept.
const maxVersionLen = 256

// validSemver reports whether s is a plain SemVer 2.0 version
// ("1.2.3", "1.0.0-beta.1", "2.0.0+build.5"), the only form a package from
// the registry has. Leading zeros are tolerated (old registry versions have
// them); URLs, git specs, "file:" paths and ranges are not versions.
func validSemver(s string) bool {
	if len(s) > maxVersionLen {
		return false
	}
	for n := range 3 {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return false
		}
		s = s[i:]
		if n == 2 {
			break
		}
		if s == "" || s[0] != '.' {
			return false
		}
		s = s[1:]
	}
	return validSuffix(s)
}

// validSuffix checks "-pre.release+build.meta", either part optional.
func validSuffix(s string) bool {
	if pre, ok := strings.CutPrefix(s, "-"); ok {
		var build string
		pre, build, ok = strings.Cut(pre, "+")
		if !validIdents(pre) || ok && !validIdents(build) {
			return false
		}
		return true
	}
	if build, ok := strings.CutPrefix(s, "+"); ok {
		return validIdents(build)
	}
	return s == ""
}

// validIdents checks dot-separated non-empty [0-9A-Za-z-] identifiers.
func validIdents(s string) bool {
	for id := range strings.SplitSeq(s, ".") {
		if id == "" {
			return false
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
				return false
			}
		}
	}
	return true
}

// splitAt splits "name@rest" at the "@" that ends the name ("@scope/name@1"
// is "@scope/name" and "1"); ok is false when there is no such "@".
func splitAt(s string) (name, rest string, ok bool) {
	if s == "" {
		return "", "", false
	}
	i := strings.IndexByte(s[1:], '@')
	if i < 0 {
		return s, "", false
	}
	return s[:i+1], s[i+2:], true
}
