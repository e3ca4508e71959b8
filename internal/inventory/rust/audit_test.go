package rust

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testenv"
)

var auditPackages = [][3]string{
	{"app", "0.1.0", "local"},
	{"serde", "1.0.136", "crates.io"},
	{"my-fork", "0.3.0", "git"},
	{"internal", "2.0.0", "registry"},
	{"std", "0.0.0", "builtin"},
}

func wantAudit(p string) []inventory.Package {
	return []inventory.Package{
		cargo("app", "0.1.0", p), cargo("internal", "2.0.0", p), cargo("my-fork", "0.3.0", p), cargo("serde", "1.0.136", p),
	}
}

// machoWithSection is a minimal 64-bit little-endian Mach-O with one
// LC_SEGMENT_64 command for segment seg holding one section name with data.
func machoWithSection(seg, name string, data []byte) []byte {
	const hdr, segCmd, sect = 32, 72, 80
	dataOff := hdr + segCmd + sect
	b := make([]byte, dataOff+len(data))
	le := binary.LittleEndian
	le.PutUint32(b[0:], 0xfeedfacf)
	le.PutUint32(b[4:], 0x01000007) // CPU_TYPE_X86_64
	le.PutUint32(b[8:], 3)
	le.PutUint32(b[12:], 2) // MH_EXECUTE
	le.PutUint32(b[16:], 1) // commands
	le.PutUint32(b[20:], segCmd+sect)
	c := b[hdr:]
	le.PutUint32(c[0:], 0x19) // LC_SEGMENT_64
	le.PutUint32(c[4:], segCmd+sect)
	copy(c[8:24], seg)
	le.PutUint64(c[24:], 0x1000)
	le.PutUint64(c[32:], uint64(len(data)))
	le.PutUint64(c[40:], uint64(dataOff))
	le.PutUint64(c[48:], uint64(len(data)))
	le.PutUint32(c[64:], 1) // sections
	s := c[segCmd:]
	copy(s[0:16], name)
	copy(s[16:32], seg)
	le.PutUint64(s[32:], 0x1000)
	le.PutUint64(s[40:], uint64(len(data)))
	le.PutUint32(s[48:], uint32(dataOff))
	copy(b[dataOff:], data)
	return b
}

func TestAudit(t *testing.T) {
	t.Parallel()
	const p = "usr/bin/app"
	z := zlibBytes(auditJSON(auditPackages...))
	bomb := zlibBytes(append(append([]byte(`{"packages":[`), bytes.Repeat([]byte(" "), 16<<20)...), "]}"...))
	tests := []struct {
		name string
		data []byte
		mode fs.FileMode
		want []inventory.Package
		warn string
	}{
		{"ELF", auditELF(auditPackages...), 0o755, wantAudit(p), ""},
		{"Mach-O", machoWithSection("__DATA", Marker, z), 0o755, wantAudit(p), ""},
		{"Mach-O section in another segment", machoWithSection("__TEXT", Marker, z), 0o755, nil, ""},
		{"no execute bit", auditELF(auditPackages...), 0o644, nil, ""},
		{"ELF without the section", elfWithSection(".data", z), 0o755, nil, ""},
		{"not an executable", []byte("#!/bin/sh\n.dep-v0\n"), 0o755, nil, ""},
		{"duplicates once", auditELF(append(auditPackages, auditPackages[1])...), 0o755, wantAudit(p), ""},
		{"not zlib", elfWithSection(Marker, []byte(`{"packages":[]}`)), 0o755, nil, "decompress audit data"},
		{"truncated zlib", elfWithSection(Marker, z[:len(z)/2]), 0o755, nil, "decompress audit data"},
		{"zlib bomb", elfWithSection(Marker, bomb), 0o755, nil, "decompresses to more than the limit of 8388608"},
		{"not JSON", elfWithSection(Marker, zlibBytes([]byte("\x00\x01"))), 0o755, nil, "decode audit data"},
		{"packages not an array", elfWithSection(Marker, zlibBytes([]byte(`{"packages":5}`))), 0o755, nil, "decode audit data"},
		{"deeply nested JSON", elfWithSection(Marker, zlibBytes(bytes.Repeat([]byte("["), 1<<20))), 0o755, nil, "decode audit data"},
		{"entry of wrong type", elfWithSection(Marker, zlibBytes([]byte(`{"packages":[{"name":5},{"name":"a","version":"1.0.0","source":"crates.io"}]}`))), 0o755,
			[]inventory.Package{cargo("a", "1.0.0", p)}, "package 1: json"},
		{"unknown source", elfWithSection(Marker, zlibBytes(auditJSON([3]string{"a", "1.0.0", "crates.io"}, [3]string{"b", "1.0.0", "svn"}))), 0o755,
			[]inventory.Package{cargo("a", "1.0.0", p)}, `unknown source "svn"`},
		{"bad version", elfWithSection(Marker, zlibBytes(auditJSON([3]string{"a", "1.0.0", "crates.io"}, [3]string{"b", "1 0", "crates.io"}))), 0o755,
			[]inventory.Package{cargo("a", "1.0.0", p)}, "package 2: bad name"},
		{"too many packages", auditELF(bytes3(12)...), 0o755, nil, "12 packages, more than the limit of 10"},
		{"section over the cap", elfWithSection(Marker, append(z, make([]byte, 1<<20)...)), 0o755, nil, "more than the limit of 65536"},
		{"truncated ELF", auditELF(auditPackages...)[:40], 0o755, nil, "read ELF"},
		{"ELF section past EOF", sectionPastEOF(), 0o755, nil, "section .dep-v0"},
		{"over the file size cap", append(auditELF(auditPackages...), make([]byte, 4<<20)...), 0o755, nil, "more than the limit of 2097152"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig()
			cfg.MaxPackages = 10
			cfg.MaxAuditCompressed = 64 << 10
			cfg.MaxFileSize = 2 << 20
			good := auditELF([3]string{"good", "1.0.0", "crates.io"})
			for view, fsys := range map[string]fs.FS{
				"map":       fstest.MapFS{p: {Data: tc.data, Mode: tc.mode}, "z/good": exe(good)},
				"no ReadAt": noReaderAt{fstest.MapFS{p: {Data: tc.data, Mode: tc.mode}, "z/good": exe(good)}},
			} {
				c, rec := newRecorded(t, cfg)
				got, err := c.Catalog(t.Context(), fsys)
				if err != nil {
					t.Fatalf("%s: %v", view, err)
				}
				want := append(append([]inventory.Package(nil), tc.want...), cargo("good", "1.0.0", "z/good"))
				inventory.SortPackages(want)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: packages (-want +got):\n%s", view, diff)
				}
				w := rec.Lines(slog.LevelWarn)
				switch {
				case tc.warn == "" && len(w) != 0:
					t.Errorf("%s: unexpected warnings %q", view, w)
				case tc.warn != "" && (len(w) != 1 || !strings.Contains(w[0], tc.warn) || !strings.Contains(w[0], "path="+p)):
					t.Errorf("%s: warnings %q, want one naming %s with %q", view, w, p, tc.warn)
				}
			}
		})
	}
}

// bytes3 is n crates.io packages.
func bytes3(n int) [][3]string {
	var out [][3]string
	for i := range n {
		out = append(out, [3]string{"c" + strings.Repeat("x", i), "1.0.0", "crates.io"})
	}
	return out
}

// sectionPastEOF is an ELF whose .dep-v0 header points past the file.
func sectionPastEOF() []byte {
	b := auditELF(auditPackages...)
	shOff := binary.LittleEndian.Uint64(b[40:])
	binary.LittleEndian.PutUint64(b[shOff+64+24:], 1<<30)
	return b
}

// TestObjcopy adds a .dep-v0 section to a real executable with binutils'
// objcopy, as a build with cargo-auditable leaves it, in ELF and in PE form.
func TestObjcopy(t *testing.T) {
	t.Parallel()
	objcopy := testenv.Tool(t, "objcopy")
	goTool := testenv.Tool(t, "go")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "audit.z"), zlibBytes(auditJSON(auditPackages...)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/empty\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "root")
	for _, target := range []struct{ goos, out string }{{"linux", "usr/bin/app"}, {"windows", "app.exe"}} {
		out := filepath.Join(root, filepath.FromSlash(target.out))
		build := exec.CommandContext(t.Context(), goTool, "build", "-o", filepath.Join(dir, target.goos), ".")
		build.Dir = dir
		build.Env = append(os.Environ(), "GOOS="+target.goos, "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
		if b, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", target.goos, err, b)
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			t.Fatal(err)
		}
		cp := exec.CommandContext(t.Context(), objcopy, "--add-section", ".dep-v0="+filepath.Join(dir, "audit.z"), filepath.Join(dir, target.goos), out)
		if b, err := cp.CombinedOutput(); err != nil {
			t.Fatalf("objcopy %s: %v\n%s", target.goos, err, b)
		}
		if err := os.Chmod(out, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	c, rec := newRecorded(t, DefaultConfig())
	got, err := c.Catalog(t.Context(), os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	want := append(wantAudit("usr/bin/app"), wantAudit("app.exe")...)
	inventory.SortPackages(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if w := rec.Lines(slog.LevelWarn); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
}
