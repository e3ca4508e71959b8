package inventory

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"
)

// Files DetectDistro reads, in the order it tries them.
const (
	osReleaseEtc    = "etc/os-release"
	osReleaseUsrLib = "usr/lib/os-release"
	alpineRelease   = "etc/alpine-release"
	debianVersion   = "etc/debian_version"
	azureRelease    = "etc/azurelinux-release"
	marinerRelease  = "etc/mariner-release"
	redhatRelease   = "etc/redhat-release"
)

// maxReleaseFile caps the bytes read from one release file: real ones are
// under 1 KiB.
const maxReleaseFile = 64 << 10

// DistroGlobs lists every file DetectDistro may read.
func DistroGlobs() []string {
	return []string{osReleaseEtc, osReleaseUsrLib, alpineRelease, debianVersion,
		azureRelease, marinerRelease, redhatRelease}
}

// DetectDistro identifies the operating system of fsys. It reads
// etc/os-release, else usr/lib/os-release (os-release(5)); when neither gives
// an ID it falls back to etc/alpine-release, etc/debian_version,
// etc/azurelinux-release, etc/mariner-release and etc/redhat-release. For
// Debian, a missing VERSION_ID or VERSION_CODENAME (testing and sid have no
// VERSION_ID; Google's distroless os-release has no VERSION_CODENAME) is
// completed from etc/debian_version or from the release number.
//
// It returns nil, nil when nothing identifies the system, and an error only
// when a release file exists but cannot be read or is larger than 64 KiB.
func DetectDistro(fsys fs.FS) (*Distro, error) {
	for _, p := range []string{osReleaseEtc, osReleaseUsrLib} {
		b, err := readReleaseFile(fsys, p)
		if err != nil {
			return nil, err
		}
		if b == nil {
			continue
		}
		d := distroFromOSRelease(ParseOSRelease(b))
		if d.ID == "" {
			continue
		}
		d.Path = p
		if d.ID == "debian" && (d.VersionID == "" || d.Codename == "") {
			if err := completeDebian(fsys, d); err != nil {
				return nil, err
			}
		}
		return d, nil
	}

	fallbacks := []struct {
		path  string
		parse func(string) *Distro
	}{
		{alpineRelease, parseAlpineRelease},
		{debianVersion, parseDebianVersion},
		{azureRelease, parseMarinerRelease},
		{marinerRelease, parseMarinerRelease},
		{redhatRelease, parseRedhatRelease},
	}
	for _, f := range fallbacks {
		b, err := readReleaseFile(fsys, f.path)
		if err != nil {
			return nil, err
		}
		if b == nil {
			continue
		}
		if d := f.parse(string(b)); d != nil {
			d.Path = f.path
			return d, nil
		}
	}
	return nil, nil
}

// readReleaseFile returns the content of p, or nil when it does not exist or
// is not a regular file.
func readReleaseFile(fsys fs.FS, p string) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", p, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(f, maxReleaseFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if len(b) > maxReleaseFile {
		return nil, fmt.Errorf("read %s: larger than %d bytes", p, maxReleaseFile)
	}
	return b, nil
}

func distroFromOSRelease(kv map[string]string) *Distro {
	d := &Distro{
		ID:         strings.ToLower(kv["ID"]),
		VersionID:  kv["VERSION_ID"],
		Codename:   kv["VERSION_CODENAME"],
		Name:       kv["NAME"],
		PrettyName: kv["PRETTY_NAME"],
	}
	if like := strings.Fields(kv["ID_LIKE"]); len(like) > 0 {
		d.IDLike = like
	}
	if d.Codename == "" && d.ID == "ubuntu" {
		d.Codename = kv["UBUNTU_CODENAME"]
	}
	if d.Codename == "" && d.ID == "debian" {
		// Distroless: VERSION="Debian GNU/Linux 12 (bookworm)".
		if m := versionCodename.FindStringSubmatch(kv["VERSION"]); m != nil {
			d.Codename = m[1]
		}
	}
	return d
}

var versionCodename = regexp.MustCompile(`\(([a-z]+)\)\s*$`)

// completeDebian fills a Debian distro's missing VersionID and Codename from
// etc/debian_version and the table of releases.
func completeDebian(fsys fs.FS, d *Distro) error {
	b, err := readReleaseFile(fsys, debianVersion)
	if err != nil {
		return err
	}
	if b != nil {
		if dv := parseDebianVersion(string(b)); dv != nil {
			if d.VersionID == "" {
				d.VersionID = dv.VersionID
			}
			if d.Codename == "" {
				d.Codename = dv.Codename
			}
		}
	}
	if d.Codename == "" {
		d.Codename = debianCodenames[d.VersionID]
	}
	return nil
}

// debianCodenames maps Debian major releases to their codenames.
var debianCodenames = map[string]string{
	"4": "etch", "5": "lenny", "6": "squeeze", "7": "wheezy", "8": "jessie",
	"9": "stretch", "10": "buster", "11": "bullseye", "12": "bookworm",
	"13": "trixie", "14": "forky", "15": "duke",
}

var debianNumeric = regexp.MustCompile(`^(\d+)(\.\d+)*$`)

// parseDebianVersion reads etc/debian_version: "11.7" is Debian 11 bullseye,
// "bookworm/sid" is testing or unstable before release (codename only).
func parseDebianVersion(s string) *Distro {
	s = strings.TrimSpace(firstLine(s))
	d := &Distro{ID: "debian", Name: "Debian GNU/Linux"}
	switch {
	case debianNumeric.MatchString(s):
		d.VersionID, _, _ = strings.Cut(s, ".")
		d.Codename = debianCodenames[d.VersionID]
	case strings.HasSuffix(s, "/sid"):
		d.Codename = strings.TrimSuffix(s, "/sid")
		if !isLowerWord(d.Codename) {
			return nil
		}
	default:
		return nil
	}
	return d
}

var alpineVersion = regexp.MustCompile(`^\d+\.\d+[0-9A-Za-z._]*$`)

// parseAlpineRelease reads etc/alpine-release ("3.20.3", "3.21_alpha20240807").
func parseAlpineRelease(s string) *Distro {
	s = strings.TrimSpace(firstLine(s))
	if !alpineVersion.MatchString(s) {
		return nil
	}
	return &Distro{ID: "alpine", VersionID: s, Name: "Alpine Linux"}
}

var marinerLine = regexp.MustCompile(`^(CBL-Mariner|Microsoft Azure Linux|Azure Linux)\s+(\d+\.\d+)`)

// parseMarinerRelease reads etc/mariner-release ("CBL-Mariner 2.0.20240123")
// and etc/azurelinux-release ("Microsoft Azure Linux 3.0.20240727"); the
// version is cut to major.minor as os-release's VERSION_ID has it.
func parseMarinerRelease(s string) *Distro {
	m := marinerLine.FindStringSubmatch(strings.TrimSpace(firstLine(s)))
	if m == nil {
		return nil
	}
	if m[1] == "CBL-Mariner" {
		return &Distro{ID: "mariner", VersionID: m[2], Name: "Common Base Linux Mariner"}
	}
	return &Distro{ID: "azurelinux", VersionID: m[2], Name: "Microsoft Azure Linux"}
}

var redhatLine = regexp.MustCompile(`^(.+?) release (\d+(?:\.\d+)*)`)

// parseRedhatRelease reads etc/redhat-release ("Red Hat Enterprise Linux
// release 8.9 (Ootpa)", "CentOS Linux release 7.9.2009 (Core)", "Rocky Linux
// release 9.3 (Blue Onyx)", "Fedora release 39 (Thirty Nine)"). VersionID
// follows each distribution's os-release: major.minor for RHEL, Rocky and
// Alma, the major alone for CentOS and Fedora.
func parseRedhatRelease(s string) *Distro {
	m := redhatLine.FindStringSubmatch(strings.TrimSpace(firstLine(s)))
	if m == nil {
		return nil
	}
	name, ver := m[1], m[2]
	major, _, _ := strings.Cut(ver, ".")
	majorMinor := ver
	if parts := strings.SplitN(ver, ".", 3); len(parts) >= 2 {
		majorMinor = parts[0] + "." + parts[1]
	}
	d := &Distro{Name: name}
	switch {
	case strings.HasPrefix(name, "Red Hat Enterprise Linux"):
		d.ID, d.VersionID = "rhel", majorMinor
	case strings.HasPrefix(name, "CentOS"):
		d.ID, d.VersionID = "centos", major
	case strings.HasPrefix(name, "Rocky Linux"):
		d.ID, d.VersionID = "rocky", majorMinor
	case strings.HasPrefix(name, "AlmaLinux"):
		d.ID, d.VersionID = "almalinux", majorMinor
	case strings.HasPrefix(name, "Fedora"):
		d.ID, d.VersionID = "fedora", major
	case strings.HasPrefix(name, "Oracle Linux"):
		d.ID, d.VersionID = "ol", majorMinor
	default:
		return nil
	}
	return d
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func isLowerWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// ParseOSRelease parses os-release(5) content: newline-separated KEY=VALUE
// assignments where VALUE may be unquoted, "double-quoted" (backslash escapes
// \" \\ \$ \` and line continuation) or 'single-quoted' (no escapes), or a
// concatenation of those, as a shell reads it. Blank lines and lines starting
// with '#' are ignored; so are lines that are not assignments. Trailing
// unquoted whitespace is dropped. A later assignment of a key wins. Input
// past a line longer than 64 KiB is ignored.
func ParseOSRelease(b []byte) map[string]string {
	kv := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxReleaseFile+1)
	var (
		pending strings.Builder // a logical line joined across continuations
		q       quoteState
	)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if pending.Len() == 0 && strings.HasPrefix(strings.TrimLeft(line, " \t"), "#") {
			continue // a comment: quotes in it open nothing
		}
		if pending.Len() > 0 {
			pending.WriteByte('\n')
		}
		pending.WriteString(line)
		if q.continues(line) {
			continue
		}
		parseAssignment(pending.String(), kv)
		pending.Reset()
		q = quoteState{}
	}
	if pending.Len() > 0 {
		parseAssignment(pending.String(), kv)
	}
	return kv
}

// quoteState follows the quoting of a logical line across physical lines.
type quoteState struct{ inDouble, inSingle bool }

// continues scans the next physical line and reports whether the logical
// line goes on after it: an open double or single quote, or a final unquoted
// or double-quoted backslash.
func (q *quoteState) continues(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q.inSingle:
			if c == '\'' {
				q.inSingle = false
			}
		case c == '\\':
			if i == len(s)-1 {
				return true
			}
			i++
		case q.inDouble:
			if c == '"' {
				q.inDouble = false
			}
		case c == '"':
			q.inDouble = true
		case c == '\'':
			q.inSingle = true
		}
	}
	return q.inDouble || q.inSingle
}

func parseAssignment(s string, kv map[string]string) {
	s = strings.TrimLeft(s, " \t")
	if s == "" || s[0] == '#' {
		return
	}
	key, raw, ok := strings.Cut(s, "=")
	if !ok || !validKey(key) {
		return
	}
	kv[key] = unquote(raw)
}

func validKey(k string) bool {
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// unquote evaluates a shell-like value: quotes removed, escapes applied,
// backslash-newline removed, trailing unquoted whitespace dropped.
func unquote(raw string) string {
	raw = strings.TrimLeft(raw, " \t")
	var b strings.Builder
	trimTo := 0 // length of b up to the last quoted or non-blank byte
	inDouble, inSingle := false, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inSingle:
			if c == '\'' {
				inSingle = false
			} else {
				b.WriteByte(c)
			}
			trimTo = b.Len()
		case inDouble:
			switch {
			case c == '"':
				inDouble = false
			case c == '\\' && i+1 < len(raw):
				n := raw[i+1]
				switch n {
				case '\n':
					i++
				case '"', '\\', '$', '`':
					b.WriteByte(n)
					i++
				default:
					b.WriteByte(c)
				}
			default:
				b.WriteByte(c)
			}
			trimTo = b.Len()
		case c == '"':
			inDouble = true
			trimTo = b.Len()
		case c == '\'':
			inSingle = true
			trimTo = b.Len()
		case c == '\\' && i+1 < len(raw):
			if raw[i+1] != '\n' {
				b.WriteByte(raw[i+1])
				trimTo = b.Len()
			}
			i++
		default:
			b.WriteByte(c)
			if c != ' ' && c != '\t' {
				trimTo = b.Len()
			}
		}
	}
	return b.String()[:trimTo]
}
