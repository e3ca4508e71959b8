package e2e_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/vigil-sec/vigil/internal/image/source"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/version"
)

// dsaFix is one "[bullseye] - source version" line of a DSA.
type dsaFix struct {
	DSA, Source, Fixed string
	CVEs               []string
}

var (
	dsaHeader = regexp.MustCompile(`^\[\d{2} [A-Z][a-z]{2} \d{4}\] (DSA-\d+(?:-\d+)?) `)
	dsaCVEs   = regexp.MustCompile(`^\s+\{([^}]*)\}`)
	dsaLine   = regexp.MustCompile(`^\s+\[bullseye\] - (\S+) (\S+)`)
)

// bullseyeDSAs reads the Debian security tracker's DSA list on its own (not
// through vigil's importer) and returns its bullseye fixes with a version.
func bullseyeDSAs(t *testing.T, list string) []dsaFix {
	t.Helper()
	f, err := os.Open(list)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out       []dsaFix
		dsa       string
		cves      []string
		sc        = bufio.NewScanner(f)
		headerSet int
	)
	for sc.Scan() {
		line := sc.Text()
		if m := dsaHeader.FindStringSubmatch(line); m != nil {
			dsa, cves = m[1], nil
			headerSet++
			continue
		}
		if m := dsaCVEs.FindStringSubmatch(line); m != nil && dsa != "" {
			cves = strings.Fields(m[1])
			continue
		}
		if m := dsaLine.FindStringSubmatch(line); m != nil && dsa != "" && !strings.HasPrefix(m[2], "<") {
			out = append(out, dsaFix{DSA: dsa, Source: m[1], Fixed: m[2], CVEs: slices.Clone(cves)})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if headerSet < 5000 || len(out) < 300 {
		t.Fatalf("%s: %d DSAs, %d bullseye fixes: not the tracker's DSA list?", list, headerSet, len(out))
	}
	return out
}

// bullseyeRelease holds the revision that Debian 11.0 shipped, for the
// sources whose first bullseye DSA is not a "+deb11uN" upload of it (so the
// release revision cannot be read off the fixed version): dpkg's DSA-5147-1
// fixed 1.20.10, a new upstream in a point release after 11.0's 1.20.9;
// xz-utils' DSA-5123-1 fixed 5.2.5-2.1~deb11u1, a backport of sid's
// 5.2.5-2.1 over 11.0's 5.2.5-2 (dropping "~deb11u1" would give a version
// above the fix).
var bullseyeRelease = map[string]string{
	"dpkg":     "1.20.9",
	"xz-utils": "5.2.5-2",
}

var deb11u = regexp.MustCompile(`\+deb11u\d+$`)

// setBack is one source package moved back to the revision before a DSA.
type setBack struct {
	Source       string
	From, To     string // source versions
	Why          string
	Binaries     []string
	Above, Below []dsaFix // bullseye DSAs fixed after To (must match) and at or before it (must not)
}

// statusPara is one paragraph of var/lib/dpkg/status.
type statusPara struct {
	raw                   []byte
	name, version         string
	source, sourceVer     string // Source field, else the package name and version
	installed             bool
	sourceFieldHasVersion bool
}

func parseStatus(b []byte) []statusPara {
	var out []statusPara
	for _, p := range splitParagraphs(b) {
		sp := statusPara{raw: p, name: field(p, "Package"), version: field(p, "Version")}
		sp.installed = field(p, "Status") == "install ok installed"
		sp.source, sp.sourceVer = sp.name, sp.version
		if src := field(p, "Source"); src != "" {
			name, ver, ok := strings.Cut(src, " (")
			sp.source = name
			if ok {
				sp.sourceVer = strings.TrimSuffix(ver, ")")
				sp.sourceFieldHasVersion = true
			}
		}
		out = append(out, sp)
	}
	return out
}

// rewrite returns the paragraph with its version (and the version in
// "Source: name (version)") changed from the source version from to to.
func (sp statusPara) rewrite(t *testing.T, from, to string) []byte {
	t.Helper()
	newVer := ""
	switch {
	case sp.version == from:
		newVer = to
	case strings.HasSuffix(sp.version, ":"+from) && !strings.Contains(from, ":"):
		// bsdutils 1:2.36.1-8+deb11u2 from util-linux 2.36.1-8+deb11u2: the
		// binary adds an epoch of its own.
		newVer = strings.TrimSuffix(sp.version, from) + to
	default:
		t.Fatalf("%s %s: cannot move its version from source version %s to %s", sp.name, sp.version, from, to)
	}
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(sp.raw), "\n") {
		switch {
		case line == "Version: "+sp.version+"\n":
			line = "Version: " + newVer + "\n"
		case sp.sourceFieldHasVersion && line == "Source: "+sp.source+" ("+from+")\n":
			line = "Source: " + sp.source + " (" + to + ")\n"
		}
		out.WriteString(line)
	}
	if bytes.Equal(out.Bytes(), sp.raw) {
		t.Fatalf("%s: nothing rewritten", sp.name)
	}
	return out.Bytes()
}

// TestVulnDebian builds a Debian 11 image from the debootstrap bullseye tree
// in which every source package with a bullseye DSA is set back to the real
// revision before one of its DSA fixes (layer 1 the unmodified tree, layer 2
// only the rewritten var/lib/dpkg/status), and checks the findings against
// (source, CVE, fixed version) triples derived from the DSA list in the
// test: every DSA fixed after the set-back version is reported for each
// binary of the source with that fixed version, and no DSA fixed at or
// before it is. The unmodified tree alone reports nothing, since it is newer
// than the data (April 2023).
func TestVulnDebian(t *testing.T) {
	t.Parallel()
	testenv.Root(t) // the tree has root-only files (etc/shadow, ...)
	root := testenv.TestData(t, "debian", "bullseye")
	list := testenv.Shared(t, "vulndata", "debian-security-tracker", "data", "DSA", "list")
	testenv.Tool(t, "gzip")
	dpkg := testenv.Tool(t, "dpkg")
	deb := version.Deb{}
	cmpDeb := func(a, b string) int {
		c, err := deb.Compare(a, b)
		if err != nil {
			t.Fatalf("compare %s %s: %v", a, b, err)
		}
		return c
	}

	const statusPath = "var/lib/dpkg/status"
	status, err := os.ReadFile(filepath.Join(root, statusPath))
	if err != nil {
		t.Fatal(err)
	}
	paras := parseStatus(status)
	fixes := bullseyeDSAs(t, list)
	bySource := map[string][]dsaFix{}
	for _, f := range fixes {
		bySource[f.Source] = append(bySource[f.Source], f)
	}
	installedSources := map[string]string{} // source -> source version
	for _, p := range paras {
		if p.installed {
			installedSources[p.source] = p.sourceVer
		}
	}

	// Choose the set-backs.
	var backs []*setBack
	for _, src := range slices.Sorted(maps.Keys(installedSources)) {
		dsas := slices.Clone(bySource[src])
		if len(dsas) == 0 {
			continue
		}
		slices.SortStableFunc(dsas, func(a, b dsaFix) int { return cmpDeb(a.Fixed, b.Fixed) })
		var fixedVers []string
		for _, d := range dsas {
			if len(fixedVers) == 0 || fixedVers[len(fixedVers)-1] != d.Fixed {
				fixedVers = append(fixedVers, d.Fixed)
			}
		}
		// With three or more fixes, go back to before the second, so that
		// the first is a fix the package already has; else before the first.
		b := &setBack{Source: src, From: installedSources[src]}
		if len(fixedVers) >= 3 {
			b.To, b.Why = fixedVers[0], "fixed version of the previous bullseye DSA"
		} else if deb11u.MatchString(fixedVers[0]) {
			// The bullseye release revision: a DSA for bullseye is an upload
			// of the release's revision with "+deb11uN" appended.
			b.To, b.Why = deb11u.ReplaceAllString(fixedVers[0], ""), "bullseye release revision"
		} else if rel, ok := bullseyeRelease[src]; ok {
			b.To, b.Why = rel, "bullseye release revision (known)"
		} else {
			t.Logf("source %s: first bullseye fix %s is no +deb11uN upload and its release revision is not known here; left as installed", src, fixedVers[0])
			continue
		}
		for _, d := range dsas {
			if cmpDeb(d.Fixed, b.To) > 0 {
				b.Above = append(b.Above, d)
			} else {
				b.Below = append(b.Below, d)
			}
		}
		if len(b.Above) == 0 {
			t.Fatalf("source %s: set back to %s is not below any of its DSA fixes", src, b.To)
		}
		backs = append(backs, b)
	}

	// Rewrite the status file.
	newStatus := map[string]statusPara{} // binary -> paragraph after the rewrite
	var modified bytes.Buffer
	for _, p := range paras {
		raw := p.raw
		for _, b := range backs {
			if p.source == b.Source {
				raw = p.rewrite(t, b.From, b.To)
				b.Binaries = append(b.Binaries, p.name)
			}
		}
		modified.Write(raw)
		modified.WriteString("\n")
	}
	for _, p := range parseStatus(modified.Bytes()) {
		newStatus[p.name] = p
	}

	// Cross-check the version order this test relies on with dpkg itself.
	checked := 0
	for _, b := range backs {
		for _, d := range append(slices.Clone(b.Above), b.Below...) {
			for _, pair := range [][2]string{{b.To, d.Fixed}, {b.From, d.Fixed}} {
				want := cmpDeb(pair[0], pair[1]) < 0
				err := exec.Command(dpkg, "--compare-versions", pair[0], "lt", pair[1]).Run()
				if got := err == nil; got != want {
					t.Fatalf("dpkg --compare-versions %s lt %s: %v, version.Deb says %v", pair[0], pair[1], got, want)
				}
				checked++
			}
		}
	}
	t.Logf("dpkg --compare-versions agrees with version.Deb on %d pairs", checked)

	// The triples and the expected findings, computed from the status file
	// and the DSA list alone.
	type triple struct{ Source, CVE, Fixed string }
	var positive, negative []triple
	for _, b := range backs {
		t.Logf("set back %s from %s to %s (%s): binaries %v; %d DSAs fixed after, %d at or before",
			b.Source, b.From, b.To, b.Why, b.Binaries, len(b.Above), len(b.Below))
		for _, d := range b.Above {
			for _, c := range d.CVEs {
				positive = append(positive, triple{b.Source, c, d.Fixed})
			}
		}
		for _, d := range b.Below {
			for _, c := range d.CVEs {
				negative = append(negative, triple{b.Source, c, d.Fixed})
			}
		}
	}
	slices.SortFunc(positive, func(a, b triple) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	positive = slices.Compact(positive)
	slices.SortFunc(negative, func(a, b triple) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	negative = slices.Compact(negative)
	t.Logf("%d (source, CVE, fixed) triples checked: %d must be reported, %d must not",
		len(positive)+len(negative), len(positive), len(negative))
	if len(positive)+len(negative) < 20 || len(negative) == 0 {
		t.Fatalf("only %d triples (%d at or below the installed version): the acceptance needs at least 20, some of each kind",
			len(positive)+len(negative), len(negative))
	}

	// expect lists, for each installed binary, every bullseye DSA CVE whose
	// fix is above its source version, with the highest such fix where DSAs
	// of one source repeat a CVE (as match documents; the data has no such
	// repeat for these sources, so the lowest would do as well).
	expect := func(ps map[string]statusPara) []found {
		var out []found
		for _, p := range ps {
			if !p.installed {
				continue
			}
			fixedIn := map[string]string{}
			for _, d := range bySource[p.source] {
				if cmpDeb(d.Fixed, p.sourceVer) <= 0 {
					continue
				}
				for _, c := range d.CVEs {
					if h, ok := fixedIn[c]; !ok || cmpDeb(d.Fixed, h) > 0 {
						fixedIn[c] = d.Fixed
					}
				}
			}
			for c, fixed := range fixedIn {
				out = append(out, found{p.name, p.version, c, match.StatusFixed, fixed})
			}
		}
		return sortedFound(out)
	}
	origStatus := map[string]statusPara{}
	for _, p := range paras {
		origStatus[p.name] = p
	}
	if want := expect(origStatus); len(want) != 0 {
		t.Fatalf("the bullseye tree is older than a DSA fix, so 'reports nothing' does not hold for it: %v", want)
	}
	want := expect(newStatus)

	// The image.
	dir := t.TempDir()
	layer1, err := gzipLayer(filepath.Join(dir, "layer1.tar.gz"), types.OCILayer, func(w io.Writer) error {
		return writeTree(w, root, func(string, bool) bool { return true }, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	layer2, err := zstdLayer(filepath.Join(dir, "layer2.tar.zst"), []tarEntry{
		{name: "var/", mode: fileMode(t, filepath.Join(root, "var")), dir: true},
		{name: "var/lib/", mode: fileMode(t, filepath.Join(root, "var/lib")), dir: true},
		{name: "var/lib/dpkg/", mode: fileMode(t, filepath.Join(root, "var/lib/dpkg")), dir: true},
		{name: statusPath, mode: fileMode(t, filepath.Join(root, statusPath)), body: modified.String()},
	})
	if err != nil {
		t.Fatal(err)
	}
	base, err := baseImage(types.OCIManifestSchema1, types.OCIConfigJSON, []string{"/bin/bash"})
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(base, layer1, layer2)
	if err != nil {
		t.Fatal(err)
	}
	unmodified, err := mutate.AppendLayers(base, layer1)
	if err != nil {
		t.Fatal(err)
	}
	layer2ID, err := layer2.DiffID()
	if err != nil {
		t.Fatal(err)
	}
	catalogue := kevCatalogue(t)
	// One layer cache for both images: layer 1 is walked once.
	cache := t.TempDir()

	t.Run("set-back", func(t *testing.T) {
		sc := scanImage(t, img, source.Options{}, cache)
		var got []found
		for _, f := range sc.findings {
			got = append(got, foundOf(f))
		}
		if diff := gocmp.Diff(want, sortedFound(got)); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		t.Logf("%d findings expected (%d triples over the binaries of %d sources)", len(want), len(positive), len(backs))

		// Each triple, as the acceptance states it.
		reported := map[triple][]string{} // -> binaries
		for _, f := range sc.findings {
			src := newStatus[f.Package.Name].source
			if f.Package.SourceName != src {
				t.Errorf("%s in %s: source package %q, dpkg status says %q", f.ID, f.Package.Name, f.Package.SourceName, src)
			}
			k := triple{src, f.ID, f.FixedVersion}
			reported[k] = append(reported[k], f.Package.Name)
		}
		for _, b := range backs {
			for _, tr := range positive {
				if tr.Source != b.Source {
					continue
				}
				bins := slices.Sorted(slices.Values(reported[tr]))
				if !slices.Equal(bins, slices.Sorted(slices.Values(b.Binaries))) {
					t.Errorf("%s %s fixed in %s: reported for %v, want every binary of the source %v", tr.Source, tr.CVE, tr.Fixed, bins, b.Binaries)
				}
			}
		}
		for _, f := range sc.findings {
			for _, tr := range negative {
				if newStatus[f.Package.Name].source == tr.Source && (f.ID == tr.CVE || slices.Contains(f.Aliases, tr.CVE)) {
					t.Errorf("%s in %s %s reported, but its DSA fix %s is at or below the installed version",
						tr.CVE, f.Package.Name, f.Package.Version, tr.Fixed)
				}
			}
		}

		// Where each finding comes from.
		dsaOf := map[triple]string{}
		for _, d := range fixes {
			for _, c := range d.CVEs {
				dsaOf[triple{d.Source, c, d.Fixed}] = d.DSA
			}
		}
		for _, f := range sc.findings {
			dsa := dsaOf[triple{newStatus[f.Package.Name].source, f.ID, f.FixedVersion}]
			if !slices.ContainsFunc(f.Advisories, func(k string) bool { return strings.HasSuffix(k, "/"+dsa) }) {
				t.Errorf("%s in %s: advisories %v, want one of them to be %s", f.ID, f.Package.Name, f.Advisories, dsa)
			}
			if f.Ecosystem != "Debian:11" {
				t.Errorf("%s in %s: ecosystem %q, want Debian:11", f.ID, f.Package.Name, f.Ecosystem)
			}
			if f.Package.Layer != layer2ID.String() {
				t.Errorf("%s in %s: layer %s, want %s (the layer whose status file set it back)", f.ID, f.Package.Name, f.Package.Layer, layer2ID)
			}
			if f.Why == "" {
				t.Errorf("%s in %s: no explanation", f.ID, f.Package.Name)
			}
		}
		checkKEV(t, sc.findings, catalogue)
	})

	t.Run("unmodified", func(t *testing.T) {
		sc := scanImage(t, unmodified, source.Options{}, cache)
		if len(sc.inv.Packages) < 50 || sc.inv.Distro == nil || sc.inv.Distro.VersionID != "11" {
			t.Fatalf("inventory: %d packages, distro %+v", len(sc.inv.Packages), sc.inv.Distro)
		}
		// Every bullseye DSA fix is at or below the installed versions (the
		// tree is newer than the data, checked above), and the DLA list has
		// no bullseye lines: nothing may be reported.
		for _, f := range sc.findings {
			t.Errorf("unmodified bullseye reports %s in %s %s (fixed %s, %v)", f.ID, f.Package.Name, f.Package.Version, f.FixedVersion, f.Advisories)
		}
	})
}
