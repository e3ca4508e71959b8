package java

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// maxField caps a groupId, artifactId or version.
const maxField = 256

// coord is a Maven identity.
type coord struct {
	group, artifact, version string
}

// name is the Package.Name: "group:artifact", or the artifact alone when the
// group is unknown.
func (c coord) name() string {
	if c.group == "" {
		return c.artifact
	}
	return c.group + ":" + c.artifact
}

// pomCoord reads a pom.properties found at META-INF/maven/<g>/<a>/pom.properties.
// Its groupId and artifactId default to the path's g and a (some builders
// write only the version); the version is required.
func pomCoord(props map[string]string, pathGroup, pathArtifact string) (coord, error) {
	c := coord{
		group:    strings.TrimSpace(props["groupId"]),
		artifact: strings.TrimSpace(props["artifactId"]),
		version:  strings.TrimSpace(props["version"]),
	}
	if c.group == "" {
		c.group = pathGroup
	}
	if c.artifact == "" {
		c.artifact = pathArtifact
	}
	switch {
	case !validCoordPart(c.group):
		return coord{}, fmt.Errorf("bad groupId %s", inventory.Clip(c.group, 80))
	case !validCoordPart(c.artifact):
		return coord{}, fmt.Errorf("bad artifactId %s", inventory.Clip(c.artifact, 80))
	case !validVersion(c.version):
		return coord{}, fmt.Errorf("bad version %s", inventory.Clip(c.version, 80))
	}
	return c, nil
}

// validCoordPart reports whether s is a groupId or artifactId as Maven
// allows them: letters, digits, '.', '_' and '-', with at least one letter
// or digit ("..", a path element of a hostile entry name, is none).
func validCoordPart(s string) bool {
	if s == "" || len(s) > maxField {
		return false
	}
	alnum := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			alnum = true
		case c != '.' && c != '_' && c != '-':
			return false
		}
	}
	return alnum
}

// validVersion reports whether s can be a version: printable ASCII without
// blanks, not an unresolved "${...}" property.
func validVersion(s string) bool {
	if s == "" || len(s) > maxField || strings.Contains(s, "${") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// selfIndex picks, among the pom.properties of one archive (sorted), the
// one that describes the archive itself rather than a library shaded into
// it; -1 for none. stem is the archive's base name without its extension,
// fileArtifact the artifact parseFileName finds in it, versions what the
// archive says of its own version (the file name's, the manifest's; may be
// empty). Artifacts are compared in lower case with '_' and '.' read as '-':
//
//  1. one whose artifactId is the file name's artifact or stem
//     ("commons-lang3.jar", "jackson-databind-2.12.1.jar",
//     "geronimo-annotation-1.3-spec.jar" for geronimo-annotation_1.3_spec),
//     one with a version of versions first;
//  2. else one with a version of versions whose "<artifactId>-" starts the
//     stem, or whose artifactId is the file name's artifact but for digits
//     (the longest such): a classifier or a rename
//     ("wagon-http-shaded-3.5.3.jar" is wagon-http 3.5.3, Debian's
//     "maven3-slf4j-provider.jar" of version 3.8.7 is maven-slf4j-provider);
//  3. else the only pom.properties, unless versions is not empty and does not
//     hold its version ("myapp-1.0.jar" holding only commons-codec 1.15 is not
//     commons-codec; Debian's guice.jar, Bundle-Version 4.2.3, holding only
//     cglib 3.2.12 is not cglib).
func selfIndex(poms []coord, stem, fileArtifact string, versions []string) int {
	best := -1
	stem, fileArtifact = normArtifact(stem), normArtifact(fileArtifact)
	for i, p := range poms {
		if a := normArtifact(p.artifact); a != fileArtifact && a != stem {
			continue
		}
		if best < 0 || (slices.Contains(versions, p.version) && !slices.Contains(versions, poms[best].version)) {
			best = i
		}
	}
	if best >= 0 {
		return best
	}
	for i, p := range poms {
		if !slices.Contains(versions, p.version) {
			continue
		}
		a := normArtifact(p.artifact)
		if (strings.HasPrefix(stem, a+"-") || withoutDigits(a) == withoutDigits(fileArtifact)) &&
			(best < 0 || len(a) > len(poms[best].artifact)) {
			best = i
		}
	}
	if best >= 0 {
		return best
	}
	if len(poms) == 1 && (len(versions) == 0 || slices.Contains(versions, poms[0].version)) {
		return 0
	}
	return -1
}

func normArtifact(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '_' || r == '.':
			return '-'
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

func withoutDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, s)
}

// inferCoord guesses the identity of an archive that has no pom.properties
// of its own, from its manifest's main section (nil when it has none) and its
// base name. ok is false when no version can be found. See doc.go for the
// order in which fields are tried.
func inferCoord(m manifest, base string) (coord, bool) {
	fileArtifact, fileVersion := parseFileName(base)
	var c coord
	c.version = firstValid(validVersionToken,
		m.get("Implementation-Version"), fileVersion, m.get("Bundle-Version"), m.get("Specification-Version"))
	if c.version == "" {
		return coord{}, false
	}
	c.artifact = fileArtifact
	if fileVersion == "" {
		if t := m.get("Implementation-Title"); validCoordPart(t) {
			c.artifact = t
		}
	}
	if !validCoordPart(c.artifact) {
		return coord{}, false
	}
	c.group = inferGroup(m, c.artifact)
	return c, true
}

// validVersionToken is validVersion for a version read from a manifest or
// a file name, which must also hold a digit ("unknown", "${project.version}"
// and "dev" are no versions).
func validVersionToken(s string) bool {
	return validVersion(s) && strings.ContainsAny(s, "0123456789")
}

func firstValid(ok func(string) bool, vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); ok(v) {
			return v
		}
	}
	return ""
}

// inferGroup guesses the groupId of artifact from a manifest: the
// Implementation-Vendor-Id (which maven-archiver sets to the groupId), then
// the group a Bundle-SymbolicName, then an Automatic-Module-Name, implies
// for artifact (symbolicGroup; a module name is the root Java package, not a
// bundle name, so only its second rule is applied to it: "com.google.guice"
// is no sign of the group com.google); "" when none does.
func inferGroup(m manifest, artifact string) string {
	if m == nil {
		return ""
	}
	if g := strings.TrimSpace(m.get("Implementation-Vendor-Id")); validCoordPart(g) {
		return g
	}
	bsn, _, _ := strings.Cut(m.get("Bundle-SymbolicName"), ";") // "org.foo.bar;singleton:=true"
	if g := symbolicGroup(strings.TrimSpace(bsn), artifact, true); g != "" {
		return g
	}
	return symbolicGroup(strings.TrimSpace(m.get("Automatic-Module-Name")), artifact, false)
}

// symbolicGroup inverts the Bundle-SymbolicName rules of the Maven bundle
// plugin, which most OSGi jars follow and Automatic-Module-Names often copy:
// for a name "<prefix>.<last>" and an artifact a, the group is <prefix> when
//
//   - <last> is a ("org.yaml.snakeyaml" for snakeyaml,
//     "com.fasterxml.jackson.core.jackson-databind" for jackson-databind), or
//   - a is "<final segment of prefix>[-.]<last>" ("org.apache.commons.lang3"
//     for commons-lang3, "org.apache.logging.log4j.core" for log4j-core).
//
// and <prefix> has a dot (groups are reverse domain names: the module
// "spring.core" names no group). Otherwise it names no group: a guess
// without a rule is worse than none.
// The plugin's third rule (a group whose last segment is the artifact, such
// as com.google.guava for guava, gives the group itself) cannot be told from
// the first, and the first is the more common in jars without pom.properties.
func symbolicGroup(name, artifact string, lastIsArtifact bool) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return ""
	}
	prefix, last := name[:i], name[i+1:]
	if !validCoordPart(prefix) || !strings.Contains(prefix, ".") {
		return "" // "spring.core" names no group: groups are reverse domain names
	}
	if strings.EqualFold(last, artifact) {
		if lastIsArtifact {
			return prefix
		}
		return ""
	}
	lastOfPrefix := prefix[strings.LastIndexByte(prefix, '.')+1:]
	if head, ok := strings.CutSuffix(artifact, last); ok {
		head = strings.TrimRight(head, "-.")
		if head != "" && strings.EqualFold(head, lastOfPrefix) {
			return prefix
		}
	}
	return ""
}
