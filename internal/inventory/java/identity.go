package java

import (
	"fmt"
	"strings"
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
		return coord{}, fmt.Errorf("bad groupId %s", clip(c.group))
	case !validCoordPart(c.artifact):
		return coord{}, fmt.Errorf("bad artifactId %s", clip(c.artifact))
	case !validVersion(c.version):
		return coord{}, fmt.Errorf("bad version %s", clip(c.version))
	}
	return c, nil
}

// validCoordPart reports whether s is a groupId or artifactId as Maven
// allows them: letters, digits, '.', '_' and '-'.
func validCoordPart(s string) bool {
	if s == "" || len(s) > maxField {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
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

// clip quotes s for a log message, cut to 80 bytes.
func clip(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%q...", s[:80])
	}
	return fmt.Sprintf("%q", s)
}

// selfIndex picks, among the pom.properties of one archive (sorted), the
// one that describes the archive itself rather than a library shaded into
// it, given the archive's base name parsed by parseFileName; -1 for none:
//
//  1. one whose artifactId is the file name's artifact (any case), the one
//     with the file name's version first ("commons-lang3.jar",
//     "jackson-databind-2.12.1.jar");
//  2. else one whose "<artifactId>-" starts the file name and whose version is
//     the file name's (the longest such artifactId): a classifier or a
//     rename ("wagon-http-shaded-3.5.3.jar" is wagon-http 3.5.3);
//  3. else the only pom.properties, unless the file name has a version and
//     it is not that pom's ("plexus-utils2-3.4.2.jar" is plexus-utils 3.4.2;
//     "myapp-1.0.jar" holding only commons-codec 1.15 is not commons-codec).
func selfIndex(poms []coord, stem, fileArtifact, fileVersion string) int {
	best := -1
	for i, p := range poms {
		if !strings.EqualFold(p.artifact, fileArtifact) {
			continue
		}
		if best < 0 || (p.version == fileVersion && poms[best].version != fileVersion) {
			best = i
		}
	}
	if best >= 0 {
		return best
	}
	if fileVersion != "" {
		for i, p := range poms {
			if p.version == fileVersion && strings.HasPrefix(strings.ToLower(stem), strings.ToLower(p.artifact)+"-") &&
				(best < 0 || len(p.artifact) > len(poms[best].artifact)) {
				best = i
			}
		}
		if best >= 0 {
			return best
		}
	}
	if len(poms) == 1 && (fileVersion == "" || poms[0].version == fileVersion) {
		return 0
	}
	return -1
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
// the group a Bundle-SymbolicName or an Automatic-Module-Name implies for
// artifact (symbolicGroup); "" when none does.
func inferGroup(m manifest, artifact string) string {
	if m == nil {
		return ""
	}
	if g := strings.TrimSpace(m.get("Implementation-Vendor-Id")); validCoordPart(g) {
		return g
	}
	for _, h := range []string{"Bundle-SymbolicName", "Automatic-Module-Name"} {
		v, _, _ := strings.Cut(m.get(h), ";") // "org.foo.bar;singleton:=true"
		if g := symbolicGroup(strings.TrimSpace(v), artifact); g != "" {
			return g
		}
	}
	return ""
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
func symbolicGroup(name, artifact string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return ""
	}
	prefix, last := name[:i], name[i+1:]
	if !validCoordPart(prefix) || !strings.Contains(prefix, ".") {
		return "" // "spring.core" names no group: groups are reverse domain names
	}
	if strings.EqualFold(last, artifact) {
		return prefix
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
