package debian

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

func marked(eco, pkg string, s vulndb.Status, sev ...string) vulndb.Affected {
	af := vulndb.Affected{Ecosystem: eco, Package: pkg, Status: s}
	for _, v := range sev {
		af.Severity = append(af.Severity, vulndb.Severity{Type: "DISTRO", Score: v})
	}
	return af
}

// tracked returns af for bullseye, bookworm, trixie and sid: a package with
// only an unstable line.
func tracked(f func(eco string) vulndb.Affected) []vulndb.Affected {
	return []vulndb.Affected{f("Debian:11"), f("Debian:12"), f("Debian:13"), f("Debian:sid")}
}

func cveAdv(id, summary string, aliases []string, affected ...[]vulndb.Affected) *vulndb.Advisory {
	a := &vulndb.Advisory{ID: id, Source: "debian", Summary: summary, Aliases: aliases, References: ref(id)}
	for _, af := range affected {
		a.Affected = append(a.Affected, af...)
	}
	return a
}

func TestParseCVEListFixture(t *testing.T) {
	t.Parallel()
	res := runFile(t, ParseCVEList, filepath.Join("testdata", "cve-list"))
	if res.Err != nil || len(res.Problems) != 0 {
		t.Fatalf("err %v, problems %q", res.Err, res.Problems)
	}
	const (
		unfix = vulndb.StatusUnfixed
		wont  = vulndb.StatusWontFix
		eol   = vulndb.StatusEndOfLife
		na    = vulndb.StatusNotAffected
	)
	want := []*vulndb.Advisory{
		cveAdv("CVE-2023-29383", "In Shadow 4.13, it is possible to inject control characters into f ...", nil, []vulndb.Affected{
			marked("Debian:10", "shadow", unfix, "unimportant"),
			marked("Debian:11", "shadow", wont, "unimportant"),
			marked("Debian:12", "shadow", wont, "unimportant"),
			fixedIn("Debian:13", "shadow", "1:4.13+dfsg1-2", "unimportant"),
			fixedIn("Debian:sid", "shadow", "1:4.13+dfsg1-2", "unimportant"),
		}),
		cveAdv("CVE-2023-28686", "Dino before 0.2.3, 0.3.x before 0.3.2, and 0.4.x before 0.4.2 allow ...", []string{"DSA-5379-1"}, []vulndb.Affected{
			fixedIn("Debian:11", "dino-im", "0.2.0-3+deb11u1"),
			fixedIn("Debian:12", "dino-im", "0.4.2-1"),
			fixedIn("Debian:13", "dino-im", "0.4.2-1"),
			fixedIn("Debian:sid", "dino-im", "0.4.2-1"),
		}),
		cveAdv("CVE-2023-28531", "ssh-add in OpenSSH before 9.3 adds smartcard keys to ssh-agent witho ...", nil, []vulndb.Affected{
			marked("Debian:10", "openssh", na, "low"),
			marked("Debian:11", "openssh", na, "low"),
			fixedIn("Debian:12", "openssh", "1:9.3p1-1", "low"),
			fixedIn("Debian:13", "openssh", "1:9.3p1-1", "low"),
			fixedIn("Debian:sid", "openssh", "1:9.3p1-1", "low"),
		}),
		cveAdv("CVE-2023-28484", "In libxml2 before 2.10.4, parsing of certain invalid XSD schemas can ...", nil, []vulndb.Affected{
			fixedIn("Debian:10", "libxml2", "2.9.4+dfsg1-7+deb10u6"),
			fixedIn("Debian:11", "libxml2", "2.9.10+dfsg-6.7+deb11u4"),
			fixedIn("Debian:12", "libxml2", "2.9.14+dfsg-1.2"),
			marked("Debian:13", "libxml2", unfix),
			marked("Debian:sid", "libxml2", unfix),
		}),
		cveAdv("CVE-2023-28450", "An issue was discovered in Dnsmasq before 2.90. The default maximum E ...", nil, []vulndb.Affected{
			marked("Debian:10", "dnsmasq", eol),
			marked("Debian:11", "dnsmasq", wont),
			fixedIn("Debian:12", "dnsmasq", "2.89-1"),
			fixedIn("Debian:13", "dnsmasq", "2.90-1"),
			fixedIn("Debian:sid", "dnsmasq", "2.90-1"),
		}),
		cveAdv("CVE-2023-28439", "CKEditor4 is an open source what-you-see-is-what-you-get HTML editor. ...", nil, []vulndb.Affected{
			marked("Debian:11", "ckeditor", wont),
			marked("Debian:12", "ckeditor", unfix),
			marked("Debian:13", "ckeditor", unfix),
		}),
		cveAdv("CVE-2023-28425", "Redis is an in-memory database that persists on disk. Starting in ve ...", nil, []vulndb.Affected{
			marked("Debian:10", "redis", na),
			fixedIn("Debian:11", "redis", "5:6.0.16-1+deb11u2"),
			fixedIn("Debian:12", "redis", "5:7.0.10-1"),
			fixedIn("Debian:13", "redis", "5:7.0.10-1"),
			fixedIn("Debian:sid", "redis", "5:7.0.10-1"),
		}),
		cveAdv("CVE-2023-28370", "Open redirect vulnerability in Tornado versions 6.3.1 and earlier en ...", nil, []vulndb.Affected{
			fixedIn("Debian:11", "python-tornado", "6.3.2-1"),
			fixedIn("Debian:12", "python-tornado", "6.2.0-3+deb12u1"),
			fixedIn("Debian:13", "python-tornado", "6.3.2-1"),
			fixedIn("Debian:sid", "python-tornado", "6.3.2-1"),
		}),
		cveAdv("CVE-2023-28101", "Flatpak is a system for building, distributing, and running sandboxed ...", nil,
			tracked(func(eco string) vulndb.Affected { return fixedIn(eco, "flatpak", "1.14.4-1") }),
			tracked(func(eco string) vulndb.Affected { return marked(eco, "gnome-software", na) })),
		cveAdv("CVE-2022-48303", "GNU Tar through 1.34 has a one-byte out-of-bound read that results in ...", []string{"DLA-3755-1"}, []vulndb.Affected{
			fixedIn("Debian:11", "tar", "1.34+dfsg-1+deb11u1", "unimportant"),
			fixedIn("Debian:12", "tar", "1.34+dfsg-1.2", "unimportant"),
			fixedIn("Debian:13", "tar", "1.34+dfsg-1.2", "unimportant"),
			fixedIn("Debian:sid", "tar", "1.34+dfsg-1.2", "unimportant"),
		}),
		cveAdv("CVE-2021-3999", "A flaw was found in glibc. An off-by-one buffer overflow and underflo ...", nil, []vulndb.Affected{
			marked("Debian:9", "glibc", na, "low"),
			marked("Debian:11", "glibc", na, "low"),
			fixedIn("Debian:12", "glibc", "2.33-2", "low"),
			fixedIn("Debian:13", "glibc", "2.33-2", "low"),
			fixedIn("Debian:sid", "glibc", "2.33-2", "low"),
		}),
		cveAdv("CVE-2020-15778", "scp in OpenSSH through 8.3p1 allows command injection ...", nil,
			tracked(func(eco string) vulndb.Affected { return marked(eco, "openssh", unfix, "unimportant") })),
		cveAdv("CVE-2019-1010022", "GNU Libc current is affected by: Mitigation bypass. ...", nil,
			tracked(func(eco string) vulndb.Affected { return marked(eco, "glibc", unfix, "unimportant") })),
		cveAdv("CVE-2014-0160", "The (1) TLS and (2) DTLS implementations in OpenSSL 1.0.1 before 1.0 ...", []string{"DSA-2896-1"}, []vulndb.Affected{
			marked("Debian:6", "openssl", na, "high"),
			fixedIn("Debian:7", "openssl", "1.0.1e-2+deb7u5", "high"),
			fixedIn("Debian:11", "openssl", "1.0.1g-1", "high"),
			fixedIn("Debian:12", "openssl", "1.0.1g-1", "high"),
			fixedIn("Debian:13", "openssl", "1.0.1g-1", "high"),
			fixedIn("Debian:sid", "openssl", "1.0.1g-1", "high"),
		}, tracked(func(eco string) vulndb.Affected { return marked(eco, "openssl098", na) })),
	}
	if diff := cmp.Diff(want, res.Advisories); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestHostileCVEList(t *testing.T) {
	t.Parallel()
	good := "CVE-2023-0286 (There is a type confusion vulnerability relating to X.400 address proce ...)\n\t{DSA-5343-1 DLA-3325-1}\n\t- openssl 3.0.8-1\n\t[bullseye] - openssl 1.1.1n-0+deb11u4\n"
	tests := []hostileCase{
		{"valid", good, []string{"CVE-2023-0286"}, 4, nil},
		{"crlf and spaces", strings.ReplaceAll(good, "\n", "\r\n") + "        [buster] - openssl  1.1.1n-0+deb10u3 (bug #1; high*)\n", []string{"CVE-2023-0286"}, 5, nil},
		{"unknown release once per codename", good + "\t[hamster] - openssl 1.0\n\t[hamster] - openssl 1.1\nCVE-2023-0287 (x)\n\t- x 1\n\t[hamster] - x 1\n\t[gerbil] - x 1\n",
			[]string{"CVE-2023-0286", "CVE-2023-0287"}, 8,
			[]string{`CVE-2023-0286: unknown release "hamster": its lines skipped in 2 records`, `CVE-2023-0287: unknown release "gerbil": its lines skipped in 1 records`}},
		{"bad version", good + "\t[buster] - openssl :1.0\n\t- libssl 1.0 1.1\n\t- x 1.0~~a$\n", []string{"CVE-2023-0286"}, 4,
			[]string{"line 5: buster openssl", "malformed package line", "sid x"}},
		{"unknown marker", good + "\t[buster] - openssl <maybe>\n\t- y <itp> (bug #1)\n\t- z <removed>\n", []string{"CVE-2023-0286"}, 7, []string{"unknown status"}},
		{"bad package", good + "\t[buster] - Open$SSL 1.0\n\t- " + strings.Repeat("a", 300) + " 1.0\n", []string{"CVE-2023-0286"}, 4,
			[]string{"malformed source package", "malformed source package"}},
		{"bad xref", "CVE-2023-0286\n\t{DSA-5343-1 CVE-2023-1 <script>}\n\t- openssl 1.0\n", []string{"CVE-2023-0286"}, 4, []string{"malformed advisory IDs"}},
		{"unterminated xref", good + "\t{DSA-1\n", []string{"CVE-2023-0286"}, 4, []string{"unterminated"}},
		{"conflicting repeats", good + "\t- openssl 3.0.9-1\n\t[bullseye] - openssl <no-dsa>\n\t- openssl 3.0.8-1\n", []string{"CVE-2023-0286"}, 4,
			[]string{"second unstable line", "second bullseye line"}},
		{"body before header", "\t- x 1.0\n\tjunk\n" + good, []string{"CVE-2023-0286"}, 4, []string{"outside any entry"}},
		{"junk body line", good + "\tlorem ipsum\n", []string{"CVE-2023-0286"}, 4, []string{"unrecognised line"}},
		{"junk header", "GHSA-xxxx\n\t- x 1.0\n" + good, []string{"CVE-2023-0286"}, 4, []string{"malformed header"}},
		{"binary junk", "\x00\x01\x02PK\x03\x04\n\xff\xfe\n" + good + "\t\x00- x 1\n", []string{"CVE-2023-0286"}, 4,
			[]string{"binary", "binary", "binary"}},
		{"huge header", "CVE-2023-1111 (" + strings.Repeat("y", MaxLine+10) + ")\n\t- x 1.0\n" + good, []string{"CVE-2023-0286"}, 4,
			[]string{"list: CVE-2023-1111: line 1: line longer than"}},
		{"huge summary clipped", "CVE-2023-1111 (" + strings.Repeat("é", MaxSummary) + ")\n\t- x 1.0\n", []string{"CVE-2023-1111"}, 4, nil},
		{"duplicate entry", good + good, []string{"CVE-2023-0286"}, 4, []string{"listed twice"}},
		{"placeholder, reserved, rejected", "CVE-2023-XXXX [foo]\n\t- foo <unfixed>\nCVE-2023-1111\n\tRESERVED\nCVE-2023-2222\n\tREJECTED\n\t- x 1\n" + good,
			[]string{"CVE-2023-0286"}, 4, nil},
		{"truncated", good + "CVE-2023-0287 (x)\n\t- x 1.", []string{"CVE-2023-0286", "CVE-2023-0287"}, 8, nil},
		{"empty", "", nil, 0, nil},
	}
	runHostile(t, ParseCVEList, "list", tests, checkSummary)
}

func TestCVEListProblemCap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range MaxProblems + 50 {
		fmt.Fprintf(&b, "CVE-2023-%05d\n\t- x 1.0\n\t[bullseye] - x :bad\n", i+10000)
	}
	res := run(t, ParseCVEList, strings.NewReader(b.String()), "list")
	if res.Err != nil || len(res.Advisories) != MaxProblems+50 {
		t.Fatalf("err %v, %d advisories", res.Err, len(res.Advisories))
	}
	if len(res.Problems) != MaxProblems+1 || !strings.Contains(res.Problems[MaxProblems], "50 more problems") {
		t.Errorf("%d problems, last %q", len(res.Problems), res.Problems[len(res.Problems)-1])
	}
}

func TestCVEListSizeCapEmitErrorCancel(t *testing.T) {
	t.Parallel()
	good := "CVE-2023-0286 (x)\n\t- openssl 3.0.8-1\n"
	vulndbtest.EmitError(t, ParseCVEList, good)
	vulndbtest.Cancelled(t, ParseCVEList, good)
	vulndbtest.ReadError(t, ParseCVEList, good)
	big := io.MultiReader(strings.NewReader(good), bytes.NewReader(bytes.Repeat([]byte("\n"), 2<<20)), strings.NewReader("CVE-2023-0287\n\t- x 1\n"))
	vulndbtest.SizeCap(t, func(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
		return parseCVEList(ctx, r, file, 1<<20, emit, problem)
	}, big, 1)
}

func TestInheritingReleasesKnown(t *testing.T) {
	t.Parallel()
	for _, c := range InheritingReleases() {
		if _, ok := Ecosystem(c); !ok {
			t.Errorf("%s has no ecosystem", c)
		}
	}
	InheritingReleases()[0] = "changed"
	if InheritingReleases()[0] != "bullseye" {
		t.Error("InheritingReleases shares its slice")
	}
}

func FuzzParseCVEList(f *testing.F) {
	f.Add([]byte("CVE-2023-0286 (There is a type confusion ...)\n\t{DSA-5343-1 DLA-3325-1}\n\t- openssl 3.0.8-1 (high; bug #1)\n\t[bullseye] - openssl 1.1.1n-0+deb11u4\n\t[bookworm] - openssl <no-dsa> (Minor issue)\n"))
	f.Add([]byte("CVE-2023-XXXX [foo]\n\t- foo <unfixed>\nCVE-2023-1111\n\tRESERVED\nCVE-2023-2222\n\tREJECTED\n\t- x 1\nCVE-2023-3333 (y)\n\tNOT-FOR-US: z\n\tNOTE: n\n\tTODO: t\n"))
	f.Add([]byte("CVE-2023-28439 (x)\r\n\t- ckeditor <removed>\r\n\t- ckeditor3 <itp> (bug #684464)\r\n\t[bullseye] - ckeditor <ignored>\r\n\t- g 0\r\n\t[buster] - g <end-of-life>\r\n\t[hamster] - g 1\r\n"))
	f.Add([]byte("\t- x 1\nGHSA-1\n\x00\xff\nCVE-2021-3999 (a)\n\t- glibc 2:2.33-2~exp1 (unimportant)\n\t- glibc 2.34\n\t[stretch] - glibc <postponed>\n\t{DTSA-1-1 bogus}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		n, probs := vulndbtest.Fuzz(t, ParseCVEList, data, "f", func(a *vulndb.Advisory) { checkAdvisory(t, a) })
		if n+probs > lines || probs > MaxProblems+65 {
			t.Fatalf("%d advisories and %d problems from %d lines", n, probs, lines)
		}
	})
}

// syntheticCVEList writes a data/CVE/list of at least size bytes shaped
// like the real one: most entries NOT-FOR-US or RESERVED, the rest with an
// unstable line and release overrides.
func syntheticCVEList(size int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "CVE-2023-%05d (A flaw was found in package number %d that allows a remote attacker to cause ...)\n", 10000+i%90000, i)
		switch i % 4 {
		case 0:
			b.WriteString("\tNOT-FOR-US: Some vendor product\n")
		case 1:
			b.WriteString("\tRESERVED\n")
		default:
			fmt.Fprintf(&b, "\t{DSA-%d-1}\n\t- pkg%d 1:2.%d.0-1 (bug #%d; low)\n\t[bookworm] - pkg%d 1:2.%d.0-1~deb12u1\n\t[bullseye] - pkg%d <no-dsa> (Minor issue)\n\t[buster] - pkg%d <postponed> (Minor issue)\n\tNOTE: https://example.org/%d\n",
				i%6000, i%3000, i, 1000000+i, i%3000, i, i%3000, i%3000, i)
		}
	}
	return b.Bytes()
}

// BenchmarkParseCVEList parses a 32 MiB synthetic data/CVE/list (the real
// one is about 20 MiB).
func BenchmarkParseCVEList(b *testing.B) {
	data := syntheticCVEList(32 << 20)
	vulndbtest.Bench(b, ParseCVEList, data, "list", int64(len(data)), 0)
}

// TestSplitLine holds splitLine to the regexp it replaces.
func TestSplitLine(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^-\s+(\S+)(?:\s+([^\s(]+))?\s*(?:\((.*)\))?\s*$`)
	for _, s := range []string{
		"- openssl 3.0.8-1", "- openssl", "-  openssl\t1:1.0 (bug #1; low)", "- x <unfixed> (a (b) c)", "- x (notes)",
		"- x 1.0 junk", "- x 1.0 (unterminated", "-x 1", "- ", "-", "- x 1.0 )", "- x 1.0(n)", "- x 1.0 (n)  ", "- x\t", "- x 1.0 () ",
		"- a b c", "- (x) 1", "- x 1.0 (n) (m)",
	} {
		m := re.FindStringSubmatch(s)
		name, ver, notes, ok := splitLine(s)
		var got []string
		if ok {
			got = []string{s, name, ver, notes}
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("%q (-regexp +splitLine):\n%s", s, diff)
		}
	}
}
