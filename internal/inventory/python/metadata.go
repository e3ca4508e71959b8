package python

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// coreMetadata is what Catalog uses of a core metadata header
// (https://packaging.python.org/specifications/core-metadata/).
type coreMetadata struct {
	name, version string
	// license is the License field; licenseLines counts its lines (a
	// multi-line License holds the licence text, not its name).
	license      string
	licenseLines int
	// licenseExpr is License-Expression (metadata 2.4, SPDX).
	licenseExpr string
	// classifiers are the "License :: ..." classifiers, in order.
	classifiers []string
	// truncated is set when the header did not end within the byte cap.
	truncated bool
}

// parseMetadata reads the header section of a core metadata file (METADATA,
// PKG-INFO, an *.egg-info file): RFC 822 style "Name: value" fields,
// continued on lines starting with a blank, up to the first empty line (the
// body is the description and is never read) or the first line that is not
// a field, as Python's email.parser takes it. At most max bytes are read:
// then truncated is set and the fields read so far are kept. Field names are
// case-insensitive; the first of a repeated single-valued field wins. A
// line longer than maxLine is skipped with its continuation lines.
func parseMetadata(br *bufio.Reader, r io.Reader, max int64, maxLine int) (coreMetadata, error) {
	lim := &io.LimitedReader{R: r, N: max}
	lr := newLineReader(br, lim, maxLine)
	var (
		m    coreMetadata
		last *string // the field being continued; nil: none wanted
	)
	first := true
	for {
		line, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			m.truncated = lim.N <= 0
			return m, nil
		}
		if err != nil {
			return coreMetadata{}, err
		}
		if first {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // a UTF-8 BOM
			first = false
		}
		if tooLong {
			last = nil
			continue
		}
		if len(line) == 0 {
			return m, nil // end of the header section
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last != nil {
				*last += "\n" + string(bytes.TrimSpace(line))
				if last == &m.license {
					m.licenseLines++
				}
			}
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !validFieldName(name) {
			return m, nil // not a field: the body starts here
		}
		last = nil
		val := func() string { return string(bytes.TrimSpace(value)) }
		switch {
		case fieldIs(name, "Name"):
			if m.name == "" {
				m.name, last = val(), &m.name
			}
		case fieldIs(name, "Version"):
			if m.version == "" {
				m.version, last = val(), &m.version
			}
		case fieldIs(name, "License"):
			if m.licenseLines == 0 {
				m.license, m.licenseLines, last = val(), 1, &m.license
			}
		case fieldIs(name, "License-Expression"):
			if m.licenseExpr == "" {
				m.licenseExpr, last = val(), &m.licenseExpr
			}
		case fieldIs(name, "Classifier"):
			if v := bytes.TrimSpace(value); bytes.HasPrefix(v, []byte("License ::")) && len(m.classifiers) < maxClassifiers {
				m.classifiers = append(m.classifiers, string(v))
				last = &m.classifiers[len(m.classifiers)-1]
			}
		}
	}
}

// maxClassifiers caps the licence classifiers kept from one file.
const maxClassifiers = 32

// fieldIs compares a field name without allocating.
func fieldIs(name []byte, want string) bool {
	return len(name) == len(want) && strings.EqualFold(string(name), want)
}

// validFieldName follows RFC 5322: printable ASCII except ':' and space.
func validFieldName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// parseMetadataFile reads an installed distribution's core metadata file.
func (c *Cataloger) parseMetadataFile(r io.Reader, file string, warn func(string, ...any)) ([]inventory.Package, error) {
	br := c.readers.get()
	defer c.readers.put(br)
	m, err := parseMetadata(br, r, c.cfg.MaxHeaderBytes, c.cfg.MaxLine)
	if err != nil {
		return nil, err
	}
	p, err := m.toPackage(file)
	if err != nil {
		return nil, &fileError{err}
	}
	if m.truncated {
		warn("header longer than %d bytes: fields after it not read", c.cfg.MaxHeaderBytes)
	}
	return []inventory.Package{p}, nil
}

func (m coreMetadata) toPackage(file string) (inventory.Package, error) {
	if m.name == "" {
		if m.truncated {
			return inventory.Package{}, errors.New("no Name field in the header's first bytes")
		}
		return inventory.Package{}, errors.New("no Name field")
	}
	if err := checkName(m.name); err != nil {
		return inventory.Package{}, err
	}
	if m.version == "" {
		return inventory.Package{}, errors.New("no Version field")
	}
	if err := checkVersion(m.version); err != nil {
		return inventory.Package{}, err
	}
	return inventory.Package{
		Name:     m.name,
		Version:  m.version,
		Type:     inventory.TypePyPI,
		Path:     file,
		Licenses: m.licenses(),
	}, nil
}

// licenses returns License-Expression when there is one (an SPDX
// expression, which supersedes the rest); else the License field when it is
// a short one-line name (not a licence text, not "UNKNOWN"), then the last
// part of each licence classifier, mapped to an SPDX ID only where the
// classifier names exactly one licence and version.
func (m coreMetadata) licenses() []string {
	if e := m.licenseExpr; e != "" && !strings.Contains(e, "\n") && len(e) <= maxLicense && printable(e) {
		return []string{e}
	}
	var out []string
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	if l := m.license; m.licenseLines == 1 && l != "" && len(l) <= maxLicense && printable(l) &&
		!strings.EqualFold(l, "UNKNOWN") && !strings.EqualFold(l, "None") {
		add(l)
	}
	for _, cl := range m.classifiers {
		if l := classifierLicense(cl); l != "" {
			add(l)
		}
	}
	return out
}

// maxLicense is the longest License value taken as a licence's name.
const maxLicense = 128

// classifierLicense turns "License :: OSI Approved :: MIT License" into
// "MIT"; a classifier that names no licence ("License :: OSI Approved")
// gives "".
func classifierLicense(c string) string {
	if strings.Contains(c, "\n") || len(c) > 256 {
		return ""
	}
	parts := strings.Split(c, "::")
	last := strings.TrimSpace(parts[len(parts)-1])
	if len(parts) < 2 || last == "" || last == "OSI Approved" || !printable(last) {
		return ""
	}
	if id, ok := spdxOfClassifier(last); ok {
		return id
	}
	return last
}

// spdxOfClassifier maps the licence classifiers that name exactly one SPDX
// licence. Others ("Apache Software License", "BSD License", the GPL ones
// that do not say "only" or "or later") stay text.
func spdxOfClassifier(c string) (string, bool) {
	switch c {
	case "MIT License":
		return "MIT", true
	case "MIT No Attribution License (MIT-0)":
		return "MIT-0", true
	case "ISC License (ISCL)":
		return "ISC", true
	case "Mozilla Public License 2.0 (MPL 2.0)":
		return "MPL-2.0", true
	case "The Unlicense (Unlicense)":
		return "Unlicense", true
	case "Boost Software License 1.0 (BSL-1.0)":
		return "BSL-1.0", true
	case "Zero-Clause BSD (0BSD)":
		return "0BSD", true
	case "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication":
		return "CC0-1.0", true
	}
	return "", false
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return false
		}
	}
	return true
}
