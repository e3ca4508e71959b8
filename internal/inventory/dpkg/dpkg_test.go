package dpkg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

func deb(name, version, arch, src, srcVersion, path string, licenses ...string) inventory.Package {
	return inventory.Package{Name: name, Version: version, Arch: arch, SourceName: src,
		SourceVersion: srcVersion, Licenses: licenses, Type: "deb", Path: path}
}

func TestCatalogFixtures(t *testing.T) {
	t.Parallel()
	const st = statusFile
	const sd = statusDir + "/"
	tests := []struct {
		dir  string
		want []inventory.Package
	}{
		{"multiarch", []inventory.Package{
			deb("bash", "5.2.15-2+b2", "amd64", "bash", "5.2.15-2", st, "GPL-3+", "BSD-4-clause-UC"),
			deb("bsdutils", "1:2.38.1-5+b1", "amd64", "util-linux", "2.38.1-5", st),
			deb("halfway", "1.0-1", "amd64", "halfway", "1.0-1", st),
			deb("hold-me", "7.1~rc1-3", "arm64", "hold-me", "7.1~rc1-3", st),
			deb("libc6", "2.36-9+deb12u4", "amd64", "glibc", "2.36-9+deb12u4", st),
			deb("libc6", "2.36-9+deb12u4", "i386", "glibc", "2.36-9+deb12u4", st),
			deb("trig", "3.0", "amd64", "trig", "3.0", st),
			deb("unpackedpkg", "2.0-1", "amd64", "unpackedpkg", "2.0-1", st),
			deb("zeroepoch", "4.5-1+b1", "amd64", "zerosrc", "4.5-1", st),
			deb("zlib1g", "1:1.2.13.dfsg-1", "amd64", "zlib", "1:1.2.13.dfsg-1", st),
		}},
		{"distroless", []inventory.Package{
			deb("base-files", "12.4+deb12u5", "amd64", "base-files", "12.4+deb12u5", sd+"base-files", "GPL-2+"),
			deb("libc6", "2.36-9+deb12u7", "amd64", "glibc", "2.36-9+deb12u7", sd+"libc6"),
			deb("libssl3", "3.0.13-1~deb12u1", "amd64", "openssl", "3.0.13-1~deb12u1", sd+"openssl", "Apache-2.0"),
			deb("openssl", "3.0.13-1~deb12u1", "amd64", "openssl", "3.0.13-1~deb12u1", sd+"openssl"),
			deb("tzdata", "2024a-0+deb12u1", "all", "tzdata", "2024a-0+deb12u1", sd+"tzdata"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			got, bad, err := New(nil).catalog(context.Background(), os.DirFS(filepath.Join("testdata", tt.dir)))
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) > 0 {
				t.Errorf("malformed: %v", bad)
			}
			// Files are checked by TestFilesFixtures.
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(inventory.Package{}, "Files")); diff != "" {
				t.Errorf("Catalog (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFixtureMatchesDpkgQuery checks the hand-written status file against
// dpkg-query itself, so the fixture's expectations are dpkg's, not ours.
func TestFixtureMatchesDpkgQuery(t *testing.T) {
	t.Parallel()
	admin := filepath.Join("testdata", "multiarch", "var", "lib", "dpkg")
	want := dpkgQuery(t, admin)
	got, _, err := New(nil).catalog(context.Background(), os.DirFS(filepath.Join("testdata", "multiarch")))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, summarize(got)); diff != "" {
		t.Errorf("(-dpkg-query +Catalog):\n%s", diff)
	}
}

func TestGlobsCoverReads(t *testing.T) {
	t.Parallel()
	c := New(nil)
	for _, p := range []string{statusFile, statusDir + "/libc6", statusDir + "/libc6.md5sums", "usr/share/doc/libc6/copyright",
		infoDir + "/libc6:amd64.list", infoDir + "/bash.list"} {
		ok := false
		for _, g := range c.Globs() {
			ok = ok || inventory.MatchGlob(g, p)
		}
		if !ok {
			t.Errorf("no glob matches %s", p)
		}
	}
}

// parse runs parseStatus on a string with the default config.
func parse(t *testing.T, s string) ([]inventory.Package, []error, error) {
	t.Helper()
	return New(nil).parseStatus(context.Background(), strings.NewReader(s), statusFile)
}

func TestParseStatusHostile(t *testing.T) {
	t.Parallel()
	good := "Package: ok\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n"
	huge := strings.Repeat("x", 10<<20)
	tests := []struct {
		name     string
		in       string
		wantPkgs []string // names
		wantBad  []string // substrings of the stanza errors, in order
	}{
		{"empty", "", nil, nil},
		{"only blank lines", "\n \n\t\n\n", nil, nil},
		{"truncated mid-stanza", good + "\nPackage: cut\nStatus: install ok installed\nVers", []string{"ok"}, []string{"not a field"}},
		{"truncated no version", good + "\nPackage: cut\nStatus: install ok installed\n", []string{"ok"}, []string{"package cut: Version: missing"}},
		{"no trailing newline", strings.TrimSuffix(good, "\n"), []string{"ok"}, nil},
		{"CRLF", strings.ReplaceAll(good, "\n", "\r\n") + "\r\n" + strings.ReplaceAll(good, "ok\n", "two\n"), []string{"ok", "two"}, nil},
		{"10 MB description", "Package: big\nVersion: 1\nDescription: " + huge + "\n " + huge + "\n\n" + good, []string{"big", "ok"}, nil},
		{"10 MB version", "Package: big\nVersion: " + huge + "\n\n" + good, []string{"ok"}, []string{"package big: line 2: field \"version\": line longer than"}},
		{"10 MB continuation of source", "Package: big\nVersion: 1\nSource: a\n" + strings.Repeat(" more\n", 20000) + "\n" + good, []string{"ok"}, []string{"value longer than"}},
		{"binary junk", "\x00\x01\x02\xff\xfe\n\x7fELF\x02\x01\x01\n\n" + good, []string{"ok"}, []string{"not a field"}},
		{"continuation first", " orphan\nPackage: x\nVersion: 1\n\n" + good, []string{"ok"}, []string{"continuation line outside a field"}},
		{"duplicate field", "Package: x\nVersion: 1\nVersion: 2\n\n" + good, []string{"ok"}, []string{"duplicate field \"version\""}},
		{"no package", "Version: 1\n\n" + good, []string{"ok"}, []string{"no Package field"}},
		{"bad name", "Package: ../../etc\nVersion: 1\n\n" + good, []string{"ok"}, []string{"invalid package name"}},
		{"bad status", "Package: x\nVersion: 1\nStatus: installed\n\n" + good, []string{"ok"}, []string{"invalid Status"}},
		{"unknown status", "Package: x\nVersion: 1\nStatus: install ok flying\n\n" + good, []string{"ok"}, []string{"invalid Status"}},
		{"bad epoch", "Package: x\nVersion: a:1\n\n" + good, []string{"ok"}, []string{"invalid epoch"}},
		{"space in version", "Package: x\nVersion: 1 2\n\n" + good, []string{"ok"}, []string{"invalid version"}},
		{"bad source", "Package: x\nVersion: 1\nSource: y (2\n\n" + good, []string{"ok"}, []string{"Source: invalid"}},
		{"comment lines", "# comment\nPackage: c\n# inside\nVersion: 1\n", []string{"c"}, nil},
		{"field name case", "PACKAGE: up\nversion: 1\nSTATUS: install ok installed\n", []string{"up"}, nil},
		{"whitespace-only separator", "Package: a\nVersion: 1\n  \t\nPackage: b\nVersion: 1\n", []string{"a", "b"}, nil},
		{"config-files skipped", "Package: gone\nVersion: 1\nStatus: deinstall ok config-files\n\n" + good, []string{"ok"}, nil},
		{"not-installed without version", "Package: gone\nStatus: purge ok not-installed\n\n" + good, []string{"ok"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pkgs, bad, err := parse(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range pkgs {
				names = append(names, p.Name)
			}
			if diff := cmp.Diff(tt.wantPkgs, names); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			if len(bad) != len(tt.wantBad) {
				t.Fatalf("stanza errors = %v, want %d", bad, len(tt.wantBad))
			}
			for i, e := range bad {
				if !strings.Contains(e.Error(), tt.wantBad[i]) || !strings.HasPrefix(e.Error(), statusFile+":") {
					t.Errorf("error %d = %q, want it to name the file and contain %q", i, e, tt.wantBad[i])
				}
			}
		})
	}
}

func TestParseStatusLimits(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.MaxFileSize = 1000
	c, err := NewWithConfig(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	in := strings.Repeat("Package: a\nVersion: 1\n\n", 100)
	if _, _, err := c.parseStatus(context.Background(), strings.NewReader(in), statusFile); !errors.Is(err, errTooLarge) {
		t.Errorf("over MaxFileSize: err = %v, want errTooLarge", err)
	}

	cfg = DefaultConfig()
	cfg.MaxPackages = 10
	c, _ = NewWithConfig(cfg, nil)
	if _, _, err := c.parseStatus(context.Background(), strings.NewReader(in), statusFile); err == nil || !strings.Contains(err.Error(), "more than 10 stanzas") {
		t.Errorf("over MaxPackages: err = %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(nil).Catalog(ctx, os.DirFS("testdata/multiarch")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}

	if _, err := NewWithConfig(Config{}, nil); err == nil {
		t.Error("zero Config validated")
	}
}

// errReader fails after its data.
type errReader struct{ r io.Reader }

func (e errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, errors.New("disk on fire")
	}
	return n, err
}

func TestCatalogErrors(t *testing.T) {
	t.Parallel()
	_, _, err := New(nil).parseStatus(context.Background(), errReader{strings.NewReader("Package: a\n")}, statusFile)
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error: err = %v", err)
	}
	// A status.d entry that is a folder, and a status that is a folder, are not files.
	fsys := fstest.MapFS{
		"var/lib/dpkg/status/x":         {Data: []byte("junk")},
		"var/lib/dpkg/status.d/sub/x":   {Data: []byte("junk")},
		"var/lib/dpkg/status.d/.hidden": {Data: []byte("junk")},
		"var/lib/dpkg/status.d/p":       {Data: []byte("Package: p\nVersion: 1\n")},
	}
	got, err := New(nil).Catalog(context.Background(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "p" {
		t.Errorf("got %v", got)
	}
	// No database at all is no packages and no error.
	got, err = New(nil).Catalog(context.Background(), fstest.MapFS{})
	if err != nil || len(got) != 0 {
		t.Errorf("empty fs: %v, %v", got, err)
	}
}

func TestCopyright(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []string
	}{
		{"dep5", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: MIT\n\nFiles: a\nLicense: GPL-2+ or Artistic\n\nLicense: MIT\n Permission is hereby granted\n", []string{"MIT", "GPL-2+ or Artistic"}},
		{"old dep5 url", "Format-Specification: http://svn.debian.org/wsvn/dep/web/deps/dep5.mdwn?op=file&rev=135\n\nFiles: *\nLicense: BSD-3-clause\n", []string{"BSD-3-clause"}},
		{"licence in header", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nLicense: GPL-2\n", []string{"GPL-2"}},
		{"free text", "This package was debianized by someone.\n\nLicense: GPL\n", nil},
		{"no format", "Files: *\nLicense: MIT\n", nil},
		{"empty synopsis", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense:\n full text\n", nil},
		{"CRLF", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\r\n\r\nFiles: *\r\nLicense: MIT\r\n", []string{"MIT"}},
		{"empty", "", nil},
		{"huge line skipped", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nLicense: " + strings.Repeat("x", 1<<20) + "\nLicense: ISC\n", []string{"ISC"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := parseCopyright(strings.NewReader(tt.in), DefaultConfig().MaxLine)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCopyrightCap(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.MaxCopyright = 200
	c, _ := NewWithConfig(cfg, nil)
	doc := "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nLicense: MIT\n\n" +
		strings.Repeat("Comment: filler\n", 20) + "\nLicense: Late\n"
	fsys := fstest.MapFS{
		"var/lib/dpkg/status":       {Data: []byte("Package: p\nVersion: 1\n")},
		"usr/share/doc/p/copyright": {Data: []byte(doc)},
	}
	got, err := c.Catalog(context.Background(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"MIT"}, got[0].Licenses); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// synthStatus is a status file of n packages shaped like real ones.
func synthStatus(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "Package: pkg%d\nStatus: install ok installed\nPriority: optional\nSection: libs\n"+
			"Installed-Size: %d\nMaintainer: Someone <someone@example.org>\nArchitecture: amd64\n"+
			"Multi-Arch: same\nSource: src%d (1:%d.0-1)\nVersion: 1:%d.0-1+b1\n"+
			"Depends: libc6 (>= 2.34), libgcc-s1 (>= 3.0)\nConffiles:\n /etc/pkg%d.conf 0123456789abcdef0123456789abcdef\n"+
			"Description: synthetic package %d\n A longer description of the package\n that spans lines.\n .\n And paragraphs.\n\n",
			i, i*10, i/3, i, i, i, i)
	}
	return b.Bytes()
}

func BenchmarkDpkg(b *testing.B) {
	b.Run("synthetic-1000", func(b *testing.B) {
		fsys := fstest.MapFS{statusFile: {Data: synthStatus(1000)}}
		c := New(nil)
		b.SetBytes(int64(len(fsys[statusFile].Data)))
		b.ReportAllocs()
		for b.Loop() {
			pkgs, err := c.Catalog(context.Background(), fsys)
			if err != nil || len(pkgs) != 1000 {
				b.Fatal(len(pkgs), err)
			}
		}
	})
	b.Run("synthetic-1000-lists", func(b *testing.B) {
		fsys := fstest.MapFS{statusFile: {Data: synthStatus(1000)}}
		size := len(fsys[statusFile].Data)
		for i := range 1000 {
			var l bytes.Buffer
			l.WriteString("/.\n/usr\n/usr/lib\n/usr/lib/x86_64-linux-gnu\n")
			for j := range 100 {
				fmt.Fprintf(&l, "/usr/lib/x86_64-linux-gnu/pkg%d/file-%d.so\n", i, j)
			}
			fsys[fmt.Sprintf("%s/pkg%d:amd64.list", infoDir, i)] = &fstest.MapFile{Data: l.Bytes()}
			size += l.Len()
		}
		c := New(nil)
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			pkgs, err := c.Catalog(context.Background(), fsys)
			if err != nil || len(pkgs) != 1000 || len(pkgs[0].Files) != 103 {
				b.Fatal(len(pkgs), err)
			}
		}
	})
	// The real roots, with Files (the default) and without (MaxFiles 0):
	// the difference is the cost of reading the file lists.
	roots := []struct {
		name string
		dir  func(b *testing.B) string
	}{
		{"bookworm", func(b *testing.B) string { return testenv.TestData(b, "debian", "bookworm") }},
		{"host", func(b *testing.B) string {
			if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
				b.Skip("this machine has no dpkg database")
			}
			return "/"
		}},
	}
	for _, r := range roots {
		for _, files := range []bool{true, false} {
			name := r.name
			if !files {
				name += "-nofiles"
			}
			b.Run(name, func(b *testing.B) {
				fsys := os.DirFS(r.dir(b))
				cfg := DefaultConfig()
				if !files {
					cfg.MaxFiles = 0
				}
				c, _ := NewWithConfig(cfg, nil)
				b.ReportAllocs()
				var n int
				for b.Loop() {
					pkgs, err := c.Catalog(context.Background(), fsys)
					if err != nil {
						b.Fatal(err)
					}
					n = 0
					for _, p := range pkgs {
						n += len(p.Files)
					}
				}
				b.ReportMetric(float64(n), "paths")
			})
		}
	}
}
