package java

import (
	"path"
	"strings"
)

// archiveExts are the archive kinds read, outside and inside archives.
var archiveExts = []string{".jar", ".war", ".ear", ".jpi", ".hpi"}

// archiveExt returns the archive extension of name (any case), or "".
func archiveExt(name string) string {
	for _, e := range archiveExts {
		if len(name) > len(e) && strings.EqualFold(name[len(name)-len(e):], e) {
			return name[len(name)-len(e):]
		}
	}
	return ""
}

// classifiers are the Maven classifiers that file names carry after the
// version ("netty-transport-native-epoll-4.1.77.Final-linux-x86_64.jar"); they
// are dropped before the version is looked for. Version qualifiers that
// belong to the version (SNAPSHOT, RELEASE, Final, jre, android) are kept.
var classifiers = []string{
	"-jar-with-dependencies", "-test-sources", "-sources", "-javadoc", "-tests",
	"-shaded", "-all", "-uber", "-standalone", "-exec", "-boot", "-plain",
	"-linux-x86_64", "-linux-aarch_64", "-linux-aarch64", "-linux-riscv64",
	"-linux-x86_64-musl", "-osx-x86_64", "-osx-aarch_64", "-windows-x86_64",
}

// parseFileName splits an archive's base name into the artifact and the
// version, Maven's "<artifactId>-<version>[-<classifier>].<ext>":
//
//   - a known classifier at the end is dropped;
//   - the version starts at the last "-" followed by a digit, extended to the
//     left over segments that are only digits and dots, so that
//     "log4j-1.2-api-2.17.1" is log4j-1.2-api 2.17.1,
//     "geronimo-annotation-1.3-spec-1.3" is geronimo-annotation-1.3-spec 1.3
//     and "foo-1.0-20230101.120000-1" is foo 1.0-20230101.120000-1;
//   - the version holds only letters, digits and ". _ + ~ -" (Debian's
//     "jsr305-0.1~+svn49" included); otherwise there is none.
//
// A name with no version gives the artifact alone ("commons-lang3.jar" is
// commons-lang3 with version "").
func parseFileName(name string) (artifact, version string) {
	name = path.Base(name)
	stem := name[:len(name)-len(archiveExt(name))]
	for _, c := range classifiers {
		if s, ok := strings.CutSuffix(stem, c); ok && s != "" {
			stem = s
			break
		}
	}
	cut := -1
	for i := len(stem) - 2; i > 0; i-- {
		if stem[i] == '-' && isDigit(stem[i+1]) {
			cut = i
			break
		}
	}
	if cut < 0 {
		return stem, ""
	}
	for {
		j := strings.LastIndexByte(stem[:cut], '-')
		if j <= 0 || !isDigit(stem[j+1]) || !onlyDigitsDots(stem[j+1:cut]) {
			break
		}
		cut = j
	}
	artifact, version = stem[:cut], stem[cut+1:]
	if !validVersionChars(version) {
		return stem, ""
	}
	return artifact, version
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func onlyDigitsDots(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i] != '.' {
			return false
		}
	}
	return s != ""
}

func validVersionChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && !strings.ContainsRune("._+~-", rune(c)) {
			return false
		}
	}
	return s != ""
}
