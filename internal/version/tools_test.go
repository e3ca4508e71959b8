package version

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/testenv"
)

// toolPairs are the pairs checked against the real tools: the edge cases of
// TestCompare plus a sample of the generated vectors and some odd inputs.
func toolPairs(t *testing.T, vectorFiles ...string) [][2]string {
	var pairs [][2]string
	odd := []string{"1.0", "1.0~", "1.0^", "1.0~rc1^git1", "1:1.0", "01:1.0", "1.0-", "1.0-1", "1.0-1-1",
		"1.0a", "1.0+", "1.0.", "1..0", "1.0α", "a", "+2-:1", "1.0-1.el9", "1.0-1.el9_1", "0:1.0", "1", "1-0", "1-00"}
	for i := range odd {
		for j := range odd {
			if i < j {
				pairs = append(pairs, [2]string{odd[i], odd[j]})
			}
		}
	}
	for _, f := range vectorFiles {
		for i, v := range readVectors(t, filepath.Join(testenv.Shared(t, "version-vectors"), f)) {
			if i%50 == 0 {
				pairs = append(pairs, [2]string{v.a, v.b})
			}
		}
	}
	return pairs
}

// TestAgainstTools checks Deb against dpkg --compare-versions and RPM
// against rpm's own comparison (rpm.vercmp in rpm's Lua, which parses
// [epoch:]version[-release]).
func TestAgainstTools(t *testing.T) {
	t.Parallel()
	t.Run("dpkg", func(t *testing.T) {
		t.Parallel()
		dpkg := testenv.Tool(t, "dpkg")
		pairs := toolPairs(t, "debian-versions.txt", "debian-versions-generated.txt")
		for _, p := range pairs {
			if !isASCII(p[0]) || !isASCII(p[1]) {
				// dpkg orders bytes >= 0x80 by the platform's char
				// signedness (see Deb); such versions are invalid anyway.
				continue
			}
			got, err := Deb{}.Compare(p[0], p[1])
			want, toolErr := dpkgCompare(dpkg, p[0], p[1])
			if (err != nil) != (toolErr != nil) {
				t.Errorf("Compare(%q, %q) error %v; dpkg: %v", p[0], p[1], err, toolErr)
				continue
			}
			if err == nil && got != want {
				t.Errorf("Compare(%q, %q) = %d, dpkg says %d", p[0], p[1], got, want)
			}
		}
		t.Logf("%d pairs agree with dpkg", len(pairs))
	})
	t.Run("rpm", func(t *testing.T) {
		t.Parallel()
		rpm := testenv.Tool(t, "rpm")
		pairs := toolPairs(t, "redhat-versions.txt")
		in := filepath.Join(t.TempDir(), "pairs")
		var sb strings.Builder
		for _, p := range pairs {
			fmt.Fprintf(&sb, "%s\t%s\n", p[0], p[1])
		}
		if err := os.WriteFile(in, []byte(sb.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		script := `%{lua: for l in io.lines("` + in + `") do local a, b = l:match("^(.-)\t(.*)$"); io.write(rpm.vercmp(a, b), "\n") end}`
		out, err := exec.Command(rpm, "--eval", script).Output()
		if err != nil {
			t.Fatalf("rpm --eval: %v", err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		n := 0
		for ; sc.Scan() && n < len(pairs); n++ {
			want, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
			if err != nil {
				t.Fatalf("rpm output line %d: %q", n+1, sc.Text())
			}
			p := pairs[n]
			got, err := RPM{}.Compare(p[0], p[1])
			if err != nil {
				t.Errorf("Compare(%q, %q): %v", p[0], p[1], err)
				continue
			}
			if got != sign(want) {
				t.Errorf("Compare(%q, %q) = %d, rpm says %d", p[0], p[1], got, want)
			}
		}
		if n != len(pairs) {
			t.Fatalf("rpm answered %d of %d pairs", n, len(pairs))
		}
		t.Logf("%d pairs agree with rpm", len(pairs))
	})
}

// dpkgCompare asks dpkg for the order of a and b; an error means dpkg
// refused a version.
func dpkgCompare(dpkg, a, b string) (int, error) {
	for _, op := range []struct {
		op  string
		res int
	}{{"lt", -1}, {"eq", 0}} {
		out, err := exec.Command(dpkg, "--compare-versions", a, op.op, b).CombinedOutput()
		if err == nil {
			return op.res, nil
		}
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			return 0, fmt.Errorf("%v: %s", err, out)
		}
	}
	return 1, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
