package image

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
)

// tree writes files (path -> content; "->target" makes a symlink, a
// trailing "/" a directory) under a new temporary directory.
func tree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for _, p := range slices.Sorted(mapKeys(files)) {
		body := files[p]
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasSuffix(p, "/"):
			err = os.MkdirAll(full, 0o755)
		case strings.HasPrefix(body, "->"):
			err = os.Symlink(body[2:], full)
		default:
			err = os.WriteFile(full, []byte(body), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func walkTree(t testing.TB, root string, keep []string, markers ...string) *View {
	t.Helper()
	cfg := testConfig(t)
	for _, m := range markers {
		cfg.Markers = append(cfg.Markers, []byte(m))
	}
	v, err := Walk(t.Context(), &Image{Source: "dir", Dir: root}, keep, cfg, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Close() })
	return v
}

func TestDirView(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "copyright"), []byte("host"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{
		"usr/lib/os-release":                 "ID=debian\n",
		"etc/os-release":                     "->../usr/lib/os-release",
		"etc/passwd":                         "root\n",
		"var/lib/dpkg/status":                "Package: a\n",
		"var/lib/dpkg/info/":                 "",
		"usr/share/doc/a/copyright":          "A",
		"usr/share/doc/a/changelog":          "not kept",
		"usr/share/doc/c":                    "->a",
		"usr/share/doc/d":                    "->/srv/docs",
		"usr/share/doc/h":                    "->" + outside,
		"srv/docs/copyright":                 "D",
		"app/node_modules/x/package.json":    `{"name":"x"}`,
		"app/node_modules/x/index.js":        "js",
		"app/node_modules/.bin/":             "",
		"opt/java/lib.jar":                   "->../../srv/lib-1.0.zip",
		"srv/lib-1.0.zip":                    "PK",
		"opt/java/app.jar":                   "PK app",
		"opt/java/dangling.jar":              "->nowhere.jar",
		"lib":                                "->usr/lib",
		"proc/1/node_modules/y/package.json": `{"name":"y"}`,
		"sys/x.jar":                          "PK",
		"data":                               "not kept",
	})
	keep := []string{"etc/os-release", "usr/lib/os-release", "var/lib/dpkg/status", "var/lib/dpkg/info/*.list",
		"usr/share/doc/*/copyright", "**/node_modules/*/package.json", "**/*.jar"}
	v := walkTree(t, root, keep)
	fsys := v.FS(0)
	if v.Touched(0) != nil || v.NumLayers() != 1 || v.LayerID(0) != "" {
		t.Errorf("dir view: touched %v layers %d id %q", v.Touched(0), v.NumLayers(), v.LayerID(0))
	}

	for _, tc := range []struct {
		name string
		want string // content, or the error: "notexist", "notkept", "other"
	}{
		{"etc/os-release", "ID=debian\n"},
		{"usr/lib/os-release", "ID=debian\n"},
		{"var/lib/dpkg/status", "Package: a\n"},
		{"usr/share/doc/a/copyright", "A"},
		{"usr/share/doc/c/copyright", "A"},        // through a recorded symlink
		{"usr/share/doc/d/copyright", "D"},        // kept name: its symlink resolved over the tree
		{"usr/share/doc/h/copyright", "notexist"}, // a link out of the root stays inside it
		{"app/node_modules/x/package.json", `{"name":"x"}`},
		{"opt/java/app.jar", "PK app"},
		{"opt/java/lib.jar", "PK"}, // kept name, target named by no pattern
		{"opt/java/dangling.jar", "notexist"},
		{"etc/passwd", "notexist"},                         // not kept
		{"usr/share/doc/a/changelog", "notexist"},          // not kept
		{"app/node_modules/x/index.js", "notexist"},        // not kept
		{"data", "notexist"},                               // not kept
		{"srv/lib-1.0.zip", "notexist"},                    // not kept, though a kept link leads there
		{"proc/1/node_modules/y/package.json", "notexist"}, // never entered
		{"sys/x.jar", "notexist"},
		{"lib/os-release", "notexist"},             // lib is named by no pattern
		{"usr/share/doc/d/x/copyright", "notkept"}, // named by no pattern, through a link out of every pattern
		{"../etc/os-release", "other"},
	} {
		b, err := fs.ReadFile(fsys, tc.name)
		got := string(b)
		switch {
		case err == nil:
		case errors.Is(err, fs.ErrNotExist):
			got = "notexist"
		case errors.Is(err, ErrNotKept):
			got = "notkept"
		default:
			got = "other"
		}
		if got != tc.want {
			t.Errorf("ReadFile(%s) = %q (%v), want %q", tc.name, got, err, tc.want)
		}
	}

	// A name no pattern matches, through a symlink to a path none covers,
	// is not kept, as in a layer view.
	if _, err := fs.ReadDir(fsys, "usr/share/doc/d"); !errors.Is(err, ErrNotKept) {
		t.Errorf("ReadDir through a link out of every pattern: %v, want ErrNotKept", err)
	}

	for _, tc := range []struct {
		dir  string
		want []string
	}{
		{".", []string{"app/", "etc/", "opt/", "usr/", "var/"}},
		{"usr/share/doc", []string{"a/", "c@", "d@", "h@"}},
		{"usr/share/doc/a", []string{"copyright"}},
		{"usr/share/doc/c", []string{"copyright"}},
		{"app/node_modules", []string{".bin/", "x/"}}, // .bin could hold a kept package.json
		{"opt/java", []string{"app.jar", "dangling.jar@", "lib.jar@"}},
		{"var/lib/dpkg", []string{"info/", "status"}},
		{"var/lib/dpkg/info", []string{}},
	} {
		des, err := fs.ReadDir(fsys, tc.dir)
		if err != nil {
			t.Errorf("ReadDir(%s): %v", tc.dir, err)
			continue
		}
		got := []string{}
		for _, de := range des {
			n := de.Name()
			switch {
			case de.IsDir():
				n += "/"
			case de.Type()&fs.ModeSymlink != 0:
				n += "@"
			}
			got = append(got, n)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ReadDir(%s) (-want +got):\n%s", tc.dir, diff)
		}
	}

	if got, err := fs.ReadLink(fsys, "etc/os-release"); err != nil || got != "../usr/lib/os-release" {
		t.Errorf("ReadLink(etc/os-release) = %q, %v", got, err)
	}
	if fi, err := fs.Lstat(fsys, "opt/java/lib.jar"); err != nil || fi.Mode()&fs.ModeSymlink == 0 || fi.Name() != "lib.jar" {
		t.Errorf("Lstat(opt/java/lib.jar) = %v, %v", fi, err)
	}
	if fi, err := fs.Stat(fsys, "opt/java/lib.jar"); err != nil || !fi.Mode().IsRegular() || fi.Size() != 2 || fi.Name() != "lib.jar" {
		t.Errorf("Stat(opt/java/lib.jar) = %v, %v", fi, err)
	}
	if m, err := fs.Glob(fsys, "usr/share/doc/*/copyright"); err != nil ||
		!slices.Equal(m, []string{"usr/share/doc/a/copyright", "usr/share/doc/c/copyright"}) {
		t.Errorf("Glob copyright = %v, %v", m, err)
	}

	// The file system contract, on a tree whose links all lead somewhere.
	clean := tree(t, map[string]string{
		"usr/lib/os-release":              "ID=debian\n",
		"etc/os-release":                  "->../usr/lib/os-release",
		"etc/passwd":                      "root\n",
		"var/lib/dpkg/status":             "Package: a\n",
		"usr/share/doc/a/copyright":       "A",
		"usr/share/doc/a/changelog":       "not kept",
		"usr/share/doc/c":                 "->a",
		"app/node_modules/x/package.json": `{"name":"x"}`,
		"app/node_modules/x/index.js":     "js",
		"opt/java/lib.jar":                "->../../srv/lib-1.0.zip",
		"srv/lib-1.0.zip":                 "PK",
		"opt/java/app.jar":                "PK app",
	})
	if err := fstest.TestFS(walkTree(t, clean, keep).FS(0), "etc/os-release", "usr/lib/os-release", "var/lib/dpkg/status",
		"usr/share/doc/a/copyright", "app/node_modules/x/package.json",
		"opt/java/app.jar", "opt/java/lib.jar"); err != nil {
		t.Error(err)
	}
}

// TestDirViewNoPatterns: with nothing to keep the view is empty and no
// directory below the root is entered.
func TestDirViewNoPatterns(t *testing.T) {
	t.Parallel()
	root := tree(t, map[string]string{"etc/os-release": "ID=x\n", "a/b/c": "x"})
	v := walkTree(t, root, nil)
	des, err := fs.ReadDir(v.FS(0), ".")
	if err != nil || len(des) != 0 {
		t.Errorf("ReadDir(.) = %v, %v; want nothing", des, err)
	}
	if _, err := fs.Stat(v.FS(0), "etc/os-release"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of an unkept file: %v", err)
	}
}

// TestDirViewSkipsCacheDir: the walk's own cache directory is never
// entered, even when it lies in the tree (a scan of "/").
func TestDirViewSkipsCacheDir(t *testing.T) {
	t.Parallel()
	root := tree(t, map[string]string{"cache/layers/x/package-lock.json": "{}", "app/package-lock.json": "{}"})
	cfg := testConfig(t)
	cfg.CacheDir = filepath.Join(root, "cache")
	v, err := Walk(t.Context(), &Image{Source: "dir", Dir: root}, []string{"**/package-lock.json"}, cfg, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	got := findAll(t, v.FS(0))
	if diff := cmp.Diff([]string{"app/package-lock.json"}, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// findAll lists the files of fsys as a cataloger's walk sees them.
func findAll(t testing.TB, fsys fs.FS) []string {
	t.Helper()
	var out []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDirViewLimits: MaxEntries and MaxKeptEntries bound a directory walk.
func TestDirViewLimits(t *testing.T) {
	t.Parallel()
	root := tree(t, map[string]string{"a/1.jar": "", "a/2.jar": "", "a/3.jar": "", "b/x": ""})
	for _, tc := range []struct {
		name string
		set  func(*Config)
		want string
	}{
		{"entries", func(c *Config) { c.MaxEntries = 4 }, "too many entries"},
		{"kept", func(c *Config) { c.MaxKeptEntries = 3 }, "too many kept entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t)
			tc.set(&cfg)
			_, err := Walk(t.Context(), &Image{Source: "dir", Dir: root}, []string{"**/*.jar"}, cfg, Observer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestDirViewCancel: a cancelled context stops the walk.
func TestDirViewCancel(t *testing.T) {
	t.Parallel()
	root := tree(t, map[string]string{"a/x.jar": ""})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Walk(ctx, &Image{Source: "dir", Dir: root}, []string{"**/*.jar"}, testConfig(t), Observer{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// executables builds the executables of TestDirViewMarkers in a new root:
// a Go binary, a copy of true(1) (ELF, not Go), Mach-O-looking files with
// and without the Go marker (searched by bytes), a script holding the
// marker, and, where objcopy exists, true with a .dep-v0 section
// (cargo-auditable) and true with the Go marker in a section of another
// name. It returns the root and the paths a walk must keep.
func executables(t *testing.T) (root string, want []string) {
	t.Helper()
	goTool := testenv.Tool(t, "go")
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1) to copy")
	}
	root = t.TempDir()
	src := t.TempDir()
	write := func(dir, p, body string, mode os.FileMode) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(src, "go.mod", "module example.com/hello\n\ngo 1.21\n", 0o644)
	write(src, "main.go", "package main\n\nfunc main() {}\n", 0o644)
	bin := filepath.Join(root, "usr/local/bin/hello")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	want = append(want, "usr/local/bin/hello")
	trueBody, err := os.ReadFile(truePath)
	if err != nil {
		t.Fatal(err)
	}
	write(root, "usr/bin/true", string(trueBody), 0o755)
	hello, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	// A Go binary without its execute bit is not an executable.
	write(root, "usr/share/hello.copy", string(hello), 0o644)
	// Mach-O magic with the Go marker inside: searched by bytes.
	write(root, "opt/macho", "\xcf\xfa\xed\xfe"+strings.Repeat("x", 200)+goBuildInfoMarker+"tail", 0o755)
	want = append(want, "opt/macho")
	// Mach-O magic without a marker.
	write(root, "opt/macho-plain", "\xcf\xfa\xed\xfe"+strings.Repeat("x", 300), 0o755)
	// A script holding the marker: no executable magic.
	write(root, "opt/script", "#!/bin/sh\n"+strings.Repeat("#", 200)+goBuildInfoMarker+"\n", 0o755)

	if objcopy, err := exec.LookPath("objcopy"); err == nil {
		payload := filepath.Join(src, "payload")
		write(src, "payload", "compressed dependency list", 0o644)
		marker := filepath.Join(src, "marker")
		write(src, "marker", "x"+goBuildInfoMarker+"x", 0o644)
		for _, c := range []struct{ out, section, file string }{
			{"usr/bin/auditable", ".dep-v0", payload}, // cargo-auditable
			{"usr/bin/notgo", ".note.text", marker},   // the Go marker, but no .go.buildinfo
		} {
			out := filepath.Join(root, filepath.FromSlash(c.out))
			cmd := exec.CommandContext(t.Context(), objcopy, "--add-section", c.section+"="+c.file, truePath, out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("objcopy: %v\n%s", err, b)
			}
		}
		want = append(want, "usr/bin/auditable")
	} else {
		t.Log("no objcopy: the cargo-auditable case is not run")
	}
	slices.Sort(want)
	return root, want
}

func TestDirViewMarkers(t *testing.T) {
	t.Parallel()
	root, want := executables(t)
	v := walkTree(t, root, nil, goBuildInfoMarker, cargoAuditMarker)
	got := findAll(t, v.FS(0))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kept executables (-want +got):\n%s", diff)
	}
	// Kept executables read as they are in the directory.
	for _, p := range got {
		b, err := fs.ReadFile(v.FS(0), p)
		if err != nil {
			t.Fatal(err)
		}
		disk, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != string(disk) {
			t.Errorf("%s: content differs from the file", p)
		}
	}
	if _, err := fs.Stat(v.FS(0), "usr/bin/true"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a non-Go ELF is visible: %v", err)
	}
}

// TestDirViewELFShortcut: deciding an ELF file by its section table keeps
// the same executables as searching its bytes, except an ELF whose bytes
// hold the Go marker outside a .go.buildinfo section, which no Go reader
// takes for a Go binary's build information.
func TestDirViewELFShortcut(t *testing.T) {
	t.Parallel()
	// VIGIL_DIRWALK_COMPARE names a real tree to compare on instead (e.g.
	// "/"; files that change between the two walks show as differences).
	root := os.Getenv("VIGIL_DIRWALK_COMPARE")
	if root == "" {
		root, _ = executables(t)
	}
	markers := [][]byte{[]byte(goBuildInfoMarker), []byte(cargoAuditMarker)}
	kept := func(bytesOnly bool) []string {
		r, err := os.OpenRoot(root)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		cfg := testConfig(t)
		cfg.Markers = normMarkers(markers)
		w := &dirWalk{ctx: t.Context(), cfg: &cfg, log: slog.New(slog.DiscardHandler), m: newMatcher(nil), data: newLayerData(), all: true,
			content: newContentCheck(cfg.Markers), warned: map[string]int{}, firstBad: map[string]string{}}
		w.content.bytesOnly = bytesOnly
		if _, err := w.dir(r, ".", nil, 0); err != nil {
			t.Fatal(err)
		}
		var out []string
		for p, e := range w.data.entries {
			if e.Content {
				out = append(out, p)
			}
		}
		slices.Sort(out)
		return out
	}
	sections, allBytes := kept(false), kept(true)
	want := slices.DeleteFunc(slices.Clone(allBytes), func(p string) bool { return p == "usr/bin/notgo" })
	if diff := cmp.Diff(want, sections); diff != "" {
		t.Errorf("kept by sections (-by bytes +by sections):\n%s", diff)
	}
	t.Logf("%s: %d executables kept by sections, %d by bytes", root, len(sections), len(allBytes))
}

// FuzzContentCheck: any file content is decided without panicking, and a
// file that is not an ELF is decided by its bytes alone.
func FuzzContentCheck(f *testing.F) {
	elfHead := "\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 9) + "\x02\x00\x3e\x00\x01\x00\x00\x00"
	for _, s := range []string{
		"\xcf\xfa\xed\xfe" + strings.Repeat("x", 130) + goBuildInfoMarker,
		"MZ" + cargoAuditMarker,
		elfHead + strings.Repeat("\x00", 100) + goBuildInfoMarker,
		elfHead + strings.Repeat("\xff", 100),
		"#!/bin/sh\n" + goBuildInfoMarker,
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		decide := func(bytesOnly bool) bool {
			file, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			c := newContentCheck(normMarkers([][]byte{[]byte(goBuildInfoMarker), []byte(cargoAuditMarker)}))
			c.bytesOnly = bytesOnly
			got, err := c.holds(file)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		bySections, byBytes := decide(false), decide(true)
		if !strings.HasPrefix(string(data), "\x7fELF") && bySections != byBytes {
			t.Errorf("not an ELF: %v with the shortcut, %v by bytes", bySections, byBytes)
		}
		if byBytes != (execMagic(data) && (strings.Contains(string(data), goBuildInfoMarker) || strings.Contains(string(data), cargoAuditMarker))) {
			t.Errorf("byte search = %v", byBytes)
		}
	})
}
