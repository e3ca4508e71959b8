package files

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/image"
)

// brief is "RULE@path severity" per finding, in order.
func brief(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s@%s %s", f.RuleID, f.Location.Path, f.Severity))
	}
	return out
}

func file(p string, mode fs.FileMode, size int64) image.EntryInfo {
	return image.EntryInfo{Path: p, Type: image.EntryFile, Mode: mode, Size: size}
}

func dir(p string, mode fs.FileMode) image.EntryInfo {
	return image.EntryInfo{Path: p, Type: image.EntryDir, Mode: mode}
}

func run(t *testing.T, o Options, layer string, es []image.EntryInfo) []finding.Finding {
	t.Helper()
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	l := c.Layer(layer)
	for _, e := range es {
		l.Entry(e)
	}
	return l.Findings()
}

func TestRules(t *testing.T) {
	t.Parallel()
	const suid, sgid, sticky = fs.ModeSetuid, fs.ModeSetgid, fs.ModeSticky
	tests := []struct {
		name    string
		entries []image.EntryInfo
		want    []string
	}{
		{name: "empty"},
		{name: "ordinary", entries: []image.EntryInfo{dir("usr", 0o755), file("usr/bin/ls", 0o755, 100), file("etc/passwd", 0o644, 10)}},
		{name: "setuid root exec", entries: []image.EntryInfo{file("usr/bin/su", suid|0o755, 100)},
			want: []string{RuleSetuid + "@usr/bin/su medium"}},
		{name: "setuid non-root", entries: []image.EntryInfo{{Path: "opt/x", Type: image.EntryFile, Mode: suid | 0o755, UID: 1000}},
			want: []string{RuleSetuid + "@opt/x low"}},
		{name: "setuid not executable", entries: []image.EntryInfo{file("opt/x", suid|0o644, 1)},
			want: []string{RuleSetuid + "@opt/x low"}},
		{name: "setuid hardlink", entries: []image.EntryInfo{{Path: "bin/su2", Type: image.EntryHardlink, Mode: suid | 0o755, Target: "bin/su"}},
			want: []string{RuleSetuid + "@bin/su2 medium"}},
		{name: "setuid and setgid", entries: []image.EntryInfo{file("usr/bin/both", suid|sgid|0o755, 1)},
			want: []string{RuleSetuid + "@usr/bin/both medium", RuleSetgid + "@usr/bin/both medium"}},
		{name: "setgid shadow group", entries: []image.EntryInfo{{Path: "usr/bin/chage", Type: image.EntryFile, Mode: sgid | 0o755, GID: 42}},
			want: []string{RuleSetgid + "@usr/bin/chage low"}},
		{name: "setgid dir", entries: []image.EntryInfo{dir("var/mail", sgid|0o775), dir("var/local", sgid|0o2775)}},
		{name: "setuid dir", entries: []image.EntryInfo{dir("weird", suid|0o755)}},
		{name: "sticky tmp", entries: []image.EntryInfo{dir("tmp", sticky|0o777), dir("var/tmp", sticky|0o777)}},
		{name: "world-writable dir", entries: []image.EntryInfo{dir("data", 0o777), dir("app/upload", 0o757)},
			want: []string{RuleWorldWritableDir + "@app/upload medium", RuleWorldWritableDir + "@data medium"}},
		{name: "group-writable dir", entries: []image.EntryInfo{dir("data", 0o775)}},
		{name: "world-writable file", entries: []image.EntryInfo{file("app/config.json", 0o666, 10)},
			want: []string{RuleWorldWritableFile + "@app/config.json medium"}},
		{name: "symlink 0777", entries: []image.EntryInfo{{Path: "bin/sh", Type: image.EntrySymlink, Mode: 0o777, Target: "busybox"}}},
		{name: "device 0666", entries: []image.EntryInfo{{Path: "dev/null", Type: image.EntryOther, Mode: 0o666}}},
		{name: "whiteout and opaque", entries: []image.EntryInfo{
			{Path: "usr/bin/su", Type: image.EntryWhiteout, Mode: suid | 0o777},
			{Path: "var/lib/apt/lists", Type: image.EntryOpaque, Mode: 0o777},
		}},
		{name: "apt lists", entries: []image.EntryInfo{
			dir("var/lib/apt/lists", 0o755),
			dir("var/lib/apt/lists/partial", 0o700),
			file("var/lib/apt/lists/lock", 0o640, 0),
			file("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", 0o644, 151_000),
			file("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages", 0o644, 34_349_000),
			file("var/lib/apt/lists/partial/x", 0o644, 100),
			file("var/lib/apt/lists/auxfiles/y", 0o644, 100),
		}, want: []string{RulePkgCache + "@var/lib/apt/lists low"}},
		{name: "empty apt lists dir", entries: []image.EntryInfo{dir("var/lib/apt/lists", 0o755), dir("var/lib/apt/lists/partial", 0o700)}},
		{name: "apt lists lock only", entries: []image.EntryInfo{file("var/lib/apt/lists/lock", 0o640, 0)}},
		{name: "apt lists lock with content", entries: []image.EntryInfo{file("var/lib/apt/lists/lock", 0o640, 10)}},
		{name: "apt lists empty files only", entries: []image.EntryInfo{file("var/lib/apt/lists/a", 0o644, 0)}},
		{name: "apt archives and bin", entries: []image.EntryInfo{
			file("var/cache/apt/archives/curl_8.0_amd64.deb", 0o644, 300_000),
			file("var/cache/apt/archives/lock", 0o640, 0),
			file("var/cache/apt/archives/partial/x.deb", 0o644, 10),
			file("var/cache/apt/pkgcache.bin", 0o644, 30_000_000),
			file("var/cache/apt/srcpkgcache.bin", 0o644, 30_000_000),
			file("var/cache/apt/other", 0o644, 10),
		}, want: []string{RulePkgCache + "@var/cache/apt low", RulePkgCache + "@var/cache/apt/archives low"}},
		{name: "apt debs elsewhere", entries: []image.EntryInfo{file("opt/x.deb", 0o644, 1), file("var/cache/aptitude/x.bin", 0o644, 1)}},
		{name: "apk yum dnf", entries: []image.EntryInfo{
			file("var/cache/apk/APKINDEX.abc.tar.gz", 0o644, 1000),
			file("etc/apk/cache/curl-8.apk", 0o644, 1000),
			file("var/cache/yum/x86_64/8/base/repomd.xml", 0o644, 10),
			file("var/cache/dnf/expired_repos.json", 0o644, 2),
			file("etc/apk/repositories", 0o644, 50),
		}, want: []string{RulePkgCache + "@etc/apk/cache low", RulePkgCache + "@var/cache/apk low", RulePkgCache + "@var/cache/dnf low", RulePkgCache + "@var/cache/yum low"}},
		{name: "language caches", entries: []image.EntryInfo{
			file("root/.cache/pip/http/a/b", 0o644, 10),
			file("home/app/.cache/pip/wheels/x.whl", 0o644, 10),
			file("home/bob/.cache/pip/wheels/y.whl", 0o644, 10),
			file("root/.npm/_cacache/index-v5/aa", 0o644, 10),
			file("home/node/.npm/_cacache/content-v2/x", 0o644, 10),
			file("usr/local/share/.cache/yarn/v6/x", 0o644, 10),
			file("root/.cache/yarn/v6/y", 0o644, 10),
			file("root/.cache/go-build/00/abc-d", 0o644, 10),
			file("root/.npm/_logs/x.log", 0o644, 10),
			file("root/.cache/other/x", 0o644, 10),
			file("home/.cache/pip/x", 0o644, 10),
			file("root/x", 0o644, 10),
		}, want: []string{
			RulePkgCache + "@home/app/.cache/pip low",
			RulePkgCache + "@home/bob/.cache/pip low",
			RulePkgCache + "@home/node/.npm/_cacache low",
			RulePkgCache + "@root/.cache/go-build low",
			RulePkgCache + "@root/.cache/pip low",
			RulePkgCache + "@root/.cache/yarn low",
			RulePkgCache + "@root/.npm/_cacache low",
			RulePkgCache + "@usr/local/share/.cache/yarn low",
		}},
		{name: "cache dirs only count regular files", entries: []image.EntryInfo{
			dir("root/.cache/pip", 0o755),
			{Path: "root/.cache/pip/link", Type: image.EntrySymlink, Mode: 0o777, Target: "/etc/passwd"},
			{Path: "root/.cache/pip/hard", Type: image.EntryHardlink, Mode: 0o644, Target: "etc/passwd"},
		}},
		{name: "order across rules", entries: []image.EntryInfo{
			file("var/lib/apt/lists/x", 0o666, 5),
			dir("z", 0o777),
			file("b/su", suid|0o4755, 1),
			file("a/su", suid|0o4755, 1),
		}, want: []string{
			RuleSetuid + "@a/su medium",
			RuleSetuid + "@b/su medium",
			RuleWorldWritableDir + "@z medium",
			RuleWorldWritableFile + "@var/lib/apt/lists/x medium",
			RulePkgCache + "@var/lib/apt/lists low",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := run(t, Options{}, "sha256:l1", tt.entries)
			if diff := cmp.Diff(tt.want, brief(got)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Kind != finding.KindImage || f.Location.Layer != "sha256:l1" || f.Title == "" || f.Message == "" || f.Remediation == "" || len(f.References) == 0 {
					t.Errorf("incomplete finding %+v", f)
				}
			}
		})
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	got := run(t, Options{}, "L", []image.EntryInfo{
		{Path: "usr/bin/passwd", Type: image.EntryFile, Mode: fs.ModeSetuid | 0o755},
		{Path: "usr/bin/chage", Type: image.EntryFile, Mode: fs.ModeSetgid | 0o755, GID: 42},
		dir("data", 0o777),
		file("var/lib/apt/lists/a", 0o644, 151_000),
		file("var/lib/apt/lists/b", 0o644, 34_349_000),
	})
	want := []finding.Finding{
		{
			RuleID: RuleSetuid, Kind: finding.KindImage, Severity: finding.SeverityMedium, Title: "Setuid file",
			Message:     "setuid file /usr/bin/passwd owned by root (UID 0), mode 4755: it runs with its owner's privileges",
			Remediation: "Remove the bit in the Dockerfile (RUN chmod u-s /usr/bin/passwd), or drop the package that installs it if the image does not need it.",
			Location:    finding.Location{Layer: "L", Path: "usr/bin/passwd"},
			References:  []string{cisRef},
		},
		{
			RuleID: RuleSetgid, Kind: finding.KindImage, Severity: finding.SeverityLow, Title: "Setgid file",
			Message:     "setgid file /usr/bin/chage owned by root (UID 0) with group GID 42, mode 2755: it runs with its group's privileges",
			Remediation: "Remove the bit in the Dockerfile (RUN chmod g-s /usr/bin/chage), or drop the package that installs it if the image does not need it.",
			Location:    finding.Location{Layer: "L", Path: "usr/bin/chage"},
			References:  []string{cisRef},
		},
		{
			RuleID: RuleWorldWritableDir, Kind: finding.KindImage, Severity: finding.SeverityMedium, Title: "World-writable directory",
			Message:     "directory /data is writable by every user and has no sticky bit, mode 0777: any process can replace files in it",
			Remediation: "Remove write access for others (RUN chmod o-w /data), or set the sticky bit (chmod +t) if it is a shared scratch directory like /tmp.",
			Location:    finding.Location{Layer: "L", Path: "data"},
			References:  []string{cisRef},
		},
		{
			RuleID: RulePkgCache, Kind: finding.KindImage, Severity: finding.SeverityLow, Title: pkgCacheTitle,
			Message:     "apt package lists left in the image: 2 files, 34.5 MB",
			Remediation: cacheAptLists.fix,
			Location:    finding.Location{Layer: "L", Path: "var/lib/apt/lists"},
			References:  []string{cisRef, bestPracticesRef},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestMaxFindings(t *testing.T) {
	t.Parallel()
	var es []image.EntryInfo
	for i := range 10 {
		es = append(es, file(fmt.Sprintf("bin/s%02d", 9-i), fs.ModeSetuid|0o755, 1))
		es = append(es, dir(fmt.Sprintf("w%02d", i), 0o777))
		es = append(es, file(fmt.Sprintf("home/u%02d/.cache/pip/x", i), 0o644, 1))
	}
	got := run(t, Options{MaxFindings: 3}, "L", es)
	want := []string{
		RuleSetuid + "@bin/s07 medium", RuleSetuid + "@bin/s08 medium", RuleSetuid + "@bin/s09 medium", RuleSetuid + "@ low",
		RuleWorldWritableDir + "@w00 medium", RuleWorldWritableDir + "@w01 medium", RuleWorldWritableDir + "@w02 medium", RuleWorldWritableDir + "@ low",
		RulePkgCache + "@home/u00/.cache/pip low", RulePkgCache + "@home/u01/.cache/pip low", RulePkgCache + "@home/u02/.cache/pip low", RulePkgCache + "@ low",
	}
	if diff := cmp.Diff(want, brief(got)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, i := range []int{3, 7, 11} {
		if !strings.HasPrefix(got[i].Message, "and 7 more ") {
			t.Errorf("summary %d: %q", i, got[i].Message)
		}
	}
	// Default cap is 100.
	es = es[:0]
	for i := range 150 {
		es = append(es, file(fmt.Sprintf("bin/s%03d", i), fs.ModeSetuid|0o755, 1))
	}
	got = run(t, Options{}, "L", es)
	if len(got) != DefaultMaxFindings+1 || got[DefaultMaxFindings].Message != "and 50 more setuid files in this layer (over the limit of 100 findings per rule)" {
		t.Errorf("default cap: %d findings, last %q", len(got), got[len(got)-1].Message)
	}
}

func TestCachesInSeveralLayers(t *testing.T) {
	t.Parallel()
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	l1, l2, l3 := c.Layer("L1"), c.Layer("L2"), c.Layer("L3")
	l1.Entry(file("var/lib/apt/lists/a_Packages", 0o644, 2_000_000))
	l2.Entry(file("var/lib/apt/lists/a_Packages", 0o644, 2_500_000))
	l2.Entry(file("var/lib/apt/lists/b_Packages", 0o644, 500))
	l3.Entry(image.EntryInfo{Path: "var/lib/apt/lists", Type: image.EntryOpaque})
	var got []string
	for _, l := range []*Layer{l1, l2, l3} {
		for _, f := range l.Findings() {
			got = append(got, f.Location.Layer+" "+f.Location.Path+": "+f.Message)
		}
	}
	want := []string{
		"L1 var/lib/apt/lists: apt package lists left in the image: 1 file, 2.0 MB",
		"L2 var/lib/apt/lists: apt package lists left in the image: 2 files, 2.5 MB",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if f := l1.Findings(); f != nil {
		t.Errorf("second Findings call: %v", f)
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{MaxFindings: -1}, {MaxFindings: maxMaxFindings + 1}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v): no error", o)
		}
	}
	keys := map[string]bool{}
	for _, o := range []Options{{}, {MaxFindings: DefaultMaxFindings}, {MaxFindings: 5}} {
		c, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		keys[c.Key()] = true
		if !strings.HasPrefix(c.Key(), rulesVersion) {
			t.Errorf("key %q does not name the rule set version", c.Key())
		}
	}
	if len(keys) != 2 { // {} and {100} are the same settings
		t.Errorf("keys: %v", keys)
	}
}

func TestFormatSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 34_500_000: "34.5 MB", 2_000_000_000: "2.0 GB", 1 << 62: "4611.7 PB"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// ordinary is a mix of entries that match no rule, like most of a layer.
func ordinary(n int) []image.EntryInfo {
	paths := []string{
		"usr/lib/x86_64-linux-gnu/libc.so.6", "usr/share/doc/libc6/copyright", "etc/ssl/certs/ca-certificates.crt",
		"var/lib/dpkg/info/libc6.list", "var/cache/debconf/config.dat", "root/.bashrc", "home/app/.profile",
		"usr/local/lib/python3.12/site-packages/pip/__init__.py", "var/lib/apt/extended_states", "usr/bin/ls",
	}
	es := make([]image.EntryInfo, n)
	for i := range es {
		switch i % 10 {
		case 0:
			es[i] = dir(paths[i%len(paths)], 0o755)
		case 1:
			es[i] = image.EntryInfo{Path: paths[i%len(paths)], Type: image.EntrySymlink, Mode: 0o777, Target: "x"}
		default:
			es[i] = file(paths[i%len(paths)], 0o644, 1000)
		}
	}
	return es
}

func TestEntryAllocs(t *testing.T) {
	es := ordinary(1000)
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := c.Layer("L")
	allocs := testing.AllocsPerRun(10, func() {
		for _, e := range es {
			l.Entry(e)
		}
	})
	if allocs != 0 {
		t.Errorf("Entry allocates %.1f times per 1000 ordinary entries", allocs)
	}
	if f := l.Findings(); len(f) != 0 {
		t.Errorf("ordinary entries flagged: %v", brief(f))
	}
}

// BenchmarkEntry feeds 100k ordinary entries (one op = one entry).
func BenchmarkEntry(b *testing.B) {
	es := ordinary(100_000)
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	l := c.Layer("L")
	for i := 0; b.Loop(); i++ {
		if i%len(es) == 0 {
			l = c.Layer("L")
		}
		l.Entry(es[i%len(es)])
	}
}

// BenchmarkLayer runs a whole layer of 100k ordinary entries with a few
// flagged ones and the findings.
func BenchmarkLayer(b *testing.B) {
	es := ordinary(100_000)
	for i := 0; i < 100; i++ {
		es[i*1000] = file(fmt.Sprintf("var/lib/apt/lists/f%d", i), 0o644, 1000)
		es[i*1000+1] = file(fmt.Sprintf("usr/bin/s%d", i), fs.ModeSetuid|0o755, 1000)
	}
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		l := c.Layer("L")
		for _, e := range es {
			l.Entry(e)
		}
		if len(l.Findings()) != 101 {
			b.Fatal("unexpected findings")
		}
	}
}

// TestConcurrentLayers runs layers of one Checker in parallel (for -race).
func TestConcurrentLayers(t *testing.T) {
	t.Parallel()
	c, err := New(Options{MaxFindings: 2})
	if err != nil {
		t.Fatal(err)
	}
	es := append(ordinary(1000), file("usr/bin/su", fs.ModeSetuid|0o755, 1), file("root/.cache/pip/x", 0o644, 1))
	done := make(chan []string)
	for i := range 4 {
		go func() {
			l := c.Layer(fmt.Sprint("L", i))
			for _, e := range es {
				l.Entry(e)
			}
			done <- brief(l.Findings())
		}()
	}
	want := []string{RuleSetuid + "@usr/bin/su medium", RulePkgCache + "@root/.cache/pip low"}
	for range 4 {
		if diff := cmp.Diff(want, <-done); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
}

// FuzzMatchCache checks that any path (clean or not) neither panics nor
// yields a cache directory that is not a prefix of the path.
func FuzzMatchCache(f *testing.F) {
	for _, s := range []string{"var/lib/apt/lists/x", "home/a/.cache/pip/x", "home//.npm/_cacache/", "root/.", "home/", "var/cache/apt/x.bin", "etc/apk/cache/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		k, d := matchCache(p)
		if k == nil {
			return
		}
		if !strings.HasPrefix(p, d+"/") {
			t.Fatalf("matchCache(%q) dir %q is not a parent", p, d)
		}
		l := &Layer{max: 1}
		l.Entry(image.EntryInfo{Path: p, Type: image.EntryFile, Size: 1})
		if len(l.Findings()) != 1 {
			t.Fatalf("no finding for %q", p)
		}
	})
}
