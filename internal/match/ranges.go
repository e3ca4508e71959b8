package match

import (
	"fmt"

	"github.com/vigil-sec/vigil/internal/version"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// verdict is what one Affected entry says about one installed version.
type verdict struct {
	affected bool
	// fixed is the lowest fixed event above the version in a range that
	// holds it; "" when no range offers a fix.
	fixed string
	// why describes the range or list the version fell in: "< 1.2-3",
	// "<= 1.2", ">= 1.0, no fix", "listed".
	why string
}

// evalAffected evaluates an Affected entry of status StatusAffected for
// version v of package type typ. Ranges are evaluated as the OSV schema
// says (see evalRange); GIT ranges, and ranges whose type has no
// comparator, are skipped. The explicit Versions list matches by exact
// string or, for deb, apk and rpm, by comparator equality. An entry with
// neither ranges nor versions affects every version. An error names a
// version the comparator refuses; the caller skips the entry.
func evalAffected(cs *comparators, typ, v string, af *vulndb.Affected) (verdict, error) {
	if len(af.Ranges) == 0 && len(af.Versions) == 0 {
		return verdict{affected: true, why: "every version (no ranges given)"}, nil
	}
	var out verdict
	for i := range af.Ranges {
		r := &af.Ranges[i]
		if r.Type == "GIT" {
			continue
		}
		c, ok := cs.get(typ, r.Type)
		if !ok {
			continue
		}
		in, fixed, why, err := evalRange(c, v, r.Events)
		if err != nil {
			return verdict{}, err
		}
		if !in {
			continue
		}
		switch {
		case !out.affected:
			out = verdict{affected: true, fixed: fixed, why: why}
		case fixed != "" && out.fixed != "":
			// Several ranges hold v: keep the highest fix, which leaves all.
			if r, err := c.Compare(fixed, out.fixed); err == nil && r > 0 {
				out.fixed, out.why = fixed, why
			}
		case fixed != "":
			out.fixed, out.why = fixed, why
		}
	}
	if out.affected {
		return out, nil
	}
	// Distribution versions have equal spellings ("1:2.0" and "2.0" in
	// rpm without an epoch...); a language ecosystem's versions list holds
	// the exact strings the registry publishes, and comparing hundreds of
	// them (PyPA lists every affected release) would cost a parse each.
	var c version.Comparator
	ok := false
	switch typ {
	case "deb", "apk", "rpm":
		c, ok = cs.get(typ, "ECOSYSTEM")
	}
	for _, lv := range af.Versions {
		if lv == v {
			return verdict{affected: true, why: "listed as affected"}, nil
		}
		if ok {
			if r, err := c.Compare(v, lv); err == nil && r == 0 {
				return verdict{affected: true, why: "listed as affected (" + lv + ")"}, nil
			}
		}
	}
	return verdict{}, nil
}

// evalRange reports whether v falls in the range given by events, as the
// OSV schema's evaluation does: events are taken in version order
// (introduced "0" first) whatever order they are listed in; an introduced
// at or below v makes v affected, a fixed at or below v, or a last_affected
// below v, makes it not affected, and the last of these in version order
// decides. At equal versions a fixed or last_affected event wins over an
// introduced one. limit events are ignored (they bound GIT ranges).
// A range with no introduced event affects nothing.
//
// When v is affected, fixed is the lowest fixed event above v ("" for
// none: open or closed only by last_affected). err names a version c
// refuses.
func evalRange(c version.Comparator, v string, events []vulndb.Event) (in bool, fixed, why string, err error) {
	// The deciding event: the greatest (in version order) event that fires.
	var (
		best      *vulndb.Event
		bestVer   string
		bestIntro bool
	)
	for i := range events {
		e := &events[i]
		var ev string
		var intro bool
		switch {
		case e.Introduced != "":
			ev, intro = e.Introduced, true
		case e.Fixed != "":
			ev = e.Fixed
		case e.LastAffected != "":
			ev = e.LastAffected
		default:
			continue // limit, or empty
		}
		var fires bool
		if intro && ev == "0" {
			fires = true
		} else {
			r, err := c.Compare(ev, v)
			if err != nil {
				return false, "", "", fmt.Errorf("range event: %w", err)
			}
			if e.LastAffected != "" {
				fires = r < 0
			} else {
				fires = r <= 0
			}
		}
		if !fires {
			continue
		}
		if best == nil {
			best, bestVer, bestIntro = e, ev, intro
			continue
		}
		r, err := orderEvents(c, ev, intro, bestVer, bestIntro)
		if err != nil {
			return false, "", "", err
		}
		if r > 0 {
			best, bestVer, bestIntro = e, ev, intro
		}
	}
	if best == nil || !bestIntro {
		return false, "", "", nil
	}
	// Affected: find the lowest fixed event above v, and a last_affected
	// at or above v to describe an unfixed interval.
	var last string
	for i := range events {
		e := &events[i]
		switch {
		case e.Fixed != "":
			r, err := c.Compare(e.Fixed, v)
			if err != nil {
				return false, "", "", fmt.Errorf("range event: %w", err)
			}
			if r <= 0 {
				continue
			}
			if fixed == "" {
				fixed = e.Fixed
			} else if r, err := c.Compare(e.Fixed, fixed); err == nil && r < 0 {
				fixed = e.Fixed
			}
		case e.LastAffected != "":
			r, err := c.Compare(e.LastAffected, v)
			if err != nil {
				return false, "", "", fmt.Errorf("range event: %w", err)
			}
			if r < 0 {
				continue
			}
			if last == "" {
				last = e.LastAffected
			} else if r, err := c.Compare(e.LastAffected, last); err == nil && r < 0 {
				last = e.LastAffected
			}
		}
	}
	switch {
	case fixed != "":
		why = "< " + fixed
	case last != "":
		why = "<= " + last + ", no fix"
	case bestVer == "0":
		why = "every version, no fix"
	default:
		why = ">= " + bestVer + ", no fix"
	}
	return true, fixed, why, nil
}

// orderEvents orders two events by version; at equal versions a fixed or
// last_affected event sorts after an introduced one, so it decides.
func orderEvents(c version.Comparator, a string, aIntro bool, b string, bIntro bool) (int, error) {
	switch {
	case a == "0" && aIntro && b == "0" && bIntro:
		return 0, nil
	case a == "0" && aIntro:
		return -1, nil
	case b == "0" && bIntro:
		return 1, nil
	}
	r, err := c.Compare(a, b)
	if err != nil {
		return 0, fmt.Errorf("range event: %w", err)
	}
	if r == 0 && aIntro != bIntro {
		if aIntro {
			return -1, nil
		}
		return 1, nil
	}
	return r, nil
}
