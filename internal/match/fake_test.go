package match

import (
	"errors"
	"sync/atomic"

	"github.com/vigil-sec/vigil/internal/pkgname"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// fakeSource is an in-memory Source that indexes advisories as the store
// does: one Entry per Affected, by (ecosystem, package name as the
// ecosystem compares names).
type fakeSource struct {
	entries map[lookupKey][]vulndb.Entry
	advs    map[string]*vulndb.Advisory
	kev     map[string]vulndb.KEV

	lookups, loads atomic.Int64
}

func newFake(advs ...*vulndb.Advisory) *fakeSource {
	f := &fakeSource{entries: map[lookupKey][]vulndb.Entry{}, advs: map[string]*vulndb.Advisory{}, kev: map[string]vulndb.KEV{}}
	for _, a := range advs {
		f.put(a)
	}
	return f
}

func (f *fakeSource) put(a *vulndb.Advisory) {
	key := vulndb.AdvisoryKey(a.Source, a.ID)
	f.advs[key] = a
	for _, af := range a.Affected {
		k := lookupKey{af.Ecosystem, pkgname.Normalize(af.Ecosystem, af.Package)}
		f.entries[k] = append(f.entries[k], vulndb.Entry{Advisory: key, Affected: af})
	}
}

func (f *fakeSource) Lookup(eco, pkg string) ([]vulndb.Entry, error) {
	f.lookups.Add(1)
	return f.entries[lookupKey{eco, pkgname.Normalize(eco, pkg)}], nil
}

func (f *fakeSource) Advisory(key string) (*vulndb.Advisory, error) {
	f.loads.Add(1)
	a, ok := f.advs[key]
	if !ok {
		return nil, vulndb.ErrNotFound
	}
	return a, nil
}

func (f *fakeSource) KEV(cve string) (vulndb.KEV, bool, error) {
	k, ok := f.kev[cve]
	return k, ok, nil
}

// errSource fails every call.
type errSource struct{}

var errBroken = errors.New("broken store")

func (errSource) Lookup(string, string) ([]vulndb.Entry, error) { return nil, errBroken }
func (errSource) Advisory(string) (*vulndb.Advisory, error)     { return nil, errBroken }
func (errSource) KEV(string) (vulndb.KEV, bool, error)          { return vulndb.KEV{}, false, errBroken }

// fixedAt is an ECOSYSTEM range {introduced 0, fixed v}.
func fixedAt(v string) []vulndb.Range {
	return []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {Fixed: v}}}}
}

func distro(s string) []vulndb.Severity { return []vulndb.Severity{{Type: "DISTRO", Score: s}} }
