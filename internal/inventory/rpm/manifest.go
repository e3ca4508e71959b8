package rpm

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Azure Linux and CBL-Mariner distroless images drop the rpm database and
// keep two listings written by their image toolkit at build time:
//
//	container-manifest-1: `rpm -qa`, one "NAME-VERSION-RELEASE.ARCH" a line
//	container-manifest-2: `rpm -qa --qf` with ten tab-separated columns
//	    NAME  VERSION-RELEASE  INSTALLTIME  BUILDTIME  VENDOR  EPOCH  SIZE  ARCH  EPOCHNUM  SOURCERPM
//
// The toolkit writes the EPOCH column as the literal "(none)" and the epoch
// only as EPOCHNUM, which is 0 both for "no epoch" and "epoch 0"; other
// builders write %{EPOCH} there. So the epoch is the EPOCH column when it is a
// number, else EPOCHNUM when it is not 0, else absent (rpm orders a missing
// epoch as 0, so nothing is lost for matching). The manifest has no licence.
// container-manifest-1 carries neither epoch nor source and is read only when
// container-manifest-2 is absent.

const manifest2Fields = 10

// maxLine bounds one manifest line.
const maxLine = 64 << 10

// readManifest parses the manifest at p.
func (c *Cataloger) readManifest(fsys fs.FS, p string) ([]inventory.Package, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, fmt.Errorf("rpm manifest %s: %w", p, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, c.cfg.MaxManifestSize+1))
	if err != nil {
		return nil, fmt.Errorf("rpm manifest %s: %w", p, err)
	}
	if int64(len(data)) > c.cfg.MaxManifestSize {
		return nil, fmt.Errorf("rpm manifest %s: over the %d-byte limit", p, c.cfg.MaxManifestSize)
	}
	parse := parseManifest2
	if p == manifest1 {
		parse = parseManifest1
	}
	recs, err := parse(data, c.cfg.MaxPackages)
	pkgs := make([]inventory.Package, 0, len(recs))
	for _, r := range recs {
		if r.Name != gpgPubkey {
			pkgs = append(pkgs, toPackage(r, p))
		}
	}
	if err != nil {
		return pkgs, fmt.Errorf("rpm manifest %s: %w", p, err)
	}
	return pkgs, nil
}

// lines calls fn with each non-blank line of data and its 1-based number,
// stopping at the first error; CRLF endings are accepted.
func lines(data []byte, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line too long or unreadable: %w", err)
	}
	return nil
}

// parseManifest2 parses container-manifest-2. A malformed line is an error
// naming it; the lines before it are returned.
func parseManifest2(data []byte, maxPkgs int) ([]rpmPackage, error) {
	var out []rpmPackage
	err := lines(data, func(n int, line string) error {
		if len(out) >= maxPkgs {
			return fmt.Errorf("more than %d packages", maxPkgs)
		}
		f := strings.Split(line, "\t")
		if len(f) != manifest2Fields {
			return fmt.Errorf("line %d: %d tab-separated fields, want %d", n, len(f), manifest2Fields)
		}
		name, vr, arch, srpm := f[0], f[1], f[7], f[9]
		v, r, ok := splitVR(vr)
		if !validName(name) || !ok {
			return fmt.Errorf("line %d: bad name %q or version-release %q", n, name, vr)
		}
		if !validField(arch) || !validField(srpm) {
			return fmt.Errorf("line %d: bad arch %q or source rpm %q", n, arch, srpm)
		}
		p := rpmPackage{Name: name, Version: v, Release: r, Arch: arch}
		if srpm != "(none)" {
			p.SourceRPM = srpm
		}
		if p.Arch == "(none)" {
			p.Arch = ""
		}
		epoch, err := manifestEpoch(f[5], f[8])
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		p.Epoch = epoch
		out = append(out, p)
		return nil
	})
	return out, err
}

// manifestEpoch applies the epoch rule described at the top of this file.
func manifestEpoch(epochCol, epochNum string) (*int, error) {
	parse := func(s string) (int, error) {
		e, err := strconv.Atoi(s)
		if err != nil || e < 0 {
			return 0, fmt.Errorf("bad epoch %q", s)
		}
		return e, nil
	}
	switch epochCol {
	case "(none)", "":
	default:
		e, err := parse(epochCol)
		if err != nil {
			return nil, err
		}
		return &e, nil
	}
	if epochNum == "" {
		return nil, nil
	}
	e, err := parse(epochNum)
	if err != nil {
		return nil, err
	}
	if e == 0 {
		return nil, nil
	}
	return &e, nil
}

// knownArches are the architectures rpm uses in NEVRA strings; a release can
// contain dots ("4.azl3"), so only a known suffix is taken as the arch.
var knownArches = map[string]bool{
	"noarch": true, "x86_64": true, "aarch64": true, "i686": true, "i586": true,
	"i386": true, "armv7hl": true, "armv7l": true, "ppc64le": true, "ppc64": true,
	"s390x": true, "riscv64": true, "src": true,
}

// parseManifest1 parses container-manifest-1 ("NAME-VERSION-RELEASE.ARCH").
func parseManifest1(data []byte, maxPkgs int) ([]rpmPackage, error) {
	var out []rpmPackage
	err := lines(data, func(n int, line string) error {
		if len(out) >= maxPkgs {
			return fmt.Errorf("more than %d packages", maxPkgs)
		}
		nevra := strings.TrimSpace(line)
		var arch string
		if i := strings.LastIndexByte(nevra, '.'); i > 0 && knownArches[nevra[i+1:]] {
			nevra, arch = nevra[:i], nevra[i+1:]
		}
		i := strings.LastIndexByte(nevra, '-')
		if i <= 0 {
			return fmt.Errorf("line %d: %q is not NAME-VERSION-RELEASE.ARCH", n, line)
		}
		j := strings.LastIndexByte(nevra[:i], '-')
		if j <= 0 {
			return fmt.Errorf("line %d: %q is not NAME-VERSION-RELEASE.ARCH", n, line)
		}
		name, v, r := nevra[:j], nevra[j+1:i], nevra[i+1:]
		if !validName(name) || !validField(v) || !validField(r) || v == "" || r == "" {
			return fmt.Errorf("line %d: %q is not NAME-VERSION-RELEASE.ARCH", n, line)
		}
		out = append(out, rpmPackage{Name: name, Version: v, Release: r, Arch: arch})
		return nil
	})
	return out, err
}

// splitVR splits "VERSION-RELEASE"; rpm forbids '-' in both.
func splitVR(s string) (v, r string, ok bool) {
	v, r, ok = strings.Cut(s, "-")
	if !ok || v == "" || r == "" || strings.Contains(r, "-") || !validField(v) || !validField(r) {
		return "", "", false
	}
	return v, r, true
}

// validName accepts a package name: non-empty, no blanks or control bytes.
func validName(s string) bool { return s != "" && validField(s) }

// validField rejects whitespace and control characters, which no rpm tag
// value used here may hold, and over-long values.
func validField(s string) bool {
	if len(s) > 4096 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '\uFFFD' {
			return false
		}
	}
	return true
}
