package java

import (
	"strings"
)

const (
	// maxManifestHeaders caps the attributes kept from a main section.
	maxManifestHeaders = 1024
	// maxManifestValue caps one attribute value across its continuation lines
	// (Export-Package reaches tens of KiB; the attributes read here are short).
	maxManifestValue = 64 << 10
)

// manifest is the main section of a META-INF/MANIFEST.MF, keyed by the
// attribute name in lower case (names are case-insensitive).
type manifest map[string]string

func (m manifest) get(name string) string { return m[strings.ToLower(name)] }

// parseManifest reads the main section of a JAR manifest: "Name: value"
// lines up to the first blank line, a line that starts with one space
// continuing the previous value (writers wrap at 72 bytes, in the middle of
// words and even of UTF-8 sequences, so the pieces are joined as bytes). Lines
// end in "\r\n", "\n" or "\r". A line without ": " is skipped, as is a
// continuation with nothing to continue; the first value of a repeated name
// wins. It never fails.
func parseManifest(b []byte) manifest {
	m := manifest{}
	s := string(b)
	s = strings.TrimPrefix(s, "\ufeff")
	var (
		key string // the attribute the next continuation extends; "" for none
		val strings.Builder
	)
	flush := func() {
		if key != "" {
			if _, dup := m[key]; !dup && len(m) < maxManifestHeaders {
				m[key] = strings.TrimSpace(val.String())
			}
		}
		key = ""
		val.Reset()
	}
	for len(s) > 0 {
		line, rest, _ := cutLine(s)
		s = rest
		if line == "" {
			break // end of the main section
		}
		if line[0] == ' ' {
			if key != "" && val.Len()+len(line)-1 <= maxManifestValue {
				val.WriteString(line[1:])
			}
			continue
		}
		flush()
		name, v, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t\x00") {
			continue
		}
		key = strings.ToLower(name)
		v = strings.TrimPrefix(v, " ")
		if len(v) > maxManifestValue {
			v = v[:maxManifestValue]
		}
		val.WriteString(v)
	}
	flush()
	return m
}
