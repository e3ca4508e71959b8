package dpkg

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// dpkgQuery lists what dpkg-query reports for the database under admindir,
// as "name version source-name source-version" lines, sorted, keeping only
// the statuses Catalog counts as installed (see isInstalled: config-files
// packages are listed by dpkg-query but have no files on disk).
func dpkgQuery(t *testing.T, admindir string) []string {
	t.Helper()
	bin := testenv.Tool(t, "dpkg-query")
	out, err := exec.Command(bin, "--admindir="+admindir, "-W",
		"-f", `${db:Status-Status} ${Package} ${Version} ${source:Package} ${source:Version}\n`).Output()
	if err != nil {
		t.Fatalf("dpkg-query --admindir=%s: %v", admindir, err)
	}
	var lines []string
	for l := range strings.Lines(string(out)) {
		status, rest, _ := strings.Cut(strings.TrimSuffix(l, "\n"), " ")
		if status == "config-files" || status == "not-installed" {
			continue
		}
		lines = append(lines, rest)
	}
	slices.Sort(lines)
	return lines
}

func summarize(pkgs []inventory.Package) []string {
	var lines []string
	for _, p := range pkgs {
		lines = append(lines, strings.Join([]string{p.Name, p.Version, p.SourceName, p.SourceVersion}, " "))
	}
	slices.Sort(lines)
	return lines
}

// TestRealRoots compares Catalog with dpkg-query on real root file systems:
// the debootstrap roots of scripts/testdata-debian.sh and this machine's own.
func TestRealRoots(t *testing.T) {
	t.Parallel()
	roots := map[string]func(t *testing.T) string{
		"bookworm": func(t *testing.T) string { return testenv.TestData(t, "debian", "bookworm") },
		"bullseye": func(t *testing.T) string { return testenv.TestData(t, "debian", "bullseye") },
		"host": func(t *testing.T) string {
			if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
				t.Skip("this machine has no dpkg database")
			}
			return "/"
		},
	}
	for name, root := range roots {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := root(t)
			want := dpkgQuery(t, filepath.Join(dir, "var/lib/dpkg"))
			pkgs, bad, err := New(nil).catalog(context.Background(), os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) > 0 {
				t.Errorf("malformed stanzas in a real database: %v", bad)
			}
			if diff := cmp.Diff(want, summarize(pkgs)); diff != "" {
				t.Errorf("Catalog differs from dpkg-query (-dpkg-query +Catalog):\n%s", diff)
			}
			withLicenses := 0
			for _, p := range pkgs {
				if p.Type != "deb" || p.Path != statusFile || p.Arch == "" {
					t.Errorf("%s: Type %q Path %q Arch %q", p.Name, p.Type, p.Path, p.Arch)
				}
				if len(p.Licenses) > 0 {
					withLicenses++
				}
				// A licence is claimed only from a DEP-5 copyright file.
				b, err := os.ReadFile(filepath.Join(dir, docDir, p.Name, "copyright"))
				isDEP5 := err == nil && bytes.HasPrefix(b, []byte("Format:"))
				if len(p.Licenses) > 0 && !isDEP5 {
					t.Errorf("%s: licences %q from a non-DEP-5 copyright file", p.Name, p.Licenses)
				}
			}
			t.Logf("%d packages, %d with licences", len(pkgs), withLicenses)
			if withLicenses == 0 {
				t.Error("no package has licences")
			}
		})
	}
}

// dpkgQueryFiles returns what `dpkg-query -L` lists for every installed
// package of the database under admindir, by "name:arch", as Files holds
// paths: without the leading slash, "/." and diversion notes left out.
func dpkgQueryFiles(t *testing.T, admindir string) map[string][]string {
	t.Helper()
	bin := testenv.Tool(t, "dpkg-query")
	out, err := exec.Command(bin, "--admindir="+admindir, "-W",
		"-f", `${db:Status-Status} ${binary:Package} ${Package}:${Architecture}\n`).Output()
	if err != nil {
		t.Fatalf("dpkg-query -W: %v", err)
	}
	var names, keys []string
	for l := range strings.Lines(string(out)) {
		f := strings.Fields(l)
		if len(f) != 3 || f[0] == "config-files" || f[0] == "not-installed" {
			continue
		}
		names, keys = append(names, f[1]), append(keys, f[2])
	}
	cmd := exec.Command(bin, append([]string{"--admindir=" + admindir, "-L"}, names...)...)
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("dpkg-query -L: %v", err)
	}
	// One block per package, in argument order, separated by blank lines.
	blocks := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n\n")
	if len(blocks) != len(names) {
		t.Fatalf("dpkg-query -L: %d blocks for %d packages", len(blocks), len(names))
	}
	m := map[string][]string{}
	for i, b := range blocks {
		var files []string
		for l := range strings.Lines(b) {
			l = strings.TrimSuffix(l, "\n")
			if p, ok := strings.CutPrefix(l, "/"); ok && p != "." {
				files = append(files, p)
			}
		}
		m[keys[i]] = files
	}
	return m
}

// TestRealFiles compares Files with `dpkg-query -L` on the real roots, and
// checks known owners.
func TestRealFiles(t *testing.T) {
	t.Parallel()
	roots := map[string]func(t *testing.T) string{
		"bookworm": func(t *testing.T) string { return testenv.TestData(t, "debian", "bookworm") },
		"bullseye": func(t *testing.T) string { return testenv.TestData(t, "debian", "bullseye") },
		"host": func(t *testing.T) string {
			if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
				t.Skip("this machine has no dpkg database")
			}
			return "/"
		},
	}
	for name, root := range roots {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := root(t)
			want := dpkgQueryFiles(t, filepath.Join(dir, "var/lib/dpkg"))
			pkgs, err := New(nil).Catalog(context.Background(), os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			owner := map[string][]string{}
			n := 0
			for _, p := range pkgs {
				key := p.Name + ":" + p.Arch
				if diff := cmp.Diff(want[key], p.Files); diff != "" {
					t.Errorf("%s: Files differ from dpkg-query -L (-dpkg-query +Catalog):\n%s", key, diff)
				}
				for _, f := range p.Files {
					owner[f] = append(owner[f], p.Name)
				}
				n += len(p.Files)
			}
			t.Logf("%d packages, %d paths", len(pkgs), n)
			if name == "host" {
				return
			}
			for path, pkg := range map[string]string{
				"usr/bin/dpkg":                 "dpkg",
				"usr/bin/dpkg-query":           "dpkg",
				"etc/debian_version":           "base-files",
				"usr/share/doc/bash/copyright": "bash",
			} {
				if !slices.Equal(owner[path], []string{pkg}) {
					t.Errorf("%s owned by %q, want %s", path, owner[path], pkg)
				}
			}
		})
	}
}
