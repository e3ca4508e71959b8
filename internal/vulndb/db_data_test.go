package vulndb_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/alpine"
	"github.com/vigil-sec/vigil/internal/vulndb/debian"
	"github.com/vigil-sec/vigil/internal/vulndb/kev"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
	"github.com/vigil-sec/vigil/internal/vulndb/oval"
)

// testSource is one source as the tests import it.
type testSource struct {
	info       vulndb.SourceInfo
	advisories []*vulndb.Advisory
	kev        []vulndb.KEV
}

// fillWith returns a Build fill that writes srcs.
func fillWith(srcs []testSource) func(*vulndb.Writer) error {
	return func(w *vulndb.Writer) error {
		for _, s := range srcs {
			for _, a := range s.advisories {
				if err := w.Put(s.info.Name, a); err != nil {
					return err
				}
			}
			for _, k := range s.kev {
				if err := w.PutKEV(s.info.Name, k); err != nil {
					return err
				}
			}
			if err := w.SetSource(s.info); err != nil {
				return err
			}
		}
		return nil
	}
}

// sharedVulndata is the shared vulndata folder, or "" when it is absent
// (tests then use synthetic data; under VIGIL_REQUIRE_E2E=1 absence fails).
func sharedVulndata(t testing.TB) string {
	t.Helper()
	if os.Getenv("VIGIL_REQUIRE_E2E") == "1" {
		return testenv.Shared(t, "vulndata")
	}
	dir := os.Getenv("VIGIL_SHARED")
	if dir == "" {
		dir = filepath.Join(testenv.RepoRoot(t), "..", "shared")
	}
	dir = filepath.Join(dir, "vulndata")
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

// loadShared reads everything the importers read from the shared vulndata
// folder: one source per importer and file set.
func loadShared(tb testing.TB, dir string) []testSource {
	tb.Helper()
	ctx := context.Background()
	glob := func(pattern string) []string {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil || len(m) == 0 {
			tb.Fatalf("no files for %s in %s (%v)", pattern, dir, err)
		}
		return m
	}
	var out []testSource
	add := func(name, format string, parse vulndb.ParseFunc, files ...string) {
		s := testSource{info: vulndb.SourceInfo{Name: name, Format: format, Origin: files[0]}}
		for _, f := range files {
			r, err := os.Open(f)
			if err != nil {
				tb.Fatal(err)
			}
			err = parse(ctx, r, f, func(a *vulndb.Advisory) error {
				s.advisories = append(s.advisories, a)
				return nil
			}, func(*vulndb.Problem) { s.info.Problems++ })
			r.Close()
			if err != nil {
				tb.Fatalf("parse %s: %v", f, err)
			}
		}
		s.info.Records = len(s.advisories)
		out = append(out, s)
	}
	add("alpine-secdb", "alpine-secdb", alpine.Parse, glob("alpine-secdb/json/*/*.json")...)
	add("debian-dsa", "debian-dsa-list", debian.ParseDSAList, glob("debian-security-tracker/data/DSA/list")...)
	add("debian-dla", "debian-dla-list", debian.ParseDLAList, glob("debian-security-tracker/data/DLA/list")...)
	add("azurelinux-3.0-oval", "oval", gunzipped(oval.Parse), glob("azurelinux-oval/azurelinux-3.0-oval.xml.gz")...)
	add("cbl-mariner-2.0-oval", "oval", gunzipped(oval.Parse), glob("azurelinux-oval/cbl-mariner-2.0-oval.xml.gz")...)
	add("ubuntu-noble-oval", "oval", gunzipped(oval.Parse), glob("ubuntu-oval/*.xml.gz")...)
	add("osv-go", "osv", osv.ImportTarGz, glob("golang-vulndb/*.tar.gz")...)
	add("osv-crates.io", "osv", osv.ImportTarGz, glob("rustsec-advisory-db/*.tar.gz")...)
	add("osv-pypi", "osv", osv.ImportTarGz, glob("pypa-advisory-database/*.tar.gz")...)

	k := testSource{info: vulndb.SourceInfo{Name: "cisa-kev", Format: "cisa-kev"}}
	f := glob("cisa-kev/known_exploited_vulnerabilities.json")[0]
	r, err := os.Open(f)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	err = kev.Parse(ctx, r, f, func(e vulndb.KEV) error { k.kev = append(k.kev, e); return nil },
		func(*vulndb.Problem) { k.info.Problems++ })
	if err != nil {
		tb.Fatalf("parse %s: %v", f, err)
	}
	k.info.Records = len(k.kev)
	return append(out, k)
}

// gunzipped wraps a parser of plain XML for a .gz file.
func gunzipped(parse vulndb.ParseFunc) vulndb.ParseFunc {
	return func(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		defer zr.Close()
		return parse(ctx, zr, file, emit, problem)
	}
}

// synthetic makes n advisories in a few sources, shaped like distribution
// and OSV records, reproducibly from seed.
func synthetic(n int, seed uint64) []testSource {
	rng := rand.New(rand.NewPCG(seed, 1))
	names := []struct{ name, eco string }{
		{"synth-debian", "Debian:11"}, {"synth-alpine", "Alpine:v3.20"},
		{"synth-go", "Go"}, {"synth-azure", "Azure Linux:3.0"},
	}
	srcs := make([]testSource, len(names))
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, nm := range names {
		srcs[i].info = vulndb.SourceInfo{Name: nm.name, Format: "synthetic"}
	}
	for i := range n {
		s := &srcs[i%len(srcs)]
		eco := names[i%len(names)].eco
		a := &vulndb.Advisory{
			ID:         fmt.Sprintf("CVE-%d-%05d", 2000+i%25, i),
			Source:     s.info.Name,
			Summary:    fmt.Sprintf("synthetic advisory %d with a summary of typical length for a feed", i),
			Modified:   t0.Add(time.Duration(i) * time.Minute),
			Severity:   []vulndb.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
			References: []string{fmt.Sprintf("https://example.invalid/advisories/%d", i)},
		}
		for j := range 1 + rng.IntN(3) {
			a.Affected = append(a.Affected, vulndb.Affected{
				Ecosystem: eco,
				Package:   fmt.Sprintf("pkg%d", rng.IntN(3000)),
				Status:    vulndb.StatusAffected,
				Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{
					{Introduced: "0"}, {Fixed: fmt.Sprintf("1.%d.%d-r%d", j, rng.IntN(50), rng.IntN(9))}}}},
				Severity: []vulndb.Severity{{Type: "DISTRO", Score: "medium"}},
			})
		}
		s.advisories = append(s.advisories, a)
	}
	for i := range srcs {
		srcs[i].info.Records = len(srcs[i].advisories)
	}
	return srcs
}

// lookupPairs returns up to n (ecosystem, package) pairs that the sources
// index, spread over them, reproducibly from seed.
func lookupPairs(srcs []testSource, n int, seed uint64) [][2]string {
	seen := map[[2]string]bool{}
	var all [][2]string
	for _, s := range srcs {
		for _, a := range s.advisories {
			for _, af := range a.Affected {
				p := [2]string{af.Ecosystem, af.Package}
				if !seen[p] {
					seen[p] = true
					all = append(all, p)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	if len(all) > n {
		all = all[:n]
	}
	return all
}

func countAdvisories(srcs []testSource) (n int) {
	for _, s := range srcs {
		n += len(s.advisories)
	}
	return n
}
