package image

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// benchDirKeep is the keep list of the default catalogers and distribution
// detection at the time of writing (scan.KeepGlobs; image may not import
// inventory): what a scan of a root file system asks for.
var benchDirKeep = []string{
	"**/*.deps.json", "**/packages.lock.json", // dotnet
	"**/*.jar", "**/*.war", "**/*.ear", "**/*.jpi", "**/*.hpi", // java
	"**/package-lock.json", "**/npm-shrinkwrap.json", "**/yarn.lock", "**/pnpm-lock.yaml",
	"**/node_modules/*/package.json", "**/node_modules/@*/*/package.json", // npm
	"**/composer.lock", "**/vendor/composer/installed.json", // php
	"**/*.dist-info/METADATA", "**/*.egg-info/PKG-INFO", "**/*.egg-info", "**/poetry.lock", "**/uv.lock",
	"**/Pipfile.lock", "**/requirements*.txt", "**/requirements/*.txt", // python
	"**/specifications/*.gemspec", "**/specifications/default/*.gemspec", "**/Gemfile.lock", // ruby
	"**/Cargo.lock", // rust
	"var/lib/dpkg/status", "var/lib/dpkg/status.d/*", "var/lib/dpkg/info/*.list", "usr/share/doc/*/copyright",
	"lib/apk/db/installed", "usr/lib/apk/db/installed",
	"var/lib/rpm/Packages", "var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/Packages", "usr/lib/sysimage/rpm/rpmdb.sqlite",
	"etc/os-release", "usr/lib/os-release", "etc/alpine-release", "etc/debian_version", "etc/redhat-release",
}

// benchTree writes a root file system of 2,000 directories and 40,000
// files: text files of up to 16 KiB, 400 package.json under node_modules,
// 200 dist-info METADATA, a dpkg status, and 300 executables (copies of
// true(1), ELF without a marker) of which 10 are fake Mach-O files with
// the Go marker.
func benchTree(b *testing.B) string {
	b.Helper()
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true(1) to copy")
	}
	elfBody, err := os.ReadFile(truePath)
	if err != nil {
		b.Fatal(err)
	}
	root := b.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	write := func(p string, body []byte, mode os.FileMode) {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(full, body, mode); err != nil {
			b.Fatal(err)
		}
	}
	text := []byte(strings.Repeat("lorem ipsum dolor sit amet\n", 600))
	for i := range 40_000 {
		d := fmt.Sprintf("usr/lib/pkg%d/sub%d", rng.IntN(400), rng.IntN(5))
		switch {
		case i < 400:
			write(fmt.Sprintf("srv/app%d/node_modules/m%d/package.json", i%20, i), []byte(`{"name":"m","version":"1.0.0"}`), 0o644)
		case i < 600:
			write(fmt.Sprintf("usr/lib/python3/dist-packages/p%d.dist-info/METADATA", i), []byte("Name: p\nVersion: 1\n"), 0o644)
		case i < 610:
			write(fmt.Sprintf("%s/gobin%d", d, i), []byte("\xcf\xfa\xed\xfe"+strings.Repeat("x", 4096)+goBuildInfoMarker), 0o755)
		case i < 900:
			write(fmt.Sprintf("%s/exe%d", d, i), elfBody, 0o755)
		default:
			write(fmt.Sprintf("%s/file%d.txt", d, i), text[:rng.IntN(len(text))], 0o644)
		}
	}
	write("var/lib/dpkg/status", []byte("Package: a\n"), 0o644)
	write("usr/lib/os-release", []byte("ID=debian\n"), 0o644)
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.Symlink("../usr/lib/os-release", filepath.Join(root, "etc/os-release")); err != nil {
		b.Fatal(err)
	}
	return root
}

// BenchmarkWalkDir walks a directory source with the keep list of a scan,
// without and with the markers of the Go and Rust catalogers, and lists
// the view as the catalogers' walks do. VIGIL_BENCH_DIR names a real tree
// to walk instead (e.g. "/").
func BenchmarkWalkDir(b *testing.B) {
	root := os.Getenv("VIGIL_BENCH_DIR")
	if root == "" {
		root = benchTree(b)
	}
	for _, tc := range []struct {
		name    string
		markers [][]byte
	}{{"globs", nil}, {"globs+markers", [][]byte{[]byte(goBuildInfoMarker), []byte(cargoAuditMarker)}}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.CacheDir = b.TempDir()
			cfg.Markers = tc.markers
			b.ReportAllocs()
			files := 0
			for b.Loop() {
				v, err := Walk(b.Context(), &Image{Source: "dir", Dir: root}, benchDirKeep, cfg, Observer{})
				if err != nil {
					b.Fatal(err)
				}
				files = 0
				err = fs.WalkDir(v.FS(0), ".", func(p string, d fs.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						files++
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				_ = v.Close()
			}
			b.ReportMetric(float64(files), "kept")
		})
	}
}
