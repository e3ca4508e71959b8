package java

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// rawEntry writes an entry whose header says what the test wants, whatever
// the data: a zip bomb lies about its size.
func rawEntry(t testing.TB, zw *zip.Writer, name string, declared uint64, data []byte) {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate,
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
}

func bombJar(t testing.TB, name string, declared uint64, real int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("META-INF/maven/g/ok/pom.properties")
	io.WriteString(w, "groupId=g\nartifactId=ok\nversion=1\n")
	rawEntry(t, zw, name, declared, make([]byte, real))
	zw.Close()
	return buf.Bytes()
}

// chain nests a jar n levels deep, each level with its own pom.properties.
func chain(t testing.TB, n int) []byte {
	b := zipOf(t, pom("g", fmt.Sprintf("level%d", n), "1"))
	for i := n - 1; i >= 0; i-- {
		b = zipOf(t, pom("g", fmt.Sprintf("level%d", i), "1"), nestedJar(fmt.Sprintf("lib/level%d.jar", i+1), b))
	}
	return b
}

// fanOut nests `width` stored copies per level, `depth` levels: width^depth archives.
func fanOut(t testing.TB, width, depth int) []byte {
	b := zipOf(t, pom("g", "leaf", "1"))
	for d := 0; d < depth; d++ {
		var es []entry
		for i := range width {
			es = append(es, storedJar(fmt.Sprintf("lib/%c%c.jar", 'a'+d, 'a'+i), b))
		}
		b = zipOf(t, es...)
	}
	return b
}

func TestHostile(t *testing.T) {
	t.Parallel()
	good := zipOf(t, pom("g", "good", "1"))
	valid := zipOf(t, pom("g", "a", "1"), class("a/A.class"))
	corruptCD := bytes.Clone(valid)
	if i := bytes.LastIndex(corruptCD, []byte("PK\x01\x02")); i >= 0 {
		copy(corruptCD[i:], "XXXX")
	}
	small := DefaultConfig()
	small.MaxNestedSize = 1 << 20
	small.MaxMetaSize = 4 << 10
	tests := []struct {
		name  string
		cfg   *Config
		jar   []byte
		want  []pkg
		warns []string
	}{
		{name: "empty file", jar: []byte{}, warns: []string{"empty file"}},
		{name: "not a zip", jar: []byte("#!/bin/sh\necho hi\n"), warns: []string{"not a valid zip file"}},
		{name: "truncated", jar: valid[:len(valid)/2], warns: []string{"not a valid zip file"}},
		{name: "corrupt central directory", jar: corruptCD, warns: []string{"zip"}},
		{name: "NUL bytes", jar: bytes.Repeat([]byte{0}, 4096), warns: []string{"not a valid zip file"}},
		{
			name: "nested zip bomb declared too big", cfg: &small,
			jar:   bombJar(t, "WEB-INF/lib/bomb.jar", 1<<40, 1<<10),
			want:  []pkg{{"g:ok", "1", "x.jar", ""}},
			warns: []string{"x.jar!/WEB-INF/lib/bomb.jar", "declares 1099511627776 bytes"},
		},
		{
			name: "nested zip bomb lying about its size", cfg: &small,
			jar:   bombJar(t, "WEB-INF/lib/bomb.jar", 100, 4<<20),
			want:  []pkg{{"g:ok", "1", "x.jar", ""}},
			warns: []string{"x.jar!/WEB-INF/lib/bomb.jar", "zip: not a valid zip file"},
		},
		{
			name: "pom.properties bomb", cfg: &small,
			jar:   bombJar(t, "META-INF/maven/g/bomb/pom.properties", 100, 1<<20),
			want:  []pkg{{"g:ok", "1", "x.jar", ""}},
			warns: []string{"x.jar!/META-INF/maven/g/bomb/pom.properties"},
		},
		{
			name: "recursion beyond depth",
			jar:  chain(t, 9),
			want: []pkg{
				{"g:level0", "1", "x.jar", ""},
				{"g:level1", "1", "x.jar!/lib/level1.jar", ""},
				{"g:level2", "1", "x.jar!/lib/level1.jar!/lib/level2.jar", ""},
				{"g:level3", "1", "x.jar!/lib/level1.jar!/lib/level2.jar!/lib/level3.jar", ""},
				{"g:level4", "1", "x.jar!/lib/level1.jar!/lib/level2.jar!/lib/level3.jar!/lib/level4.jar", ""},
			},
			warns: []string{"nested more than 4 deep"},
		},
		{
			name: "unclean entry names",
			jar: zipOf(t, nestedJar("../../evil.jar", good), nestedJar("/abs.jar", good), nestedJar("a/./b.jar", good),
				nestedJar(`a\b.jar`, good), file("META-INF/maven/../../pom.properties", "version=1"),
				file("META-INF/maven/../x/pom.properties", "version=2"), nestedJar("ok/good.jar", good)),
			want:  []pkg{{"g:good", "1", "x.jar!/ok/good.jar", ""}},
			warns: []string{"x.jar!/../../evil.jar", "x.jar!//abs.jar", "unclean entry name", `bad groupId ".."`},
		},
		{
			name:  "nested archive that is not a zip",
			jar:   zipOf(t, pom("g", "x", "1"), file("WEB-INF/lib/fake.jar", "not a zip"), nestedJar("WEB-INF/lib/good.jar", good)),
			want:  []pkg{{"g:good", "1", "x.jar!/WEB-INF/lib/good.jar", ""}, {"g:x", "1", "x.jar", ""}},
			warns: []string{"x.jar!/WEB-INF/lib/fake.jar"},
		},
		{
			name: "bad pom.properties loses only itself",
			jar: zipOf(t, file("META-INF/maven/g/a/pom.properties", "version=${project.version}"),
				pom("g", "b", "2"), file("META-INF/maven/g/c/pom.properties", "\x00\xff\xfe")),
			want:  []pkg{{"g:b", "2", "x.jar", ""}},
			warns: []string{`bad version "${project.version}"`, "bad version \"\""},
		},
		{
			name:  "too many entries",
			cfg:   &Config{MaxFileSize: 1 << 20, MaxNestedSize: 1 << 20, MaxTotalBytes: 1 << 20, MaxMetaSize: 1 << 10, MaxEntries: 5, MaxTotalEntries: 100, MaxDepth: 4, MaxArchives: 10},
			jar:   zipOf(t, pom("g", "a", "1"), class("1"), class("2"), class("3"), class("4"), class("5")),
			warns: []string{"6 entries, more than 5"},
		},
		{
			name: "fan-out stops at the total entry limit, keeping what it found",
			cfg:  &Config{MaxFileSize: 1 << 30, MaxNestedSize: 1 << 20, MaxTotalBytes: 1 << 20, MaxMetaSize: 1 << 10, MaxEntries: 100, MaxTotalEntries: 30, MaxDepth: 4, MaxArchives: 10},
			jar:  fanOut(t, 4, 3),
			want: []pkg{
				{"g:leaf", "1", "x.jar!/lib/ca.jar!/lib/ba.jar!/lib/aa.jar", ""},
				{"g:leaf", "1", "x.jar!/lib/ca.jar!/lib/ba.jar!/lib/ab.jar", ""},
				{"g:leaf", "1", "x.jar!/lib/ca.jar!/lib/ba.jar!/lib/ac.jar", ""},
				{"g:leaf", "1", "x.jar!/lib/ca.jar!/lib/ba.jar!/lib/ad.jar", ""},
				{"g:leaf", "1", "x.jar!/lib/ca.jar!/lib/bb.jar!/lib/aa.jar", ""},
				{"g:leaf", "1", "x.jar!/lib/ca.jar!/lib/bb.jar!/lib/ab.jar", ""},
				{"g:leaf", "1", "x.jar!/lib/ca.jar!/lib/bb.jar!/lib/ac.jar", ""},
				{"g:leaf", "1", "x.jar!/lib/ca.jar!/lib/bb.jar!/lib/ad.jar", ""},
				{"g:leaf", "1", "x.jar!/lib/ca.jar!/lib/bc.jar!/lib/aa.jar", ""},
				{"g:leaf", "1", "x.jar!/lib/ca.jar!/lib/bc.jar!/lib/ab.jar", ""},
			},
			warns: []string{"more than 30 entries in all nested archives"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig()
			if tc.cfg != nil {
				cfg = *tc.cfg
			}
			rec := &testenv.LogRecorder{}
			c, err := NewWithConfig(cfg, slog.New(rec))
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Catalog(t.Context(), mapFS(map[string][]byte{"x.jar": tc.jar, "good-1.jar": good}))
			if err != nil {
				t.Fatal(err)
			}
			want := append([]pkg{{"g:good", "1", "good-1.jar", ""}}, tc.want...)
			if diff := cmp.Diff(want, compact(got), sortPkgs()); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			logs := rec.String()
			for _, w := range tc.warns {
				if !strings.Contains(logs, w) {
					t.Errorf("no warning with %q in:\n%s", w, logs)
				}
			}
			if len(tc.warns) > 0 && !strings.Contains(logs, "path=x.jar") {
				t.Errorf("warnings do not name x.jar:\n%s", logs)
			}
		})
	}
}

// noReaderAtFS hides io.ReaderAt, as a streaming file system would.
type noReaderAtFS struct{ fs.FS }

type plainFile struct{ fs.File }

func (f noReaderAtFS) Open(name string) (fs.File, error) {
	fl, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if _, ok := fl.(fs.ReadDirFile); ok {
		return fl, nil
	}
	return plainFile{fl}, nil
}

func TestNoReaderAt(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{"a/app.war": zipOf(t, nestedJar("WEB-INF/lib/x-1.jar", zipOf(t, pom("g", "x", "1"))))}
	got, err := New(nil).Catalog(t.Context(), noReaderAtFS{mapFS(files)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]pkg{{"g:x", "1", "a/app.war!/WEB-INF/lib/x-1.jar", ""}}, compact(got)); diff != "" {
		t.Error(diff)
	}
	cfg := DefaultConfig()
	cfg.MaxNestedSize = 10
	rec := &testenv.LogRecorder{}
	c, _ := NewWithConfig(cfg, slog.New(rec))
	got, err = c.Catalog(t.Context(), noReaderAtFS{mapFS(files)})
	if err != nil || len(got) != 0 || !strings.Contains(rec.String(), "not seekable") {
		t.Errorf("got %v, %v; logs %s", got, err, rec.String())
	}
}

// failingReadFS fails every ReadAt past the first bytes: a disk error, not a bad archive.
type failingReadFS struct{ fs.FS }

type failingFile struct {
	fs.File
	ra io.ReaderAt
}

var errDisk = errors.New("input/output error")

func (f failingFile) ReadAt(p []byte, off int64) (int, error) {
	if off > 10 {
		return 0, errDisk
	}
	return f.ra.ReadAt(p, off)
}

func (f failingReadFS) Open(name string) (fs.File, error) {
	fl, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if ra, ok := fl.(io.ReaderAt); ok {
		return failingFile{fl, ra}, nil
	}
	return fl, nil
}

func TestReadErrorPropagates(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{"a/x-1.jar": zipOf(t, pom("g", "x", "1"))}
	_, err := New(nil).Catalog(t.Context(), failingReadFS{mapFS(files)})
	if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), "a/x-1.jar") {
		t.Errorf("err = %v, want %v naming the file", err, errDisk)
	}
}

func TestTooManyArchives(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.MaxArchives = 2
	rec := &testenv.LogRecorder{}
	c, _ := NewWithConfig(cfg, slog.New(rec))
	jar := zipOf(t, pom("g", "x", "1"))
	got, err := c.Catalog(t.Context(), mapFS(map[string][]byte{"a.jar": jar, "b.jar": jar, "c.jar": jar}))
	if err != nil || len(got) != 2 || !strings.Contains(rec.String(), "too many archives") {
		t.Errorf("got %d packages, %v; logs %s", len(got), err, rec.String())
	}
}
