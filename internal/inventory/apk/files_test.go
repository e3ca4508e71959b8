package apk

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/filelist"
	"github.com/vigil-sec/vigil/internal/testenv"
)

func filesByName(pkgs []inventory.Package) map[string][]string {
	m := map[string][]string{}
	for _, p := range pkgs {
		m[p.Name] = p.Files
	}
	return m
}

func TestFilesHostile(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("d", filelist.MaxPath)
	tests := []struct {
		name    string
		cfg     func(*Config)
		in      string
		want    map[string][]string
		wantLog []string
	}{
		{"py3 dist-info", nil,
			"P:py3-urllib3\nV:1.26.18-r0\nF:usr/lib/python3.12/site-packages/urllib3-1.26.18.dist-info\nR:METADATA\nR:RECORD\n" +
				"F:usr/lib/python3.12/site-packages/urllib3\nR:__init__.py\n",
			map[string][]string{"py3-urllib3": {
				"usr/lib/python3.12/site-packages/urllib3-1.26.18.dist-info/METADATA",
				"usr/lib/python3.12/site-packages/urllib3-1.26.18.dist-info/RECORD",
				"usr/lib/python3.12/site-packages/urllib3/__init__.py"}}, nil},
		{"root folder and folders without files", nil, "P:a\nV:1\nF:\nR:top\nF:empty\nF:etc\nR:x\n",
			map[string][]string{"a": {"top", "etc/x"}}, nil},
		{"hostile lines dropped, the rest kept", nil,
			"P:a\nV:1\nR:before-folder\nF:etc\nR:ok\nR:../shadow\nR:..\nR:.\nR:a/b\nR:\nR:x\x00y\nF:../etc\nR:passwd\n" +
				"F:/etc\nR:p\nF:etc//x\nR:p\nF:etc/\nR:p\nF:" + long + "\nR:p\nF:usr\nR:" + long + "\nF:lib\nR:ok2\n",
			map[string][]string{"a": {"etc/ok", "lib/ok2"}},
			[]string{"dropped invalid file lines", "package=a", "count=13", "first=R:before-folder", "reason=file before any folder"}},
		{"file lines of a malformed stanza lost with it", nil, "P:a\nF:etc\nR:x\n\nP:b\nV:1\nF:usr\nR:y\n",
			map[string][]string{"b": {"usr/y"}}, nil},
		{"stanzas do not share folders", nil, "P:a\nV:1\nF:etc\nR:x\n\nP:b\nV:1\nR:y\n",
			map[string][]string{"a": {"etc/x"}, "b": nil}, []string{"package=b", "reason=file before any folder"}},
		{"over MaxFiles", func(c *Config) { c.MaxFiles = 3 }, "P:a\nV:1\nF:etc\nR:1\nR:2\n\nP:b\nV:1\nF:etc\nR:3\nR:4\n\nP:c\nV:1\nF:etc\nR:5\n",
			map[string][]string{"a": {"etc/1", "etc/2"}, "b": {"etc/3"}, "c": nil},
			[]string{"Files of this package and the ones after it", "package=b", "maxFiles=3"}},
		{"over MaxFilesBytes", func(c *Config) { c.MaxFilesBytes = 10 }, "P:a\nV:1\nF:etc\nR:12\nR:34\n",
			map[string][]string{"a": {"etc/12"}}, []string{"maxFilesBytes=10", "package=a"}},
		{"cap spent in a malformed stanza", func(c *Config) { c.MaxFiles = 1 }, "P:a\nF:etc\nR:1\nR:2\n\nP:b\nV:1\nF:etc\nR:3\n",
			map[string][]string{"b": nil}, []string{"package=a", "maxFiles=1"}},
		{"MaxFiles 0 turns Files off", func(c *Config) { c.MaxFiles = 0 }, "P:a\nV:1\nF:etc\nR:x\n",
			map[string][]string{"a": nil}, nil},
		{"CRLF", nil, "P:a\r\nV:1\r\nF:etc\r\nR:x\r\n", map[string][]string{"a": {"etc/x"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig()
			cfg.MaxLine = 256
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			rec := &testenv.LogRecorder{}
			c, err := NewWithConfig(cfg, slog.New(rec))
			if err != nil {
				t.Fatal(err)
			}
			pkgs, _, err := c.parseInstalled(context.Background(), strings.NewReader(tt.in), installedV2)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, filesByName(pkgs)); diff != "" {
				t.Errorf("Files (-want +got):\n%s", diff)
			}
			log := rec.String()
			for _, w := range tt.wantLog {
				if !strings.Contains(log, w) {
					t.Errorf("log lacks %q:\n%s", w, log)
				}
			}
			if tt.wantLog == nil && log != "" {
				t.Errorf("unexpected log:\n%s", log)
			}
		})
	}
}

// tarNames lists the entries of a gzip'd tarball, cleaned as Files are.
func tarNames(t *testing.T, file string) map[string]bool {
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
	names := map[string]bool{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names[strings.TrimPrefix(path.Clean("/"+h.Name), "/")] = true
	}
}

// independentFiles joins the F: and R: lines of a database the simplest way.
func independentFiles(db []byte) map[string][]string {
	m := map[string][]string{}
	for stanza := range strings.SplitSeq(strings.TrimSpace(string(db)), "\n\n") {
		var name, dir string
		var files []string
		for l := range strings.SplitSeq(stanza, "\n") {
			switch {
			case strings.HasPrefix(l, "P:"):
				name = l[2:]
			case strings.HasPrefix(l, "F:"):
				dir = l[2:]
			case strings.HasPrefix(l, "R:"):
				files = append(files, dir+"/"+l[2:])
			}
		}
		m[name] = files
	}
	return m
}

// TestAlpineFiles checks Files on the real Alpine root file systems: equal to
// the database read independently, every path an entry of the tarball, and
// known owners.
func TestAlpineFiles(t *testing.T) {
	t.Parallel()
	dir := testenv.Shared(t, "rootfs")
	for _, file := range []string{"alpine-minirootfs-3.20.3-x86_64.tar.gz", "alpine-minirootfs-3.20.3-aarch64.tar.gz",
		"alpine-minirootfs-3.18.9-x86_64.tar.gz"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			tarball := filepath.Join(dir, file)
			fsys := readRootfs(t, tarball)
			pkgs, err := New(nil).Catalog(context.Background(), fsys)
			if err != nil {
				t.Fatal(err)
			}
			got := filesByName(pkgs)
			if diff := cmp.Diff(independentFiles(fsys[installedV2].Data), got); diff != "" {
				t.Errorf("Files vs the database read independently (-db +Catalog):\n%s", diff)
			}
			names := tarNames(t, tarball)
			owner := map[string][]string{}
			n := 0
			for _, p := range pkgs {
				for _, f := range p.Files {
					if !names[f] {
						t.Errorf("%s: %s is not in the tarball", p.Name, f)
					}
					owner[f] = append(owner[f], p.Name)
					n++
				}
			}
			t.Logf("%d packages, %d paths", len(pkgs), n)
			for path, want := range map[string][]string{
				"lib/libcrypto.so.3": {"libcrypto3"},
				"lib/libssl.so.3":    {"libssl3"},
				"bin/busybox":        {"busybox"},
				"sbin/apk":           {"apk-tools"},
				// Written by the image build, owned by no package.
				"etc/os-release": nil,
			} {
				if !slices.Equal(owner[path], want) {
					t.Errorf("%s owned by %q, want %q", path, owner[path], want)
				}
			}
		})
	}
}
