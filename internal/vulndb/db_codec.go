package vulndb

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/vigil-sec/vigil/internal/pkgname"
)

// The index value of one (ecosystem, package, source) is a hand encoding of
// its entries, because Lookup is the hot path of matching:
//
//	value    = version:byte(1) count:uvarint entry*
//	entry    = id:str status:str ranges:uvarint range* versions:uvarint str* severities:uvarint severity*
//	range    = type:str events:uvarint event*
//	event    = kind:byte str            (1 introduced, 2 fixed, 3 last_affected, 4 limit)
//	severity = type:str score:str
//	str      = length:uvarint bytes
//
// The ecosystem, package and source are in the key, so an entry stores only
// the advisory ID. Decoding checks every length against what is left, so a
// corrupt value is an error, never a panic or a huge allocation.

const entriesVersion = 1

// Event kinds in the encoding.
const (
	evIntroduced = 1 + iota
	evFixed
	evLastAffected
	evLimit
)

// errCorrupt is wrapped by every decoding error.
var errCorrupt = errors.New("corrupt index value")

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendEntry encodes one entry (without the value header).
func appendEntry(b []byte, id string, a *Affected) []byte {
	b = appendStr(b, id)
	b = appendStr(b, string(a.Status))
	b = binary.AppendUvarint(b, uint64(len(a.Ranges)))
	for _, r := range a.Ranges {
		b = appendStr(b, r.Type)
		b = binary.AppendUvarint(b, uint64(len(r.Events)))
		for _, ev := range r.Events {
			switch {
			case ev.Introduced != "":
				b = appendStr(append(b, evIntroduced), ev.Introduced)
			case ev.Fixed != "":
				b = appendStr(append(b, evFixed), ev.Fixed)
			case ev.LastAffected != "":
				b = appendStr(append(b, evLastAffected), ev.LastAffected)
			default:
				b = appendStr(append(b, evLimit), ev.Limit)
			}
		}
	}
	b = binary.AppendUvarint(b, uint64(len(a.Versions)))
	for _, v := range a.Versions {
		b = appendStr(b, v)
	}
	b = binary.AppendUvarint(b, uint64(len(a.Severity)))
	for _, s := range a.Severity {
		b = appendStr(b, s.Type)
		b = appendStr(b, s.Score)
	}
	return b
}

// appendValueHeader starts an index value of n entries.
func appendValueHeader(b []byte, n int) []byte {
	return binary.AppendUvarint(append(b, entriesVersion), uint64(n))
}

// decoder reads an encoded value; the first error sticks and every read
// after it returns zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at %d bytes from the end", errCorrupt, what, len(d.b))
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a count of items that take at least min bytes each, so a
// corrupt count cannot make a large allocation.
func (d *decoder) count(min int) int {
	v := d.uvarint()
	if v > uint64(len(d.b)/min) {
		d.fail("count larger than the value")
		return 0
	}
	return int(v)
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("value ends early")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// str reads a string, copying it out of b (b may be memory-mapped).
// bytes is str without the copy: valid only until the value changes.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("string longer than the value")
		return nil
	}
	b := d.b[:n]
	d.b = d.b[n:]
	return b
}

// common is str for the strings most entries repeat, which it returns
// without allocating; others are copied.
func (d *decoder) common() string {
	b := d.bytes()
	switch string(b) { // compared, not converted: no allocation
	case "":
		return ""
	case "0":
		return "0"
	case string(StatusAffected):
		return string(StatusAffected)
	case string(StatusUnfixed):
		return string(StatusUnfixed)
	case string(StatusWontFix):
		return string(StatusWontFix)
	case string(StatusEndOfLife):
		return string(StatusEndOfLife)
	case string(StatusNotAffected):
		return string(StatusNotAffected)
	case "ECOSYSTEM":
		return "ECOSYSTEM"
	case "SEMVER":
		return "SEMVER"
	case "DISTRO":
		return "DISTRO"
	}
	return string(b)
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("string longer than the value")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// decodeEntries decodes a value written by encodeEntries, appending to out.
// Each Entry's Advisory is prefix+ID and its Affected gets ecosystem and pkg.
//
// Lookup is the hot path of matching: the ranges and events of all entries
// are cut from a few shared slabs, and the small strings every entry repeats
// (status, range type, "0") are not copied.
func decodeEntries(out []Entry, b []byte, prefix, ecosystem, pkg string) ([]Entry, error) {
	d := decoder{b: b}
	if v := d.byte(); d.err == nil && v != entriesVersion {
		return out, fmt.Errorf("%w: encoding version %d", errCorrupt, v)
	}
	n := d.count(5) // an entry takes at least 5 bytes
	var rangeSlab []Range
	var eventSlab []Event
	for i := 0; i < n && d.err == nil; i++ {
		id := d.bytes()
		adv := make([]byte, 0, len(prefix)+len(id))
		adv = append(append(adv, prefix...), id...)
		e := Entry{Advisory: string(adv), Affected: Affected{Ecosystem: ecosystem, Package: pkg}}
		a := &e.Affected
		a.Status = Status(d.common())
		if nr := d.count(2); nr > 0 {
			if len(rangeSlab) < nr {
				rangeSlab = make([]Range, max(nr, n-i))
			}
			a.Ranges, rangeSlab = rangeSlab[:nr:nr], rangeSlab[nr:]
			for j := range a.Ranges {
				r := &a.Ranges[j]
				r.Type = d.common()
				if ne := d.count(2); ne > 0 {
					if len(eventSlab) < ne {
						eventSlab = make([]Event, max(ne, 2*(n-i)))
					}
					r.Events, eventSlab = eventSlab[:ne:ne], eventSlab[ne:]
					for k := range r.Events {
						kind := d.byte()
						v := d.common()
						switch kind {
						case evIntroduced:
							r.Events[k].Introduced = v
						case evFixed:
							r.Events[k].Fixed = v
						case evLastAffected:
							r.Events[k].LastAffected = v
						case evLimit:
							r.Events[k].Limit = v
						default:
							d.fail(fmt.Sprintf("event kind %d", kind))
						}
					}
				}
			}
		}
		if nv := d.count(1); nv > 0 {
			a.Versions = make([]string, nv)
			for j := range a.Versions {
				a.Versions[j] = d.str()
			}
		}
		if ns := d.count(2); ns > 0 {
			a.Severity = make([]Severity, ns)
			for j := range a.Severity {
				a.Severity[j] = Severity{Type: d.common(), Score: d.common()}
			}
		}
		if d.err == nil {
			out = append(out, e)
		}
	}
	if d.err != nil {
		return out, d.err
	}
	if len(d.b) != 0 {
		return out, fmt.Errorf("%w: %d bytes after the last entry", errCorrupt, len(d.b))
	}
	return out, nil
}

// indexKey is the key of an index value: the ecosystem and package, each
// length-prefixed (so no byte in them can make two pairs collide), then the
// source. indexPrefix is the part before the source. The package name is
// stored as the ecosystem compares names (pkgname.Normalize: PEP 503 for
// PyPI, lower case for NuGet), so a lookup of "PyYAML" finds "pyyaml".
func indexKey(ecosystem, pkg, source string) []byte {
	return append(indexPrefix(nil, ecosystem, pkg), source...)
}

func indexPrefix(b []byte, ecosystem, pkg string) []byte {
	return appendStr(appendStr(b, ecosystem), pkgname.Normalize(ecosystem, pkg))
}

// keySource returns the source at the end of a key that starts with n
// length-prefixed strings (2 for the index, 1 for KEV rows).
func keySource(k []byte, n int) (string, error) {
	d := decoder{b: k}
	for range n {
		d.str()
	}
	if d.err != nil {
		return "", fmt.Errorf("bad key %q: %w", k, d.err)
	}
	return string(d.b), nil
}

// kevKey is the key of a KEV row: the length-prefixed CVE ID, then the source.
func kevKey(cve, source string) []byte { return append(appendStr(nil, cve), source...) }

// An advisory is stored as uvarint(len(head)) head affected: head is the
// JSON of the advisory without its Affected list, affected the JSON of that
// list. Matching reads entries from the index and needs only the head of an
// advisory that hit (its ID, aliases, severity, summary); an Alpine or
// Debian advisory lists its packages for up to twenty releases, and
// decoding them for every hit was most of a match's time.
func encodeAdvisory(a *Advisory) ([]byte, error) {
	h := *a
	h.Affected = nil
	head, err := json.Marshal(&h)
	if err != nil {
		return nil, err
	}
	aff, err := json.Marshal(a.Affected)
	if err != nil {
		return nil, err
	}
	out := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(head)+len(aff)), uint64(len(head)))
	out = append(out, head...)
	return append(out, aff...), nil
}

// decodeAdvisory reads a stored advisory, with its Affected list only when
// full is set.
func decodeAdvisory(v []byte, full bool) (*Advisory, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)-k) {
		return nil, errors.New("corrupt advisory record")
	}
	head, aff := v[k:k+int(n)], v[k+int(n):]
	a := new(Advisory)
	if err := json.Unmarshal(head, a); err != nil {
		return nil, fmt.Errorf("corrupt advisory record: %w", err)
	}
	a.Affected = nil
	if full {
		if err := json.Unmarshal(aff, &a.Affected); err != nil {
			return nil, fmt.Errorf("corrupt advisory record: %w", err)
		}
	}
	return a, nil
}
