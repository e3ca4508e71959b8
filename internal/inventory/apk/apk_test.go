package apk

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

func apk(name, version, arch, origin string, licenses ...string) inventory.Package {
	p := inventory.Package{Name: name, Version: version, Arch: arch, Licenses: licenses, Type: "apk", Path: installedV2}
	if origin != "" {
		p.SourceName, p.SourceVersion = origin, version
	}
	return p
}

func TestCatalogFixture(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/installed")
	if err != nil {
		t.Fatal(err)
	}
	withFiles := func(p inventory.Package, files ...string) inventory.Package {
		p.Files = files
		return p
	}
	want := []inventory.Package{
		apk("aarch-thing", "0.1-r0", "aarch64", "aarch-thing-src", "(MIT OR Apache-2.0) AND Unicode-DFS-2016"),
		withFiles(apk("musl", "1.2.5-r0", "x86_64", "musl", "MIT"), "lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"),
		withFiles(apk("musl-utils", "1.2.5-r0", "x86_64", "musl", "MIT AND BSD-2-Clause AND GPL-2.0-or-later"), "usr/bin/getconf"),
		apk("py3-foo_bar+baz", "2:1.0_git20240101-r3", "noarch", ""),
	}
	for _, tt := range []struct {
		name string
		fsys fstest.MapFS
		path string
	}{
		{"apk-tools 2", fstest.MapFS{installedV2: {Data: b}}, installedV2},
		{"apk-tools 3", fstest.MapFS{installedV3: {Data: b}}, installedV3},
		{"apk-tools 3 with compat symlink", fstest.MapFS{
			installedV3:  {Data: b},
			"lib/apk/db": {Data: []byte("../usr/lib/apk/db"), Mode: fs.ModeSymlink},
		}, installedV3},
		{"CRLF", fstest.MapFS{installedV2: {Data: bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))}}, installedV2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := New(nil).Catalog(context.Background(), tt.fsys)
			if err != nil {
				t.Fatal(err)
			}
			w := make([]inventory.Package, len(want))
			for i, p := range want {
				p.Path = tt.path
				w[i] = p
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseInstalledHostile(t *testing.T) {
	t.Parallel()
	good := "P:ok\nV:1.0-r0\nA:x86_64\n"
	huge := strings.Repeat("x", 10<<20)
	tests := []struct {
		name     string
		in       string
		wantPkgs []string
		wantBad  []string
	}{
		{"empty", "", nil, nil},
		{"blank lines", "\n\n\n", nil, nil},
		{"truncated", good + "\nP:cut\nV:", []string{"ok"}, []string{"package cut: no V"}},
		{"truncated key", good + "\nP:cut\nV", []string{"ok"}, []string{"not a field"}},
		{"no trailing newline", strings.TrimSuffix(good, "\n"), []string{"ok"}, nil},
		{"10 MB file line", "P:big\nV:1\nR:" + huge + "\n\n" + good, []string{"big", "ok"}, nil},
		{"10 MB version", "P:big\nV:" + huge + "\n\n" + good, []string{"ok"}, []string{"package big: line 2: field V: line longer than"}},
		{"binary junk", "\x00\x01\xff\n\x7fELF\n\n" + good, []string{"ok"}, []string{"not a field"}},
		{"duplicate", "P:a\nV:1\nV:2\n\n" + good, []string{"ok"}, []string{"duplicate field V"}},
		{"no name", "V:1\n\n" + good, []string{"ok"}, []string{"no P (name)"}},
		{"bad name", "P:../x\nV:1\n\n" + good, []string{"ok"}, []string{"invalid package name"}},
		{"space in version", "P:a\nV:1 2\n\n" + good, []string{"ok"}, []string{"invalid version"}},
		{"bad origin", "P:a\nV:1\no:a b\n\n" + good, []string{"ok"}, []string{"invalid origin"}},
		{"whitespace line is not a separator", "P:a\nV:1\n \n" + good, nil, []string{"not a field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pkgs, bad, err := New(nil).parseInstalled(context.Background(), strings.NewReader(tt.in), installedV2)
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
				if !strings.Contains(e.Error(), tt.wantBad[i]) || !strings.HasPrefix(e.Error(), installedV2+":") {
					t.Errorf("error %d = %q, want it to name the file and contain %q", i, e, tt.wantBad[i])
				}
			}
		})
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	in := strings.Repeat("P:a\nV:1\n\n", 100)
	cfg := DefaultConfig()
	cfg.MaxFileSize = 100
	c, _ := NewWithConfig(cfg, nil)
	if _, _, err := c.parseInstalled(context.Background(), strings.NewReader(in), installedV2); !errors.Is(err, errTooLarge) {
		t.Errorf("over MaxFileSize: %v", err)
	}
	cfg = DefaultConfig()
	cfg.MaxPackages = 5
	c, _ = NewWithConfig(cfg, nil)
	if _, _, err := c.parseInstalled(context.Background(), strings.NewReader(in), installedV2); err == nil || !strings.Contains(err.Error(), "more than 5") {
		t.Errorf("over MaxPackages: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(nil).Catalog(ctx, fstest.MapFS{installedV2: {Data: []byte(in)}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := NewWithConfig(Config{}, nil); err == nil {
		t.Error("zero Config validated")
	}
	if got, err := New(nil).Catalog(context.Background(), fstest.MapFS{}); err != nil || got != nil {
		t.Errorf("no database: %v %v", got, err)
	}
}

// readRootfs loads the entries of a gzip'd root file system tarball that the
// apk cataloger and DetectDistro read into a MapFS, symlinks kept as symlinks.
func readRootfs(t testing.TB, file string) fstest.MapFS {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	globs := append(New(nil).Globs(), inventory.DistroGlobs()...)
	fsys := fstest.MapFS{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return fsys
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		switch h.Typeflag {
		case tar.TypeSymlink:
			fsys[name] = &fstest.MapFile{Data: []byte(h.Linkname), Mode: fs.ModeSymlink}
		case tar.TypeReg:
			keep := false
			for _, g := range globs {
				keep = keep || inventory.MatchGlob(g, name)
			}
			if keep {
				b, err := io.ReadAll(io.LimitReader(tr, 64<<20))
				if err != nil {
					t.Fatal(err)
				}
				fsys[name] = &fstest.MapFile{Data: b, Mode: 0o644}
			}
		}
	}
}

// independent lists "name version arch origin licence" from an installed
// database with the simplest reading of its format.
func independent(db []byte) []string {
	var out []string
	for stanza := range strings.SplitSeq(strings.TrimSpace(string(db)), "\n\n") {
		f := map[string]string{}
		for l := range strings.SplitSeq(stanza, "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && len(k) == 1 {
				f[k] = v
			}
		}
		out = append(out, fmt.Sprintf("%s %s %s %s %s", f["P"], f["V"], f["A"], f["o"], f["L"]))
	}
	return out
}

func TestAlpineMinirootfs(t *testing.T) {
	t.Parallel()
	dir := testenv.Shared(t, "rootfs")
	// The README's list for 3.20.3 (both architectures): name version origin.
	readme3203 := []string{
		"alpine-baselayout 3.6.5-r0 alpine-baselayout", "alpine-baselayout-data 3.6.5-r0 alpine-baselayout",
		"alpine-keys 2.4-r1 alpine-keys", "apk-tools 2.14.4-r0 apk-tools",
		"busybox 1.36.1-r29 busybox", "busybox-binsh 1.36.1-r29 busybox",
		"ca-certificates-bundle 20240705-r0 ca-certificates",
		"libcrypto3 3.3.2-r0 openssl", "libssl3 3.3.2-r0 openssl",
		"musl 1.2.5-r0 musl", "musl-utils 1.2.5-r0 musl",
		"scanelf 1.3.7-r2 pax-utils", "ssl_client 1.36.1-r29 busybox", "zlib 1.3.1-r1 zlib",
	}
	tests := []struct {
		file, version, arch string
		readme              []string
	}{
		{"alpine-minirootfs-3.20.3-x86_64.tar.gz", "3.20.3", "x86_64", readme3203},
		{"alpine-minirootfs-3.20.3-aarch64.tar.gz", "3.20.3", "aarch64", readme3203},
		{"alpine-minirootfs-3.18.9-x86_64.tar.gz", "3.18.9", "x86_64", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			fsys := readRootfs(t, filepath.Join(dir, tt.file))
			pkgs, bad, err := New(nil).parseInstalled(context.Background(), bytes.NewReader(fsys[installedV2].Data), installedV2)
			if err != nil || len(bad) > 0 {
				t.Fatalf("parse: %v %v", err, bad)
			}
			got, err := New(nil).Catalog(context.Background(), fsys)
			if err != nil {
				t.Fatal(err)
			}
			inventory.SortPackages(pkgs)
			if diff := cmp.Diff(pkgs, got); diff != "" {
				t.Errorf("Catalog vs parse: %s", diff)
			}
			var full, short []string
			for _, p := range got {
				lic := strings.Join(p.Licenses, "|")
				full = append(full, fmt.Sprintf("%s %s %s %s %s", p.Name, p.Version, p.Arch, p.SourceName, lic))
				short = append(short, fmt.Sprintf("%s %s %s", p.Name, p.Version, p.SourceName))
				if p.SourceVersion != p.Version || p.Arch != tt.arch || p.Path != installedV2 || p.Type != "apk" {
					t.Errorf("%+v", p)
				}
			}
			if diff := cmp.Diff(sorted(independent(fsys[installedV2].Data)), sorted(full)); diff != "" {
				t.Errorf("Catalog vs the database read independently (-db +Catalog):\n%s", diff)
			}
			if tt.readme != nil {
				if diff := cmp.Diff(sorted(tt.readme), sorted(short)); diff != "" {
					t.Errorf("Catalog vs the README (-readme +Catalog):\n%s", diff)
				}
			}
			d, err := inventory.DetectDistro(fsys)
			if err != nil {
				t.Fatal(err)
			}
			if d == nil || d.ID != "alpine" || d.VersionID != tt.version {
				t.Errorf("DetectDistro = %+v, want alpine %s", d, tt.version)
			}
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
