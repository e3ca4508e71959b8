package e2e_test

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// osvRecord is the part of an OSV record the language test evaluates itself,
// independently of vigil's importer and matcher.
type osvRecord struct {
	ID        string `json:"id"`
	Withdrawn string `json:"withdrawn"`
	Affected  []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
		Ranges []struct {
			Type   string              `json:"type"`
			Events []map[string]string `json:"events"`
		} `json:"ranges"`
		Versions []string `json:"versions"`
	} `json:"affected"`
}

// loadOSV reads the OSV JSON records of ../shared/vulndata's GitHub advisory
// files and the Go vulnerability database archive.
func loadOSV(t *testing.T, ghsaDir, goTarGz string) []osvRecord {
	t.Helper()
	var recs []osvRecord
	add := func(name string, b []byte) {
		var r osvRecord
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		recs = append(recs, r)
	}
	err := filepath.WalkDir(ghsaDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		add(p, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(goTarGz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	n := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || !strings.HasSuffix(h.Name, ".json") || !strings.HasPrefix(filepath.Base(h.Name), "GO-") {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		add(h.Name, b)
		n++
	}
	if n < 1000 {
		t.Fatalf("%s: only %d GO- records", goTarGz, n)
	}
	return recs
}

// affectedIDs returns the IDs of the records that affect name at version in
// ecosystem ("Go" or "npm"), evaluating SEMVER and ECOSYSTEM ranges with
// SemVer 2.0 precedence (semverCompare), and explicit versions lists.
func affectedIDs(t *testing.T, recs []osvRecord, ecosystem, name, version string) []string {
	t.Helper()
	v := strings.TrimPrefix(version, "v")
	var ids []string
	for _, r := range recs {
		if r.Withdrawn != "" {
			continue
		}
		hit := false
		for _, a := range r.Affected {
			if a.Package.Ecosystem != ecosystem || a.Package.Name != name {
				continue
			}
			if slices.Contains(a.Versions, v) {
				hit = true
			}
			for _, rg := range a.Ranges {
				if rg.Type != "SEMVER" && rg.Type != "ECOSYSTEM" {
					continue
				}
				if inRange(t, r.ID, v, rg.Events) {
					hit = true
				}
			}
		}
		if hit {
			ids = append(ids, r.ID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// inRange evaluates OSV events: the version is affected when some
// "introduced" at or below it is not followed (in version order) by a
// "fixed" at or below it or a "last_affected" below it.
func inRange(t *testing.T, id, v string, events []map[string]string) bool {
	t.Helper()
	type ev struct{ kind, ver string }
	var evs []ev
	for _, e := range events {
		for k, x := range e {
			if k == "limit" {
				continue
			}
			evs = append(evs, ev{k, x})
		}
	}
	cmp := func(a, b string) int {
		if a == "0" && b == "0" {
			return 0
		}
		if a == "0" {
			return -1
		}
		if b == "0" {
			return 1
		}
		c, err := semverCompare(a, b)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		return c
	}
	slices.SortStableFunc(evs, func(a, b ev) int { return cmp(a.ver, b.ver) })
	affected := false
	for _, e := range evs {
		c := cmp(v, e.ver)
		switch e.kind {
		case "introduced":
			if c >= 0 {
				affected = true
			}
		case "fixed":
			if c >= 0 {
				affected = false
			}
		case "last_affected":
			if c > 0 {
				affected = false
			}
		}
	}
	return affected
}

// semverCompare compares two SemVer 2.0 versions (no "v"; build metadata
// ignored), the order of npm and Go module versions.
func semverCompare(a, b string) (int, error) {
	pa, err := parseSemver(a)
	if err != nil {
		return 0, err
	}
	pb, err := parseSemver(b)
	if err != nil {
		return 0, err
	}
	for i := range 3 {
		if c := compareInt(pa.core[i], pb.core[i]); c != 0 {
			return c, nil
		}
	}
	switch {
	case len(pa.pre) == 0 && len(pb.pre) == 0:
		return 0, nil
	case len(pa.pre) == 0:
		return 1, nil
	case len(pb.pre) == 0:
		return -1, nil
	}
	for i := 0; i < len(pa.pre) && i < len(pb.pre); i++ {
		x, y := pa.pre[i], pb.pre[i]
		xn, xerr := strconv.ParseUint(x, 10, 64)
		yn, yerr := strconv.ParseUint(y, 10, 64)
		switch {
		case xerr == nil && yerr == nil:
			if c := compareInt(xn, yn); c != 0 {
				return c, nil
			}
		case xerr == nil:
			return -1, nil
		case yerr == nil:
			return 1, nil
		default:
			if c := strings.Compare(x, y); c != 0 {
				return c, nil
			}
		}
	}
	return compareInt(uint64(len(pa.pre)), uint64(len(pb.pre))), nil
}

type semver struct {
	core [3]uint64
	pre  []string
}

func parseSemver(s string) (semver, error) {
	var v semver
	s, _, _ = strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return v, errors.New("not a SemVer version: " + strconv.Quote(s))
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return v, errors.New("not a SemVer version: " + strconv.Quote(s))
		}
		v.core[i] = n
	}
	if hasPre {
		v.pre = strings.Split(pre, ".")
	}
	return v, nil
}

func compareInt(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestSemverCompare checks the test's own SemVer order on the cases the
// range evaluation meets (Go pseudo-versions, pre-releases).
func TestSemverCompare(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"0.3.6", "0.3.7", -1},
		{"0.17.0", "0.17.0", 0},
		{"4.17.21", "4.17.20", 1},
		{"1.0.0-rc.1", "1.0.0", -1},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-alpha.beta", "1.0.0-beta", -1},
		{"1.0.0-2", "1.0.0-11", -1},
		{"0.0.0-20210226172049-e18ecbb05110", "0.1.0", -1},
		{"1.26.8", "1.26.10", -1},
		{"1.0.0+build", "1.0.0", 0},
	} {
		t.Run(tc.a+"_"+tc.b, func(t *testing.T) {
			got, err := semverCompare(tc.a, tc.b)
			if err != nil || got != tc.want {
				t.Errorf("semverCompare(%s, %s) = %d, %v; want %d", tc.a, tc.b, got, err, tc.want)
			}
		})
	}
}
