package feed

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// sniffSize is how much of a file Detect reads to tell formats apart.
const sniffSize = 64 << 10

// maxDetectWalk caps the directory entries Detect looks at before giving up.
const maxDetectWalk = 100000

var (
	dsaHeadRE     = regexp.MustCompile(`^\[[^\]]*\]\s+DSA-[0-9]`)
	dlaHeadRE     = regexp.MustCompile(`^\[[^\]]*\]\s+DLA-[0-9]`)
	cveHeadRE     = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9N]`)
	debianJSONRE  = regexp.MustCompile(`^\s*\{\s*"[a-z0-9][a-z0-9+.-]*"\s*:\s*\{\s*("(CVE|TEMP)-|\})`)
	kevRE         = regexp.MustCompile(`"catalogVersion"\s*:`)
	distroverRE   = regexp.MustCompile(`"distroversion"\s*:`)
	packagesKeyRE = regexp.MustCompile(`"packages"\s*:`)
	ovalRootRE    = regexp.MustCompile(`<(?:[A-Za-z0-9_-]+:)?oval_definitions[\s>]`)
)

func detect(path string) ([]Source, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("detect %s: %w", path, err)
	}
	if fi.IsDir() {
		return detectDir(path)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("detect %s: not a regular file or directory", path)
	}
	format, err := detectFile(path)
	if err != nil {
		return nil, fmt.Errorf("detect %s: %w", path, err)
	}
	return []Source{{Name: nameFor(format, path), Format: format, URLs: []string{path}}}, nil
}

// detectFile tells the format of one file by its name and first bytes.
func detectFile(path string) (string, error) {
	base := filepath.Base(path)
	lower := strings.ToLower(base)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		return FormatOSV, nil
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"), strings.HasSuffix(lower, ".tar"):
		return FormatOSV, nil
	case strings.HasSuffix(lower, ".yaml"), strings.HasSuffix(lower, ".yml"):
		return FormatOSV, nil
	}
	head, err := sniff(path)
	if err != nil {
		return "", err
	}
	switch {
	case strings.HasSuffix(lower, ".xml"), strings.HasSuffix(lower, ".xml.gz"), strings.HasSuffix(lower, ".xml.bz2"):
		if !ovalRootRE.Match(head) {
			return "", errors.New("XML file without an OVAL oval_definitions root")
		}
		return FormatOVAL, nil
	case base == "list":
		line, _, _ := bytes.Cut(head, []byte("\n"))
		switch {
		case dsaHeadRE.Match(line):
			return FormatDebianDSA, nil
		case dlaHeadRE.Match(line):
			return FormatDebianDLA, nil
		case cveHeadRE.Match(line):
			return FormatDebianCVE, nil
		}
		return "", errors.New("a file named list that starts like neither a DSA, DLA nor CVE list")
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return "", errors.New("format not recognised (not JSON, XML, a Debian list, a zip or a tar.gz)")
	}
	switch {
	case kevRE.Match(head):
		return FormatKEV, nil
	case distroverRE.Match(head) && packagesKeyRE.Match(head):
		return FormatAlpine, nil
	case debianJSONRE.Match(head):
		return FormatDebianJSON, nil
	case bytes.Contains(head, []byte(`"id"`)):
		return FormatOSV, nil
	}
	return "", errors.New("JSON of no known source format (OSV, Alpine secdb, Debian JSON, CISA KEV)")
}

// sniff reads the first sniffSize bytes of a file, decompressed when it is
// gzip or bzip2.
func sniff(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	magic, _ := br.Peek(3)
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	case bytes.Equal(magic, []byte("BZh")):
		r = bzip2.NewReader(br)
	}
	head := make([]byte, sniffSize)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("read: %w", err)
	}
	return head[:n], nil
}

// detectDir recognises a Debian tracker data/ directory (or the checkout
// above it), a directory of Alpine secdb files, or a directory of OSV records.
func detectDir(dir string) ([]Source, error) {
	for _, data := range []string{dir, filepath.Join(dir, "data")} {
		var srcs []Source
		for _, l := range []struct{ sub, name, format string }{
			{"DSA", NameDebianDSA, FormatDebianDSA},
			{"DLA", NameDebianDLA, FormatDebianDLA},
			{"CVE", NameDebianCVE, FormatDebianCVE},
		} {
			p := filepath.Join(data, l.sub, "list")
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				srcs = append(srcs, Source{Name: l.name, Format: l.format, URLs: []string{p}})
			}
		}
		if len(srcs) > 0 {
			return srcs, nil
		}
	}
	var first string
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable parts are the importer's Problems
		}
		if n++; n > maxDetectWalk {
			return fs.SkipAll
		}
		name := d.Name()
		if d.Type().IsRegular() && (strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			first = p
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("detect %s: %w", dir, err)
	}
	if first == "" {
		return nil, fmt.Errorf("detect %s: no Debian tracker lists and no .json or .yaml files below it", dir)
	}
	format := FormatOSV
	if strings.HasSuffix(first, ".json") {
		f, err := detectFile(first)
		if err != nil {
			return nil, fmt.Errorf("detect %s: first file %s: %w", dir, first, err)
		}
		format = f
	}
	switch format {
	case FormatOSV, FormatAlpine:
	default:
		return nil, fmt.Errorf("detect %s: a directory of %s files is not a known source (import the files themselves)", dir, format)
	}
	return []Source{{Name: nameFor(format, dir), Format: format, URLs: []string{dir}}}, nil
}

// nameFor is the stable source name of a detected path.
func nameFor(format, path string) string {
	switch format {
	case FormatAlpine:
		return NameAlpine
	case FormatDebianDSA:
		return NameDebianDSA
	case FormatDebianDLA:
		return NameDebianDLA
	case FormatDebianCVE:
		return NameDebianCVE
	case FormatDebianJSON:
		return NameDebianJSON
	case FormatKEV:
		return NameKEV
	case FormatOVAL:
		return ovalName(filepath.Base(path))
	}
	base := trimExt(filepath.Base(filepath.Clean(path)), ".zip", ".tar.gz", ".tgz", ".tar", ".json", ".yaml", ".yml")
	if base == "all" { // OSV's <ecosystem>/all.zip
		base = filepath.Base(filepath.Dir(filepath.Clean(path)))
	}
	return osvName(base)
}

func osvName(base string) string { return "osv-" + strings.ToLower(base) }

func ovalName(file string) string {
	return "oval-" + trimExt(file, ".xml.gz", ".xml.bz2", ".xml")
}

func trimExt(s string, exts ...string) string {
	for _, e := range exts {
		if t, ok := strings.CutSuffix(s, e); ok && t != "" {
			return t
		}
	}
	return s
}
