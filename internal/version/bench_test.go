package version

import "testing"

// Realistic pairs: an installed version against an advisory's fixed version,
// equal up to the revision (the usual, and slowest, case).
var benchPairs = map[string][][2]string{
	"deb": {
		{"1:2.30-1+deb12u1", "1:2.30-1+deb12u2"},
		{"3.0.11-1~deb12u2", "3.0.13-1~deb12u1"},
		{"2.7.4+reloaded2-13ubuntu1", "2.7.4+reloaded2-13+deb9u1"},
		{"1.2.13.dfsg-1", "1:1.2.13.dfsg-1"},
	},
	"apk": {
		{"3.1.4-r5", "3.1.4-r6"},
		{"1.36.1-r15", "1.36.1-r19"},
		{"9.7_p1-r3", "9.7_p1-r4"},
		{"2.12.6_rc1-r0", "2.12.6-r0"},
	},
	"rpm": {
		{"0:2.34-100.el9_4.2", "0:2.34-100.el9_4.3"},
		{"1:3.0.7-27.el9", "1:3.0.7-28.el9"},
		{"5.15.0-1.cm2", "5.15.0-2.cm2"},
		{"1.0^git20240101-1.azl3", "1.0-1.azl3"},
	},
}

func BenchmarkCompare(b *testing.B) {
	for _, eco := range []string{"deb", "apk", "rpm"} {
		b.Run(eco, func(b *testing.B) {
			c, _ := For(eco)
			pairs := benchPairs[eco]
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				p := pairs[i%len(pairs)]
				if _, err := c.Compare(p[0], p[1]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
