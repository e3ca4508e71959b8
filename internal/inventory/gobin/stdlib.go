package gobin

import "strings"

// StdlibVersion converts a Go toolchain version as a binary records it
// (runtime/debug.BuildInfo.GoVersion) to the module version under which the
// Go vulnerability database keys standard-library advisories:
//
//	go1.22.3                 v1.22.3
//	go1.21                   v1.21.0
//	go1.21rc2                v1.21.0-rc.2
//	go1.20beta1              v1.20.0-beta.1
//	go1.22.3 X:boringcrypto  v1.22.3 (anything after a space is dropped)
//	go1.21.1-bigcorp         v1.21.1 (a custom suffix is dropped, as go/version does)
//
// It reports false for a development toolchain ("devel go1.23-abc ...") and
// for anything else it cannot read.
func StdlibVersion(goVersion string) (string, bool) {
	v, _, _ := strings.Cut(goVersion, " ")
	v, _, _ = strings.Cut(v, "-")
	v, ok := strings.CutPrefix(v, "go")
	if !ok {
		return "", false
	}
	// Split off a prerelease: "1.21rc2" -> "1.21", "rc", "2".
	var pre, preNum string
	for _, tag := range []string{"rc", "beta", "alpha"} {
		if i := strings.Index(v, tag); i >= 0 {
			v, preNum, pre = v[:i], v[i+len(tag):], tag
			if !digits(preNum) {
				return "", false
			}
			break
		}
	}
	parts := strings.Split(v, ".")
	if len(parts) > 3 {
		return "", false
	}
	for _, p := range parts {
		if !digits(p) {
			return "", false
		}
	}
	if pre != "" && len(parts) > 2 {
		return "", false // "go1.21.1rc1" is no Go version
	}
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	out := "v" + strings.Join(parts, ".")
	if pre != "" {
		out += "-" + pre + "." + preNum
	}
	return out, true
}

// digits reports whether s is a non-empty decimal number without a leading
// zero (SemVer numeric identifiers), short enough to be real.
func digits(s string) bool {
	if s == "" || len(s) > 9 || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
