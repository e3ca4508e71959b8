package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostileCase is one attacker-made layer and what the walk must do with it.
type hostileCase struct {
	name  string
	layer func(t testing.TB) Layer
	cfg   func(*Config)
	// Refused: the reason (substring) and the path of the *LayerError.
	reason, path string
	// Contained: checks on the view.
	check func(t *testing.T, v *View, log string)
	// names that must not exist anywhere outside the cache directory
	planted []string
}

func tarLayer(t testing.TB, ents ...tent) Layer {
	var o opener
	b := mkTar(t, ents...)
	return o.layerOf(b, b)
}

func rawTar(t testing.TB, hdrs ...*tar.Header) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(make([]byte, h.Size)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readOr(fsys fs.FS, name string) string {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return "ERR"
	}
	return string(b)
}

func hostileCases() []hostileCase {
	return []hostileCase{
		{
			name:   "dotdot traversal",
			layer:  func(t testing.TB) Layer { return tarLayer(t, file("var/../../../pwned-dotdot", "x")) },
			reason: "path escapes the root", path: "var/../../../pwned-dotdot", planted: []string{"pwned-dotdot"},
		},
		{
			name: "absolute path",
			layer: func(t testing.TB) Layer {
				return tarLayer(t, file("/etc/os-release", "ID=abs\n"), file("/pwned-abs", "x"))
			},
			check: func(t *testing.T, v *View, log string) {
				if got := readOr(v.FS(0), "etc/os-release"); got != "ID=abs\n" {
					t.Errorf("os-release = %q", got)
				}
				if !strings.Contains(log, "absolute path") {
					t.Errorf("not logged: %s", log)
				}
			},
			planted: []string{"pwned-abs"},
		},
		{
			name: "symlink escape and write through it",
			layer: func(t testing.TB) Layer {
				return tarLayer(t,
					symlink("etc/os-release", "../../../../../../etc/hostname"),
					symlink("var/lib/dpkg", "/tmp/pwned-link"),
					file("var/lib/dpkg/status", "Package: evil\n"),
					symlink("usr/lib/os-release", "/etc/passwd"))
			},
			check: func(t *testing.T, v *View, log string) {
				for _, n := range []string{"etc/os-release", "var/lib/dpkg/status", "usr/lib/os-release"} {
					if got := readOr(v.FS(0), n); got != "ERR" {
						t.Errorf("%s = %q, want not found inside the root", n, got)
					}
				}
				for _, s := range []string{"pointing outside", "absolute symlink", "below a symlink"} {
					if !strings.Contains(log, s) {
						t.Errorf("%q not logged: %s", s, log)
					}
				}
			},
			planted: []string{"pwned-link", "status"},
		},
		{
			name:   "hardlink out of the tree",
			layer:  func(t testing.TB) Layer { return tarLayer(t, hardlink("etc/os-release", "../../etc/shadow")) },
			reason: "hardlink target outside the root", path: "etc/os-release",
		},
		{
			name: "hardlink to an unkept file",
			layer: func(t testing.TB) Layer {
				return tarLayer(t, file("etc/shadow", "root:x"), hardlink("etc/os-release", "etc/shadow"))
			},
			check: func(t *testing.T, v *View, log string) {
				if got := readOr(v.FS(0), "etc/os-release"); got != "ERR" {
					t.Errorf("os-release = %q", got)
				}
				if !strings.Contains(log, "hardlink to a file that was not kept") {
					t.Errorf("not logged: %s", log)
				}
			},
		},
		{
			name: "device nodes and fifos",
			layer: func(t testing.TB) Layer {
				b := rawTar(t,
					&tar.Header{Name: "etc/os-release", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 5, Mode: 0o666},
					&tar.Header{Name: "var/lib/dpkg/status", Typeflag: tar.TypeFifo, Mode: 0o666},
					&tar.Header{Name: "dev/sda", Typeflag: tar.TypeBlock, Devmajor: 8, Mode: 0o666})
				var o opener
				return o.layerOf(b, b)
			},
			check: func(t *testing.T, v *View, log string) {
				fi, err := fs.Stat(v.FS(0), "etc/os-release")
				if err != nil || fi.Mode().IsRegular() {
					t.Errorf("device stat = %v, %v", fi, err)
				}
				if got := readOr(v.FS(0), "var/lib/dpkg/status"); got != "ERR" {
					t.Errorf("fifo read = %q", got)
				}
			},
		},
		{
			name:   "gzip bomb",
			layer:  func(t testing.TB) Layer { return streamLayer(bombGzip(8 << 30)) },
			reason: "decompression bomb",
		},
		{
			name:   "zstd bomb",
			layer:  func(t testing.TB) Layer { return streamLayer(bombZstd(16 << 30)) },
			reason: "decompression bomb",
		},
		{
			name:   "zstd bomb under a lax ratio hits the size cap",
			layer:  func(t testing.TB) Layer { return streamLayer(bombZstdSized(200<<20, 1<<30)) },
			cfg:    func(c *Config) { c.MaxRatio = 1 << 40; c.MaxLayerBytes = 256 << 20 },
			reason: "layer too large when decompressed",
		},
		{
			name:  "two million tiny files",
			layer: func(t testing.TB) Layer { return streamLayer(func() io.Reader { return manyFiles(2_000_000) }) },
			check: func(t *testing.T, v *View, log string) {
				if _, err := fs.Stat(v.FS(0), "usr/share/misc/f0000001"); err == nil {
					t.Errorf("unkept file recorded")
				}
			},
		},
		{
			name:   "too many entries",
			layer:  func(t testing.TB) Layer { return streamLayer(func() io.Reader { return manyFiles(5000) }) },
			cfg:    func(c *Config) { c.MaxEntries = 1000 },
			reason: "too many tar entries", path: "usr/share/misc/f0001000",
		},
		{
			name: "malformed tar header",
			layer: func(t testing.TB) Layer {
				b := mkTar(t, file("etc/os-release", "ID=x\n"))
				b = b[:len(b)-1024]
				bad := bytes.Repeat([]byte("garbage!"), 64)
				b = append(append(b, bad...), make([]byte, 1024)...)
				var o opener
				return o.layerOf(b, b)
			},
			reason: "malformed tar", path: "etc/os-release",
		},
		{
			name: "truncated gzip",
			layer: func(t testing.TB) Layer {
				tb := mkTar(t, file("etc/os-release", strings.Repeat("ID=x\n", 5000)))
				g := gz(t, tb)
				g = g[:len(g)/2]
				var o opener
				return o.layerOf(g, tb)
			},
			reason: "truncated",
		},
		{
			name: "truncated zstd",
			layer: func(t testing.TB) Layer {
				tb := mkTar(t, file("etc/os-release", strings.Repeat("ID=x\n", 5000)))
				z := zst(t, tb)
				z = z[:len(z)-10]
				var o opener
				return o.layerOf(z, tb)
			},
			reason: "",
		},
		{
			name: "wrong digest",
			layer: func(t testing.TB) Layer {
				l := tarLayer(t, file("etc/os-release", "ID=x\n"))
				l.Digest = digestOf([]byte("something else"))
				return l
			},
			reason: "digest mismatch",
		},
		{
			name: "wrong diff ID without digest",
			layer: func(t testing.TB) Layer {
				tb := mkTar(t, file("etc/os-release", "ID=x\n"))
				var o opener
				l := o.layerOf(gz(t, tb), tb)
				l.Digest, l.DiffID = "", digestOf([]byte("other"))
				return l
			},
			reason: "diff ID mismatch",
		},
		{
			name: "very long PAX path",
			layer: func(t testing.TB) Layer {
				b := rawTar(t, &tar.Header{Name: strings.Repeat("a/", 50_000) + "os-release", Typeflag: tar.TypeReg, Format: tar.FormatPAX})
				var o opener
				return o.layerOf(b, b)
			},
			reason: "path too long",
		},
		{
			name: "huge PAX header",
			layer: func(t testing.TB) Layer {
				rec := "VIGIL.junk=" + strings.Repeat("x", 2<<20) + "\n"
				rec = strconv.Itoa(len(rec)+8) + " " + rec
				b := append(rawHeader("PaxHeaders/os-release", tar.TypeXHeader, int64(len(rec))), rec...)
				b = append(b, make([]byte, 512-len(rec)%512)...)
				b = append(b, rawTar(t, &tar.Header{Name: "etc/os-release", Typeflag: tar.TypeReg})...)
				var o opener
				return o.layerOf(b, b)
			},
			reason: "malformed tar",
		},
		{
			name: "absurd header size",
			layer: func(t testing.TB) Layer {
				b := mkTar(t, file("etc/x", "y"))
				var h bytes.Buffer
				tw := tar.NewWriter(&h)
				_ = tw.WriteHeader(&tar.Header{Name: "etc/os-release", Typeflag: tar.TypeReg, Size: 1 << 45, Format: tar.FormatGNU})
				_ = tw.Flush()
				b = append(b[:len(b)-1024], h.Bytes()...)
				var o opener
				return o.layerOf(b, b)
			},
			reason: "absurd entry size", path: "etc/os-release",
		},
		{
			name: "whiteout with traversal",
			layer: func(t testing.TB) Layer {
				return tarLayer(t, file("etc/os-release", "ID=x\n"), file("../../.wh.etc", ""), file("etc/../../.wh.os-release", ""))
			},
			check: func(t *testing.T, v *View, log string) {
				if got := readOr(v.FS(0), "etc/os-release"); got != "ID=x\n" {
					t.Errorf("os-release = %q", got)
				}
				if !strings.Contains(log, "whiteout outside the root") {
					t.Errorf("not logged: %s", log)
				}
			},
		},
		{
			name:   "oversize kept file",
			layer:  func(t testing.TB) Layer { return tarLayer(t, file("var/lib/dpkg/status", strings.Repeat("x", 4096))) },
			cfg:    func(c *Config) { c.MaxFileBytes = 1024 },
			reason: "kept file too large", path: "var/lib/dpkg/status",
		},
		{
			name:   "unsupported digest",
			layer:  func(t testing.TB) Layer { l := tarLayer(t); l.Digest = "md5:abc"; return l },
			reason: "cannot verify layer",
		},
		{
			name: "blob longer than its size",
			layer: func(t testing.TB) Layer {
				l := tarLayer(t, file("etc/os-release", "ID=x\n"))
				l.Size = 100
				return l
			},
			reason: "blob larger than its size",
		},
	}
}

// snapshot lists every file under root except those under skip, with sizes.
func snapshot(t *testing.T, root, skip string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == skip {
			return filepath.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[p] = fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHostileLayers(t *testing.T) {
	t.Parallel()
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if (testing.Short() || raceEnabled) && strings.Contains(tc.name, "million") {
				t.Skip("slow in -short or under the race detector")
			}
			top := t.TempDir()
			sentinel := filepath.Join(top, "sentinel")
			if err := os.MkdirAll(filepath.Join(sentinel, "etc"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(sentinel, "etc", "passwd"), []byte("sentinel"), 0o644); err != nil {
				t.Fatal(err)
			}
			cache := filepath.Join(top, "cache")
			cfg := DefaultConfig()
			cfg.CacheDir = cache
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			before := snapshot(t, top, cache)
			cwdBefore := snapshot(t, ".", "")

			var logs logBuf
			img := &Image{Name: tc.name, Source: "oci-layout", Layers: []Layer{tc.layer(t)}}
			start := time.Now()
			v, err := Walk(t.Context(), img, testKeep, cfg, Observer{Log: logs.logger()})
			t.Logf("walk took %v", time.Since(start))
			if tc.check != nil {
				if err != nil {
					t.Fatalf("want containment, got %v", err)
				}
				tc.check(t, v, logs.String())
				if err := v.Close(); err != nil {
					t.Fatal(err)
				}
			} else {
				var le *LayerError
				if !errors.As(err, &le) {
					t.Fatalf("err = %v, want *LayerError", err)
				}
				if !strings.Contains(le.Reason+": "+errString(le.Err), tc.reason) || (tc.path != "" && le.Path != tc.path) {
					t.Errorf("got %q (path %q), want reason %q path %q", err, le.Path, tc.reason, tc.path)
				}
				if le.Layer != img.Layers[0].Digest && img.Layers[0].Digest != "" && tc.reason != "cannot verify layer" {
					t.Errorf("error names layer %q, want %q", le.Layer, img.Layers[0].Digest)
				}
				if left, _ := os.ReadDir(filepath.Join(cache, "tmp")); len(left) != 0 {
					t.Errorf("temporary files left after refusal: %v", left)
				}
				if layers, _ := os.ReadDir(filepath.Join(cache, "layers")); len(layers) != 0 {
					t.Errorf("refused layer cached: %v", layers)
				}
			}
			after := snapshot(t, top, cache)
			if d := diffMaps(before, after); d != "" {
				t.Errorf("files outside the cache changed: %s", d)
			}
			if d := diffMaps(cwdBefore, snapshot(t, ".", "")); d != "" {
				t.Errorf("files in the working directory changed: %s", d)
			}
			for _, name := range tc.planted {
				for _, dir := range []string{top, "/tmp", "/"} {
					if _, err := os.Lstat(filepath.Join(dir, name)); err == nil && dir != "/tmp" {
						t.Errorf("%s exists in %s", name, dir)
					}
				}
			}
			if _, err := os.Lstat("/tmp/pwned-link"); err == nil {
				t.Errorf("/tmp/pwned-link exists")
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func diffMaps(a, b map[string]int64) string {
	var out []string
	for k, v := range b {
		if w, ok := a[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, "-"+k)
		}
	}
	return strings.Join(out, ", ")
}
