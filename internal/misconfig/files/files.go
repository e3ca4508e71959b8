package files

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/image"
)

// Rule IDs; stable across releases.
const (
	RuleSetuid            = "VGL-IMG-SETUID"
	RuleSetgid            = "VGL-IMG-SETGID"
	RuleWorldWritableDir  = "VGL-IMG-WORLD-WRITABLE-DIR"
	RuleWorldWritableFile = "VGL-IMG-WORLD-WRITABLE-FILE"
	RulePkgCache          = "VGL-IMG-PKG-CACHE"
)

// rulesVersion names the rule set; bump it whenever a rule changes what it
// reports or how, so cached layer results are recomputed.
const rulesVersion = "files/v1"

// DefaultMaxFindings is the per-rule, per-layer cap when Options.MaxFindings
// is zero.
const DefaultMaxFindings = 100

// maxMaxFindings bounds Options.MaxFindings so that memory stays bounded.
const maxMaxFindings = 1 << 20

// Options tunes a Checker. The zero value gives the defaults.
type Options struct {
	// MaxFindings caps the findings of each rule in one layer; past it one
	// summary finding says how many more there were. 0 means
	// DefaultMaxFindings.
	MaxFindings int
}

// Validate reports an unusable option.
func (o Options) Validate() error {
	if o.MaxFindings < 0 || o.MaxFindings > maxMaxFindings {
		return fmt.Errorf("files: MaxFindings %d out of range 0..%d", o.MaxFindings, maxMaxFindings)
	}
	return nil
}

func (o Options) maxFindings() int {
	if o.MaxFindings == 0 {
		return DefaultMaxFindings
	}
	return o.MaxFindings
}

// Checker holds the checks' settings; it is immutable and safe for
// concurrent use.
type Checker struct {
	max int
}

// New returns a Checker for o.
func New(o Options) (*Checker, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return &Checker{max: o.maxFindings()}, nil
}

// Key names the rule set version and every option that changes results.
func (c *Checker) Key() string {
	return rulesVersion + " max=" + strconv.Itoa(c.max)
}

// Layer returns the checks of one layer, to be fed from one goroutine.
func (c *Checker) Layer(layerID string) *Layer {
	return &Layer{id: layerID, max: c.max}
}

// rule indexes the per-file rules in the order findings are reported.
type rule int

const (
	ruleSetuid rule = iota
	ruleSetgid
	ruleWWDir
	ruleWWFile
	numFileRules
)

// hit is one flagged entry, formatted into a finding only by Findings.
type hit struct {
	path     string
	mode     fs.FileMode
	uid, gid int
}

// Layer collects the findings of one layer. It is used from one goroutine.
type Layer struct {
	id   string
	max  int
	hits [numFileRules][]hit
	more [numFileRules]int // flagged entries past max

	caches     map[string]*cacheAgg // by cache directory
	cacheOrder []*cacheAgg
	moreCaches int // files in caches past max (cache directories not kept)
	done       bool
}

// cacheAgg sums the regular files of one cache directory.
type cacheAgg struct {
	kind  *cacheKind
	dir   string
	files int
	bytes int64
	// nonEmpty counts the files with size > 0: only those make a finding.
	nonEmpty int
}

// Entry judges one entry of the layer. Entries that match nothing cost a
// few prefix comparisons and no allocation.
func (l *Layer) Entry(e image.EntryInfo) {
	switch e.Type {
	case image.EntryFile, image.EntryHardlink:
		if e.Mode&fs.ModeSetuid != 0 {
			l.add(ruleSetuid, e)
		}
		if e.Mode&fs.ModeSetgid != 0 {
			l.add(ruleSetgid, e)
		}
		if e.Mode&0o002 != 0 {
			l.add(ruleWWFile, e)
		}
		if e.Type == image.EntryFile {
			if k, dir := matchCache(e.Path); k != nil {
				l.addCache(k, dir, e.Size)
			}
		}
	case image.EntryDir:
		if e.Mode&0o002 != 0 && e.Mode&fs.ModeSticky == 0 {
			l.add(ruleWWDir, e)
		}
	}
}

func (l *Layer) add(r rule, e image.EntryInfo) {
	if len(l.hits[r]) >= l.max {
		l.more[r]++
		return
	}
	l.hits[r] = append(l.hits[r], hit{path: e.Path, mode: e.Mode, uid: e.UID, gid: e.GID})
}

func (l *Layer) addCache(k *cacheKind, dir string, size int64) {
	a := l.caches[dir]
	if a == nil {
		if len(l.cacheOrder) >= l.max {
			if size > 0 {
				l.moreCaches++
			}
			return
		}
		if l.caches == nil {
			l.caches = make(map[string]*cacheAgg)
		}
		a = &cacheAgg{kind: k, dir: dir}
		l.caches[dir] = a
		l.cacheOrder = append(l.cacheOrder, a)
	}
	a.files++
	if size > 0 {
		a.bytes += size
		a.nonEmpty++
	}
}

const cisRef = "https://www.cisecurity.org/benchmark/docker"

// Findings returns the layer's findings: setuid, setgid, world-writable
// directories, world-writable files, then package caches, each sorted by
// path, each rule followed by its "and N more" summary if it overflowed.
// It is called once, after the last Entry; later calls return nil.
func (l *Layer) Findings() []finding.Finding {
	if l.done {
		return nil
	}
	l.done = true
	var out []finding.Finding
	for r := range numFileRules {
		hs := l.hits[r]
		sort.SliceStable(hs, func(i, j int) bool { return hs[i].path < hs[j].path })
		for _, h := range hs {
			out = append(out, l.fileFinding(r, h))
		}
		if n := l.more[r]; n > 0 {
			out = append(out, l.summary(fileRules[r].id, fileRules[r].title, fmt.Sprintf("and %d more %s in this layer (over the limit of %d findings per rule)", n, fileRules[r].plural, l.max)))
		}
	}
	var reported []*cacheAgg
	for _, a := range l.cacheOrder {
		if a.nonEmpty > 0 {
			reported = append(reported, a)
		}
	}
	sort.Slice(reported, func(i, j int) bool { return reported[i].dir < reported[j].dir })
	for _, a := range reported {
		out = append(out, finding.Finding{
			RuleID:      RulePkgCache,
			Kind:        finding.KindImage,
			Severity:    finding.SeverityLow,
			Title:       pkgCacheTitle,
			Message:     fmt.Sprintf("%s left in the image: %d %s, %s", a.kind.what, a.files, plural(a.files, "file", "files"), formatSize(a.bytes)),
			Remediation: a.kind.fix,
			Location:    finding.Location{Layer: l.id, Path: a.dir},
			References:  []string{cisRef, bestPracticesRef},
		})
	}
	if l.moreCaches > 0 {
		out = append(out, l.summary(RulePkgCache, pkgCacheTitle, fmt.Sprintf("and %d more non-empty files in other package-manager caches in this layer (over the limit of %d findings per rule)", l.moreCaches, l.max)))
	}
	// Release what the layer held.
	l.hits = [numFileRules][]hit{}
	l.caches, l.cacheOrder = nil, nil
	return out
}

func (l *Layer) summary(id, title, msg string) finding.Finding {
	return finding.Finding{
		RuleID:      id,
		Kind:        finding.KindImage,
		Severity:    finding.SeverityLow,
		Title:       title,
		Message:     msg,
		Remediation: "Raise the findings limit to list them all.",
		Location:    finding.Location{Layer: l.id},
		References:  []string{cisRef},
	}
}

type fileRule struct {
	id, title, plural string
}

var fileRules = [numFileRules]fileRule{
	ruleSetuid: {RuleSetuid, "Setuid file", "setuid files"},
	ruleSetgid: {RuleSetgid, "Setgid file", "setgid files"},
	ruleWWDir:  {RuleWorldWritableDir, "World-writable directory", "world-writable directories"},
	ruleWWFile: {RuleWorldWritableFile, "World-writable file", "world-writable files"},
}

const pkgCacheTitle = "Package-manager cache left in the image"

const bestPracticesRef = "https://docs.docker.com/build/building/best-practices/"

func (l *Layer) fileFinding(r rule, h hit) finding.Finding {
	f := finding.Finding{
		RuleID:     fileRules[r].id,
		Kind:       finding.KindImage,
		Title:      fileRules[r].title,
		Location:   finding.Location{Layer: l.id, Path: h.path},
		References: []string{cisRef},
	}
	mode := octal(h.mode)
	exec := h.mode&0o111 != 0
	switch r {
	case ruleSetuid:
		f.Severity = finding.SeverityLow
		if h.uid == 0 && exec {
			f.Severity = finding.SeverityMedium
		}
		f.Message = fmt.Sprintf("setuid file /%s owned by %s, mode %s: it runs with its owner's privileges", h.path, owner("UID", h.uid), mode)
		f.Remediation = fmt.Sprintf("Remove the bit in the Dockerfile (RUN chmod u-s /%s), or drop the package that installs it if the image does not need it.", h.path)
	case ruleSetgid:
		f.Severity = finding.SeverityLow
		if h.gid == 0 && exec {
			f.Severity = finding.SeverityMedium
		}
		f.Message = fmt.Sprintf("setgid file /%s owned by %s with group %s, mode %s: it runs with its group's privileges", h.path, owner("UID", h.uid), owner("GID", h.gid), mode)
		f.Remediation = fmt.Sprintf("Remove the bit in the Dockerfile (RUN chmod g-s /%s), or drop the package that installs it if the image does not need it.", h.path)
	case ruleWWDir:
		f.Severity = finding.SeverityMedium
		f.Message = fmt.Sprintf("directory /%s is writable by every user and has no sticky bit, mode %s: any process can replace files in it", h.path, mode)
		f.Remediation = fmt.Sprintf("Remove write access for others (RUN chmod o-w /%s), or set the sticky bit (chmod +t) if it is a shared scratch directory like /tmp.", h.path)
	case ruleWWFile:
		f.Severity = finding.SeverityMedium
		f.Message = fmt.Sprintf("file /%s is writable by every user, mode %s", h.path, mode)
		f.Remediation = fmt.Sprintf("Remove write access for others in the Dockerfile (RUN chmod o-w /%s, or COPY --chmod with a narrower mode).", h.path)
	}
	return f
}

// owner is "root (UID 0)" or "UID 1000".
func owner(kind string, id int) string {
	if id == 0 {
		return "root (" + kind + " 0)"
	}
	return kind + " " + strconv.Itoa(id)
}

// octal writes a mode as chmod does: "4755", "0777", "1777".
func octal(m fs.FileMode) string {
	v := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		v |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		v |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return fmt.Sprintf("%04o", v)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// formatSize writes a byte count in decimal units: "512 B", "34.5 MB".
func formatSize(n int64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	for _, u := range []string{"kB", "MB", "GB", "TB", "PB"} {
		v /= unit
		if v < unit || u == "PB" {
			return strconv.FormatFloat(v, 'f', 1, 64) + " " + u
		}
	}
	return strconv.FormatInt(n, 10) + " B" // not reached
}

// cacheKind is one kind of package-manager cache.
type cacheKind struct {
	what string // "apt package lists"
	fix  string
}

var (
	cacheAptArchives = &cacheKind{"apt downloaded packages", "Run apt-get clean (or rm -rf /var/cache/apt/archives/*.deb) in the same RUN as apt-get install, or use a BuildKit cache mount."}
	cacheAptBin      = &cacheKind{"apt package cache", "Run apt-get clean in the same RUN as apt-get install, or use a BuildKit cache mount for /var/cache/apt."}
	cacheAptLists    = &cacheKind{"apt package lists", "Remove the lists in the same RUN that installs: apt-get update && apt-get install -y ... && rm -rf /var/lib/apt/lists/*."}
	cacheApk         = &cacheKind{"apk package cache", "Use apk add --no-cache, or rm -rf /var/cache/apk/* in the same RUN."}
	cacheYum         = &cacheKind{"yum package cache", "Run yum clean all && rm -rf /var/cache/yum in the same RUN as yum install."}
	cacheDnf         = &cacheKind{"dnf package cache", "Run dnf clean all && rm -rf /var/cache/dnf in the same RUN as dnf install (or microdnf clean all)."}
	cachePip         = &cacheKind{"pip cache", "Install with pip install --no-cache-dir (or set PIP_NO_CACHE_DIR=1), or use a BuildKit cache mount."}
	cacheNpm         = &cacheKind{"npm cache", "Run npm cache clean --force in the same RUN as npm install/ci, or use a BuildKit cache mount."}
	cacheYarn        = &cacheKind{"yarn cache", "Run yarn cache clean in the same RUN as yarn install, or use a BuildKit cache mount."}
	cacheGoBuild     = &cacheKind{"Go build cache", "Build in a separate stage and copy only the binary, run go clean -cache in the same RUN, or use a BuildKit cache mount for /root/.cache/go-build."}
)

// homeCaches are the caches under a home directory (root/ or home/USER/),
// with the trailing slash.
var homeCaches = [...]struct {
	sub  string
	kind *cacheKind
}{
	{".cache/pip/", cachePip},
	{".npm/_cacache/", cacheNpm},
	{".cache/yarn/", cacheYarn},
	{".cache/go-build/", cacheGoBuild},
}

// matchCache returns the cache a regular file at p belongs to and that
// cache's directory, or nil. It never allocates: dir is a constant or a
// prefix of p.
func matchCache(p string) (*cacheKind, string) {
	switch {
	case strings.HasPrefix(p, "var/"):
		rest := p[len("var/"):]
		switch {
		case strings.HasPrefix(rest, "lib/apt/lists/"):
			name := rest[len("lib/apt/lists/"):]
			if name != "lock" && strings.IndexByte(name, '/') < 0 {
				return cacheAptLists, "var/lib/apt/lists"
			}
		case strings.HasPrefix(rest, "cache/"):
			rest = rest[len("cache/"):]
			switch {
			case strings.HasPrefix(rest, "apt/archives/"):
				name := rest[len("apt/archives/"):]
				if strings.HasSuffix(name, ".deb") && strings.IndexByte(name, '/') < 0 {
					return cacheAptArchives, "var/cache/apt/archives"
				}
			case strings.HasPrefix(rest, "apt/"):
				name := rest[len("apt/"):]
				if strings.HasSuffix(name, ".bin") && strings.IndexByte(name, '/') < 0 {
					return cacheAptBin, "var/cache/apt"
				}
			case strings.HasPrefix(rest, "apk/"):
				return cacheApk, "var/cache/apk"
			case strings.HasPrefix(rest, "yum/"):
				return cacheYum, "var/cache/yum"
			case strings.HasPrefix(rest, "dnf/"):
				return cacheDnf, "var/cache/dnf"
			}
		}
	case strings.HasPrefix(p, "etc/apk/cache/"):
		return cacheApk, "etc/apk/cache"
	case strings.HasPrefix(p, "root/"):
		return matchHome(p, len("root/"))
	case strings.HasPrefix(p, "home/"):
		i := strings.IndexByte(p[len("home/"):], '/')
		if i > 0 {
			return matchHome(p, len("home/")+i+1)
		}
	case strings.HasPrefix(p, "usr/local/share/.cache/yarn/"):
		return cacheYarn, "usr/local/share/.cache/yarn"
	}
	return nil, ""
}

// matchHome matches p[home:] against the caches of a home directory p[:home].
func matchHome(p string, home int) (*cacheKind, string) {
	rest := p[home:]
	if rest == "" || rest[0] != '.' {
		return nil, ""
	}
	for _, c := range homeCaches {
		if strings.HasPrefix(rest, c.sub) {
			return c.kind, p[:home+len(c.sub)-1]
		}
	}
	return nil, ""
}
