package version

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var huge = "1" + strings.Repeat("0", 40) // far beyond int64 and uint64

func TestCompare(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		eco, a, b string
		want      int
	}{
		// deb: epochs, '~', revisions, leading zeros, letters before non-letters.
		{"deb", "0:1.0", "1.0", 0},
		{"deb", "1:0.1", "9.9", 1},
		{"deb", "00:1.0", "1.0", 0},
		{"deb", "1.0~rc1", "1.0", -1},
		{"deb", "1.0~~", "1.0~", -1},
		{"deb", "1.0~", "1.0", -1},
		{"deb", "1.0", "1.0+b1", -1},
		{"deb", "1.0-1", "1.0-1~bpo1", 1},
		{"deb", "1.0a", "1.0+", -1}, // letters sort before non-letters
		{"deb", "1.0-0", "1.0", 0},
		{"deb", "1.001", "1.1", 0},
		{"deb", "1." + huge, "1." + huge + "1", -1},
		{"deb", "1." + huge, "1.9", 1},
		{"deb", " 1.0 ", "1.0", 0},  // dpkg trims blanks
		{"deb", "a1.0", "b1.0", -1}, // dpkg warns but compares
		{"deb", "1:1.0-1-2", "1:1.0-1-1", 1},
		{"deb", "1.0-é", "1.0-e", 1}, // bytes >= 0x80 sort after letters (dpkg agrees on amd64 and arm64)
		// apk
		{"apk", "1.0", "1.0-r0", -1},
		{"apk", "1.0_rc1", "1.0", -1},
		{"apk", "1.0_p1", "1.0", 1},
		{"apk", "1.0_alpha", "1.0_beta", -1},
		{"apk", "1.0_pre1", "1.0_rc1", -1},
		{"apk", "1.0_cvs", "1.0_svn", -1},
		{"apk", "1.0_git", "1.0_hg", -1},
		{"apk", "1.0_hg", "1.0_p", -1},
		{"apk", "1.01", "1.1", -1}, // leading zero: string comparison
		{"apk", "01", "1", 0},      // but not for the first number
		{"apk", "1-r01", "1-r1", 0},
		{"apk", "1.0~abc", "1.0~abd", -1},
		{"apk", "1.0~abc-r1", "1.0-r1", 1},
		{"apk", "1." + huge, "1." + huge + "1", -1},
		{"apk", "1-r" + huge, "1-r9", 1},
		{"apk", "1.0α", "1.0", -1}, // invalid sorts first
		{"apk", "1.0a", "1.0b", -1},
		{"apk", "6.6.2p1-r9", "6.6.2p1-r10", -1},
		{"apk", "1-r", "1-r0", 0},
		// rpm: rpmvercmp, '~', '^', epochs, releases.
		{"rpm", "1.0", "0:1.0", 0},
		{"rpm", "1:1.0", "2.0", 1},
		{"rpm", "1.0~rc1", "1.0", -1},
		{"rpm", "1.0^git1", "1.0", 1},
		{"rpm", "1.0^git1", "1.0.1", -1},
		{"rpm", "1.0~rc1^git1", "1.0~rc1", 1},
		{"rpm", "1.0-1", "1.0", 1},
		{"rpm", "1.0-1.el9", "1.0-1.el9_1", -1},
		{"rpm", "1.001", "1.1", 0},
		{"rpm", "1a", "1.0", -1}, // numeric segments beat alphabetic ones
		{"rpm", "1." + huge, "1." + huge + "1", -1},
		{"rpm", huge + ":1", "99:2", 1},
		{"rpm", "1.1.α", "1.1.β", 0},
		{"rpm", "2.0-1", "1:1.0-1", -1},
	} {
		t.Run(tc.eco+"/"+tc.a+"/"+tc.b, func(t *testing.T) {
			t.Parallel()
			c, ok := For(tc.eco)
			if !ok {
				t.Fatalf("For(%q) = false", tc.eco)
			}
			got, err := c.Compare(tc.a, tc.b)
			if err != nil {
				t.Fatalf("Compare: %v", err)
			}
			back, err := c.Compare(tc.b, tc.a)
			if err != nil {
				t.Fatalf("Compare reversed: %v", err)
			}
			if diff := cmp.Diff([2]int{tc.want, -tc.want}, [2]int{got, back}); diff != "" {
				t.Errorf("Compare (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		eco, v string
		// compareErr: Compare refuses it too (the package manager would);
		// otherwise only Valid does.
		compareErr bool
		reason     string
	}{
		{"deb", "", true, "version string is empty"},
		{"deb", "  ", true, "version string is empty"},
		{"deb", "1.0 1", true, "embedded spaces"},
		{"deb", ":1.0", true, "epoch in version is empty"},
		{"deb", "a:1.0", true, "epoch in version is empty"},
		{"deb", "1a:1.0", true, "epoch in version is not number"},
		{"deb", "-1:1.0", true, "epoch in version is negative"},
		{"deb", "2147483648:1.0", true, "epoch in version is too big"},
		{"deb", huge + ":1.0", true, "epoch in version is too big"},
		{"deb", "1:", true, "nothing after colon"},
		{"deb", "1.0-", true, "revision number is empty"},
		{"deb", "-1", true, "version number is empty"},
		{"deb", "a1.0", false, "does not start with digit"},
		{"deb", "1.0_1", false, "invalid character in version number"},
		{"deb", "1:1.0-1:1", false, "invalid character in revision number"},
		{"deb", "1.0-é", false, "invalid character in revision number"},
		{"apk", "", true, "empty"},
		{"apk", "a", false, "bad token at byte 0"},
		{"apk", "1.0A", false, "bad token at byte 3"},
		{"apk", "1.0_blah", false, "bad token"},
		{"apk", "1-r", false, "bad token"},
		{"apk", "1.0-1", false, "bad token"},
		{"apk", "1.0α", false, "bad token"},
		{"rpm", "", true, "empty"},
		{"rpm", "a:1", false, "epoch is not a number"},
		{"rpm", "1:", false, "version is empty"},
		{"rpm", "1-", false, "release is empty"},
		{"rpm", "1-2-3", false, "invalid character '-'"},
		{"rpm", "1.0α", false, "invalid character 0xce"},
	} {
		t.Run(tc.eco+"/"+tc.v, func(t *testing.T) {
			t.Parallel()
			c, _ := For(tc.eco)
			err := c.Valid(tc.v)
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("Valid(%q) = %v, want ErrInvalid with %q", tc.v, err, tc.reason)
			}
			if !strings.Contains(err.Error(), strconv.Quote(tc.v)) {
				t.Errorf("error %q does not name the version", err)
			}
			_, err = c.Compare(tc.v, "1.0")
			if got := err != nil; got != tc.compareErr {
				t.Errorf("Compare(%q, 1.0) error = %v, want error %v", tc.v, err, tc.compareErr)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("Compare error %v is not ErrInvalid", err)
			}
		})
	}
}

func TestValid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ eco, v string }{
		{"deb", "1.0"}, {"deb", "1:2.30-1+deb12u1"}, {"deb", "2.7.4+reloaded2-13~bpo9+1"}, {"deb", "1:1.0:1-1"},
		{"apk", "1.0"}, {"apk", "1.2.3_rc1_p2~abc123-r10"}, {"apk", "2.1b"}, {"apk", "006"},
		{"rpm", "1.0"}, {"rpm", "2:1.0^git1~rc1-3.el9_2.1"}, {"rpm", "1_2+3"},
	} {
		c, _ := For(tc.eco)
		if err := c.Valid(tc.v); err != nil {
			t.Errorf("%s Valid(%q) = %v", tc.eco, tc.v, err)
		}
	}
}

func TestFor(t *testing.T) {
	t.Parallel()
	for _, eco := range []string{"deb", "apk", "rpm", "npm", "golang", "cargo", "pypi", "maven", "nuget", "gem", "composer", "semver"} {
		if _, ok := For(eco); !ok {
			t.Errorf("For(%q) = false", eco)
		}
	}
	for _, eco := range []string{"", "Debian", "PyPI", "DEB", "conan"} {
		if c, ok := For(eco); ok || c != nil {
			t.Errorf("For(%q) = %v, %v; want nil, false", eco, c, ok)
		}
	}
}
