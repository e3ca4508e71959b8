package match

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// benchData builds a Debian 11 inventory of n binary packages from about
// n/2.5 source packages and a fake source with entry counts shaped like the
// DSA list: most sources have none or a few advisories, a few (openssl,
// linux, firefox-esr) have a hundred or more; each advisory carries one to
// five CVEs. A fraction stale of the advisories have a fix above the
// installed version (the rest were fixed before it was built).
func benchData(n int, stale float64) (*fakeSource, *inventory.Inventory) {
	r := rand.New(rand.NewPCG(1, 2))
	src := newFake()
	inv := &inventory.Inventory{Distro: bullseye}
	nsrc := n * 2 / 5
	dsa := 0
	for s := 0; len(inv.Packages) < n; s++ {
		name := fmt.Sprintf("src%04d", s)
		installed := fmt.Sprintf("1.5-2+deb11u%d", 3+r.IntN(3))
		var entries int
		switch x := r.IntN(100); {
		case x < 35:
			entries = 0
		case x < 85:
			entries = 1 + r.IntN(5)
		case x < 97:
			entries = 5 + r.IntN(30)
		default:
			entries = 60 + r.IntN(120)
		}
		if s >= nsrc {
			entries = 0
		}
		for e := 0; e < entries; e++ {
			dsa++
			var cves []string
			for c := 0; c < 1+r.IntN(5); c++ {
				cves = append(cves, fmt.Sprintf("CVE-20%02d-%05d", 10+r.IntN(14), r.IntN(50000)))
			}
			fixed := fmt.Sprintf("1.%d-%d+deb11u%d", r.IntN(5), 1+r.IntN(3), 1+r.IntN(6))
			if r.Float64() < stale {
				fixed = fmt.Sprintf("1.5-2+deb11u%d", 6+r.IntN(3))
			}
			af := []vulndb.Affected{
				{Ecosystem: "Debian:11", Package: name, Status: vulndb.StatusAffected, Ranges: fixedAt(fixed)},
				{Ecosystem: "Debian:10", Package: name, Status: vulndb.StatusAffected, Ranges: fixedAt(fixed)},
			}
			src.put(&vulndb.Advisory{ID: fmt.Sprintf("DSA-%d-1", dsa), Source: "debian", Aliases: cves,
				Summary: name + " - security update", Affected: af})
		}
		for b := 0; b < 1+r.IntN(4) && len(inv.Packages) < n; b++ {
			inv.Packages = append(inv.Packages, debPkg(fmt.Sprintf("lib%s-%d", name, b), installed, name, installed))
		}
	}
	for i := 0; i < 1400; i++ {
		id := fmt.Sprintf("CVE-20%02d-%05d", 10+r.IntN(14), r.IntN(50000))
		src.kev[id] = vulndb.KEV{CVE: id, DateAdded: "2022-01-01"}
	}
	return src, inv
}

// BenchmarkMatch1000 matches 1,000 packages of a maintained image (10% of
// the advisories of its source packages fixed after it was built) against
// an in-memory source: the cost of matching itself, without the store.
func BenchmarkMatch1000(b *testing.B) { benchMatch(b, 0.1) }

// BenchmarkMatch1000Stale is the same for a stale image: half of the
// advisories unfixed in it, so about eight findings per package.
func BenchmarkMatch1000Stale(b *testing.B) { benchMatch(b, 0.5) }

func benchMatch(b *testing.B, stale float64) {
	src, inv := benchData(1000, stale)
	var findings int
	for b.Loop() {
		fs, err := Match(context.Background(), src, inv, Options{})
		if err != nil {
			b.Fatal(err)
		}
		findings = len(fs)
	}
	b.ReportMetric(float64(findings), "findings")
	b.ReportMetric(float64(src.lookups.Load())/float64(b.N), "lookups/op")
}
