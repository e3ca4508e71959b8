package version

import "testing"

// fuzzComparator checks, for any pair of strings, that Compare never panics,
// returns -1, 0 or +1, is antisymmetric and reflexive, fails the same way
// whichever side the bad version is on, and that Valid never panics.
func fuzzComparator(f *testing.F, c Comparator, seeds ...string) {
	for i, a := range seeds {
		f.Add(a, seeds[(i+1)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		_ = c.Valid(a)
		ab, errAB := c.Compare(a, b)
		ba, errBA := c.Compare(b, a)
		if (errAB == nil) != (errBA == nil) {
			t.Fatalf("Compare(%q, %q) error %v but reversed %v", a, b, errAB, errBA)
		}
		if errAB != nil {
			return
		}
		if ab < -1 || ab > 1 || ab != -ba {
			t.Fatalf("Compare(%q, %q) = %d, reversed %d", a, b, ab, ba)
		}
		for _, v := range []string{a, b} {
			if r, err := c.Compare(v, v); err != nil || r != 0 {
				t.Fatalf("Compare(%q, itself) = %d, %v", v, r, err)
			}
		}
	})
}

func FuzzDeb(f *testing.F) {
	fuzzComparator(f, Deb{}, "1:2.30-1+deb12u1", "1.0~rc1", "2.7.4+reloaded2-13", "a1", "-1", "1:", "0.0.0-00", " 1.0 ", "1.0-é")
}

func FuzzAPK(f *testing.F) {
	fuzzComparator(f, APK{}, "1.2.3_rc1_p2~abc-r10", "6.6.2p1-r1", "1-r", "1-r-1", "1-ruff", "0..1", ".1", "a", "1.01", "1.0α")
}

func FuzzRPM(f *testing.F) {
	fuzzComparator(f, RPM{}, "2:1.0^git1~rc1-3.el9_2.1", "1.0~rc1", "1-", "a:1", "+2-:1", "1.1.α", "1.0^", "~", "^")
}
