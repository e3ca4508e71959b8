package dpkg

import (
	"bytes"
	"io"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory/lines"
)

// parseCopyright returns the licences a machine-readable (DEP-5) Debian
// copyright file declares: the synopsis (first line) of every License field,
// in order of first appearance, without duplicates. A file that is not DEP-5
// (its first stanza has no Format field naming copyright-format or dep5)
// gives none: free-text copyright files are not guessed at. Lines longer than
// the reader's buffer are skipped. Reading stops at the first read error; what
// was found until then is returned.
func parseCopyright(r io.Reader, bufSize int) []string {
	lr := lines.NewReader(r, bufSize)
	var (
		licenses []string
		seen     = map[string]bool{}
		header   = true // in the first stanza
		dep5     = false
		started  = false
	)
	for {
		line, truncated, err := lr.Next()
		if err != nil {
			return licenses
		}
		if truncated {
			continue
		}
		if isBlank(line) {
			if started && header {
				header = false
				if !dep5 {
					return nil
				}
			}
			continue
		}
		if line[0] == '#' || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		started = true
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch strings.ToLower(string(name)) {
		case "format", "format-specification":
			if header {
				v := strings.ToLower(string(value))
				dep5 = strings.Contains(v, "copyright-format") || strings.Contains(v, "dep5")
			}
		case "license":
			if header && !dep5 {
				continue // a License in the header still needs a Format field before it
			}
			l := string(bytes.Trim(value, " \t"))
			if l != "" && !seen[l] {
				seen[l] = true
				licenses = append(licenses, l)
			}
		}
	}
}
