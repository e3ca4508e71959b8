package match

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// FuzzEvalRange checks range evaluation against a direct reading of the
// OSV schema's algorithm on small integer versions (sort the events, walk
// them), in whatever order the events come; and that arbitrary version
// strings under every comparator never panic.
func FuzzEvalRange(f *testing.F) {
	f.Add([]byte{3, 0, 0, 1, 5}, "1.0-r0,<0,>1.1-r0")
	f.Add([]byte{6, 1, 7, 0, 5, 1, 2, 0, 1}, "1:2.0,<1:1.0,=3")
	f.Add([]byte{4, 2, 4, 0, 2}, "0,>0,<~")
	f.Add([]byte{9, 0, 0, 2, 3, 3, 1}, "a b,<c")
	f.Fuzz(func(t *testing.T, data []byte, raw string) {
		if len(data) == 0 || len(data) > 64 {
			return
		}
		v := int(data[0] % 10)
		var events []vulndb.Event
		for i := 1; i+1 < len(data); i += 2 {
			n := strconv.Itoa(int(data[i+1] % 10))
			switch data[i] % 4 {
			case 0:
				events = append(events, vulndb.Event{Introduced: n})
			case 1:
				events = append(events, vulndb.Event{Fixed: n})
			case 2:
				events = append(events, vulndb.Event{LastAffected: n})
			case 3:
				events = append(events, vulndb.Event{Limit: n})
			}
		}
		in, fixed, _, err := evalRange(version.Deb{}, strconv.Itoa(v), events)
		if err != nil {
			t.Fatalf("evalRange: %v", err)
		}
		if want := referenceAffected(v, events); in != want {
			t.Fatalf("v=%d events=%v: affected %v, reference says %v", v, events, in, want)
		}
		if !in && fixed != "" {
			t.Fatalf("v=%d events=%v: not affected but fixed %q", v, events, fixed)
		}
		if fixed != "" {
			n, _ := strconv.Atoi(fixed)
			if n <= v || !slices.Contains(events, vulndb.Event{Fixed: fixed}) {
				t.Fatalf("v=%d events=%v: fixed %q is not a fixed event above v", v, events, fixed)
			}
			// Monotonic: upgrading to the fix leaves this range unless a
			// later introduced event at or below it brings it back.
			if inFix, _, _, _ := evalRange(version.Deb{}, fixed, events); inFix && !reintroduced(v, n, events) {
				t.Fatalf("v=%d events=%v: the fix %s is itself affected", v, events, fixed)
			}
		}

		// Arbitrary strings: "v,<fixed,>introduced,=last_affected,...".
		parts := strings.Split(raw, ",")
		if len(parts) > 16 {
			return
		}
		var rawEvents []vulndb.Event
		for _, p := range parts[1:] {
			if p == "" {
				continue
			}
			switch p[0] {
			case '<':
				rawEvents = append(rawEvents, vulndb.Event{Fixed: p[1:]})
			case '=':
				rawEvents = append(rawEvents, vulndb.Event{LastAffected: p[1:]})
			default:
				rawEvents = append(rawEvents, vulndb.Event{Introduced: strings.TrimPrefix(p, ">")})
			}
		}
		for _, typ := range []string{"deb", "apk", "rpm"} {
			af := &vulndb.Affected{Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: rawEvents}}, Versions: parts[1:]}
			_, _ = evalAffected(newComparators(), typ, parts[0], af)
		}
	})
}

// referenceAffected is the OSV schema's evaluation on integer versions:
// sort the events (introduced before fixed or last_affected at equal
// versions) and walk them.
func referenceAffected(v int, events []vulndb.Event) bool {
	type ev struct {
		n     int
		intro bool
		e     vulndb.Event
	}
	var evs []ev
	for _, e := range events {
		switch {
		case e.Introduced != "":
			n, _ := strconv.Atoi(e.Introduced)
			evs = append(evs, ev{n, true, e})
		case e.Fixed != "":
			n, _ := strconv.Atoi(e.Fixed)
			evs = append(evs, ev{n, false, e})
		case e.LastAffected != "":
			n, _ := strconv.Atoi(e.LastAffected)
			evs = append(evs, ev{n, false, e})
		}
	}
	slices.SortStableFunc(evs, func(a, b ev) int {
		return cmp.Or(cmp.Compare(a.n, b.n), -cmpBool(a.intro, b.intro))
	})
	affected := false
	for _, x := range evs {
		switch {
		case x.intro:
			if x.n <= v {
				affected = true
			}
		case x.e.Fixed != "":
			if v >= x.n {
				affected = false
			}
		default:
			if v > x.n {
				affected = false
			}
		}
	}
	return affected
}

// reintroduced reports whether an introduced event lies in (v, fix].
func reintroduced(v, fix int, events []vulndb.Event) bool {
	for _, e := range events {
		if e.Introduced == "" {
			continue
		}
		n, _ := strconv.Atoi(e.Introduced)
		if n > v && n <= fix {
			return true
		}
	}
	return false
}
