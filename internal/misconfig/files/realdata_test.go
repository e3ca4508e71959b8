package files

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/image"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// tarEntries reads a gzip'd tar the way internal/image does: clean relative
// paths and the mode bits of the header.
func tarEntries(t *testing.T, file string) []image.EntryInfo {
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
	tr := tar.NewReader(zr)
	var es []image.EntryInfo
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if p == "" {
			continue
		}
		e := image.EntryInfo{Path: p, Mode: fs.FileMode(hdr.Mode) & fs.ModePerm, UID: hdr.Uid, GID: hdr.Gid, Target: hdr.Linkname}
		if hdr.Mode&0o4000 != 0 {
			e.Mode |= fs.ModeSetuid
		}
		if hdr.Mode&0o2000 != 0 {
			e.Mode |= fs.ModeSetgid
		}
		if hdr.Mode&0o1000 != 0 {
			e.Mode |= fs.ModeSticky
		}
		switch hdr.Typeflag {
		case tar.TypeReg:
			e.Type, e.Size = image.EntryFile, hdr.Size
		case tar.TypeDir:
			e.Type = image.EntryDir
		case tar.TypeSymlink:
			e.Type = image.EntrySymlink
		case tar.TypeLink:
			e.Type = image.EntryHardlink
		default:
			e.Type = image.EntryOther
		}
		es = append(es, e)
	}
	return es
}

// dirEntries walks a root file system and builds entries from os.Lstat.
func dirEntries(t *testing.T, root string) []image.EntryInfo {
	t.Helper()
	var es []image.EntryInfo
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		m := fi.Mode()
		e := image.EntryInfo{Path: filepath.ToSlash(rel), Mode: m & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			e.UID, e.GID = int(st.Uid), int(st.Gid)
		}
		switch {
		case m.IsRegular():
			e.Type, e.Size = image.EntryFile, fi.Size()
		case m.IsDir():
			e.Type = image.EntryDir
		case m&fs.ModeSymlink != 0:
			e.Type = image.EntrySymlink
		default:
			e.Type = image.EntryOther
		}
		es = append(es, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func check(t *testing.T, es []image.EntryInfo) []finding.Finding {
	t.Helper()
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := c.Layer("sha256:root")
	for _, e := range es {
		l.Entry(e)
	}
	fs := l.Findings()
	for _, f := range fs {
		t.Logf("%s %s %s: %s", f.Severity, f.RuleID, f.Location.Path, f.Message)
	}
	return fs
}

// TestAlpine: the official minirootfs carries no setuid file (busybox's
// bbsuid is a separate package), a sticky /tmp and /var/tmp and no apk
// cache: nothing to report.
func TestAlpine(t *testing.T) {
	t.Parallel()
	dir := testenv.Shared(t, "rootfs")
	for _, name := range []string{"alpine-minirootfs-3.20.3-x86_64.tar.gz", "alpine-minirootfs-3.18.9-x86_64.tar.gz"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			es := tarEntries(t, filepath.Join(dir, name))
			if len(es) < 500 {
				t.Fatalf("only %d entries", len(es))
			}
			var sticky []string
			for _, e := range es {
				if e.Type == image.EntryDir && e.Mode&fs.ModeSticky != 0 && e.Mode&0o002 != 0 {
					sticky = append(sticky, e.Path)
				}
			}
			if diff := cmp.Diff([]string{"tmp", "var/tmp"}, sticky); diff != "" {
				t.Errorf("sticky world-writable dirs in the data (-want +got):\n%s", diff)
			}
			if got := check(t, es); len(got) != 0 {
				t.Errorf("findings on the clean Alpine root: %v", brief(got))
			}
		})
	}
}

// TestDebian: debootstrap --variant=minbase roots (scripts/testdata-debian.sh)
// carry shadow's and util-linux's setuid programs, three setgid-shadow
// helpers and the apt lists debootstrap downloaded.
func TestDebian(t *testing.T) {
	t.Parallel()
	base := testenv.TestData(t, "debian")
	setuid := []string{"usr/bin/chfn", "usr/bin/chsh", "usr/bin/gpasswd", "usr/bin/mount", "usr/bin/newgrp", "usr/bin/passwd", "usr/bin/su", "usr/bin/umount"}
	setgid := []string{"usr/bin/chage", "usr/bin/expiry", "usr/sbin/unix_chkpwd"}
	for _, suite := range []string{"bookworm", "bullseye"} {
		t.Run(suite, func(t *testing.T) {
			t.Parallel()
			root := filepath.Join(base, suite)
			if _, err := os.Stat(root); err != nil {
				t.Skipf("%s not prepared: %v", root, err)
			}
			got := check(t, dirEntries(t, root))
			var want []string
			for _, p := range setuid {
				want = append(want, RuleSetuid+"@"+p+" medium")
			}
			for _, p := range setgid {
				want = append(want, RuleSetgid+"@"+p+" low")
			}
			want = append(want, RulePkgCache+"@var/lib/apt/lists low")
			if diff := cmp.Diff(want, brief(got)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			i := slices.IndexFunc(got, func(f finding.Finding) bool { return f.RuleID == RulePkgCache })
			if i >= 0 && !strings.HasPrefix(got[i].Message, "apt package lists left in the image: 4 files, ") {
				t.Errorf("apt lists message %q", got[i].Message)
			}
		})
	}
}
