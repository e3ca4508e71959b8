package dpkg

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/filelist"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// filesOf maps "name:arch" to Files.
func filesOf(pkgs []inventory.Package) map[string][]string {
	m := map[string][]string{}
	for _, p := range pkgs {
		m[p.Name+":"+p.Arch] = p.Files
	}
	return m
}

func TestFilesFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir  string
		want map[string][]string
	}{
		{"multiarch", map[string][]string{
			// Arch-qualified lists are tested in TestFilesHostile (a ':' in a
			// file name is not allowed in a Go module).
			"libc6:amd64": nil, "libc6:i386": nil,
			"bash:amd64": {"bin", "bin/bash", "etc", "etc/bash.bashrc", "usr", "usr/share", "usr/share/doc",
				"usr/share/doc/bash", "usr/share/doc/bash/copyright"},
			"zlib1g:amd64": {"usr", "usr/lib", "usr/lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
				"usr/lib/x86_64-linux-gnu/libz.so.1"},
			// No list: Files nil.
			"bsdutils:amd64": nil, "halfway:amd64": nil, "hold-me:arm64": nil, "trig:amd64": nil,
			"unpackedpkg:amd64": nil, "zeroepoch:amd64": nil,
		}},
		{"distroless", map[string][]string{
			// status.d/libc6.md5sums; its non-md5sums lines are dropped.
			"libc6:amd64":      {"lib/x86_64-linux-gnu/libc.so.6"},
			"base-files:amd64": nil, "libssl3:amd64": nil, "openssl:amd64": nil, "tzdata:all": nil,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			pkgs, err := New(nil).Catalog(context.Background(), os.DirFS(filepath.Join("testdata", tt.dir)))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, filesOf(pkgs)); diff != "" {
				t.Errorf("Files (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFilesHostile(t *testing.T) {
	t.Parallel()
	status := func(names ...string) []byte {
		var b bytes.Buffer
		for _, n := range names {
			fmt.Fprintf(&b, "Package: %s\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\n", n)
		}
		return b.Bytes()
	}
	list := func(lines ...string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(strings.Join(lines, "\n") + "\n")}
	}
	info := infoDir + "/"
	tests := []struct {
		name    string
		cfg     func(*Config)
		files   fstest.MapFS
		want    map[string][]string
		wantLog []string // substrings of the log, in any order
		// noDefault: files has its own status file and want all packages.
		noDefault bool
	}{
		{
			name: "egg-info and jar owned",
			files: fstest.MapFS{
				info + "python3-urllib3.list": list("/.", "/usr", "/usr/lib/python3/dist-packages/urllib3-1.26.5.egg-info",
					"/usr/lib/python3/dist-packages/urllib3-1.26.5.egg-info/PKG-INFO"),
				info + "libjackson2-databind-java.list": list("/usr/share/java/jackson-databind.jar",
					"/usr/share/java/jackson-databind-2.12.1.jar"),
			},
			want: map[string][]string{
				"python3-urllib3:amd64": {"usr", "usr/lib/python3/dist-packages/urllib3-1.26.5.egg-info",
					"usr/lib/python3/dist-packages/urllib3-1.26.5.egg-info/PKG-INFO"},
				"libjackson2-databind-java:amd64": {"usr/share/java/jackson-databind.jar", "usr/share/java/jackson-databind-2.12.1.jar"},
			},
		},
		{
			name: "hostile lines dropped, the rest kept",
			files: fstest.MapFS{
				info + "python3-urllib3.list": list("/usr/ok", "relative/path", "/../etc/shadow", "/usr/../../etc/passwd",
					"/usr/./x", "//usr/x", "/usr/x/", "/usr/x\x00y", "", "/"+strings.Repeat("a", filelist.MaxPath+1), "/usr/ok2\r", "\x00\xff\xfe"),
			},
			want:    map[string][]string{"python3-urllib3:amd64": {"usr/ok", "usr/ok2"}},
			wantLog: []string{"dropped invalid lines", "count=10", "first=relative/path", "reason=not an absolute path"},
		},
		{
			name: "binary list",
			files: fstest.MapFS{
				info + "python3-urllib3.list": {Data: []byte("\x7fELF\x02\x01\x01\x00\x00\x00/x\x00\n\x00\x00")},
			},
			want:    map[string][]string{"python3-urllib3:amd64": nil},
			wantLog: []string{"dropped invalid lines", "count=2"},
		},
		{
			name:    "list over MaxListSize",
			cfg:     func(c *Config) { c.MaxListSize = 64 },
			files:   fstest.MapFS{info + "python3-urllib3.list": list("/usr/" + strings.Repeat("x", 100))},
			want:    map[string][]string{"python3-urllib3:amd64": nil},
			wantLog: []string{"file list not read", "file too large", "package=python3-urllib3"},
		},
		{
			name:    "list over MaxListLines",
			cfg:     func(c *Config) { c.MaxListLines = 2 },
			files:   fstest.MapFS{info + "python3-urllib3.list": list("/a", "/b", "/c")},
			want:    map[string][]string{"python3-urllib3:amd64": {"a", "b"}},
			wantLog: []string{"over the line cap", "maxLines=2"},
		},
		{
			name: "over MaxFiles: later packages incomplete",
			cfg:  func(c *Config) { c.MaxFiles = 3 },
			files: fstest.MapFS{
				info + "libjackson2-databind-java.list": list("/a", "/b"),
				info + "python3-urllib3.list":           list("/c", "/d"),
			},
			want: map[string][]string{
				"libjackson2-databind-java:amd64": {"a", "b"},
				"python3-urllib3:amd64":           {"c"},
			},
			wantLog: []string{"Files of this package and the ones after it", "package=python3-urllib3", "maxFiles=3"},
		},
		{
			name:    "over MaxFilesBytes",
			cfg:     func(c *Config) { c.MaxFilesBytes = 3 },
			files:   fstest.MapFS{info + "python3-urllib3.list": list("/ab", "/cd")},
			want:    map[string][]string{"python3-urllib3:amd64": {"ab"}, "libjackson2-databind-java:amd64": nil},
			wantLog: []string{"Files of this package and the ones after it", "maxFilesBytes=3"},
		},
		{
			name:  "MaxFiles 0 turns Files off",
			cfg:   func(c *Config) { c.MaxFiles = 0 },
			files: fstest.MapFS{info + "python3-urllib3.list": list("/ab")},
			want:  map[string][]string{"python3-urllib3:amd64": nil, "libjackson2-databind-java:amd64": nil},
		},
		{
			name: "list is a directory",
			files: fstest.MapFS{
				info + "python3-urllib3.list/x": list("/ab"),
			},
			want: map[string][]string{"python3-urllib3:amd64": nil, "libjackson2-databind-java:amd64": nil},
		},
		{
			name: "Multi-Arch: same, two architectures",
			files: fstest.MapFS{
				statusFile: {Data: []byte("Package: libc6\nStatus: install ok installed\nVersion: 2.36\nArchitecture: amd64\nMulti-Arch: same\n\n" +
					"Package: libc6\nStatus: install ok installed\nVersion: 2.36\nArchitecture: i386\nMulti-Arch: same\n")},
				info + "libc6:amd64.list": list("/.", "/lib", "/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu/libc.so.6"),
				info + "libc6:i386.list":  list("/.", "/lib", "/lib/i386-linux-gnu", "/lib/i386-linux-gnu/libc.so.6"),
			},
			want: map[string][]string{
				"libc6:amd64": {"lib", "lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu/libc.so.6"},
				"libc6:i386":  {"lib", "lib/i386-linux-gnu", "lib/i386-linux-gnu/libc.so.6"},
			},
			noDefault: true,
		},
		{
			name: "arch-qualified list preferred",
			files: fstest.MapFS{
				info + "python3-urllib3:amd64.list": list("/new"),
				info + "python3-urllib3.list":       list("/old"),
			},
			want: map[string][]string{"python3-urllib3:amd64": {"new"}, "libjackson2-databind-java:amd64": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			rec := &testenv.LogRecorder{}
			c, err := NewWithConfig(cfg, slog.New(rec))
			if err != nil {
				t.Fatal(err)
			}
			fsys := fstest.MapFS{statusFile: {Data: status("python3-urllib3", "libjackson2-databind-java")}}
			for k, v := range tt.files {
				fsys[k] = v
			}
			pkgs, err := c.Catalog(context.Background(), fsys)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]string{"python3-urllib3:amd64": nil, "libjackson2-databind-java:amd64": nil}
			if tt.noDefault {
				want = map[string][]string{}
			}
			for k, v := range tt.want {
				want[k] = v
			}
			if diff := cmp.Diff(want, filesOf(pkgs)); diff != "" {
				t.Errorf("Files (-want +got):\n%s", diff)
			}
			log := rec.String()
			for _, w := range tt.wantLog {
				if !strings.Contains(log, w) {
					t.Errorf("log lacks %q:\n%s", w, log)
				}
			}
			if len(tt.wantLog) == 0 && log != "" {
				t.Errorf("unexpected log:\n%s", log)
			}
		})
	}
}

func TestParseMD5Sums(t *testing.T) {
	t.Parallel()
	const h = "0123456789abcdef0123456789ABCDEF"
	in := h + "  usr/lib/libz.so.1\n" + h + " */usr/bin/x\n" + h + "  ../etc/passwd\n" + h + " usr/one-space\n" +
		"xyz  usr/short\n" + h + "  \n" + "Package: fake\n"
	l := filelist.New(100, 1000)
	r := New(nil).parseList([]byte(in), formatMD5, l)
	if diff := cmp.Diff([]string{"usr/lib/libz.so.1", "usr/bin/x"}, l.Files()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if r.kept != 2 || r.dropped != 5 {
		t.Errorf("kept %d dropped %d", r.kept, r.dropped)
	}
}
