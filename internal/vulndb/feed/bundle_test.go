package feed

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// fakeDBFile builds a small fake database holding the shared KEV catalogue.
func fakeDBFile(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "vigil.db")
	kev := filepath.Join(t.TempDir(), "kev.json")
	if err := os.WriteFile(kev, []byte(`{"catalogVersion":"1","vulnerabilities":[{"cveID":"CVE-2021-44228","product":"Log4j2"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := importPaths(context.Background(), fakeStore(), db, []string{kev}, Observer{}); err != nil {
		t.Fatal(err)
	}
	return db
}

type tarFile struct {
	name string
	data []byte
	typ  byte
}

func writeBundle(t *testing.T, files []tarFile) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		typ := f.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		size := int64(len(f.data))
		if typ != tar.TypeReg {
			size = 0
		}
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: typ, Size: size, Mode: 0o644, Linkname: "/etc/passwd"}); err != nil {
			t.Fatal(err)
		}
		if size > 0 {
			tw.Write(f.data)
		}
	}
	tw.Close()
	zw.Close()
	p := filepath.Join(t.TempDir(), "bundle.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// unpack reads a bundle's two entries.
func unpack(t *testing.T, bundle []byte) (manifest, db []byte) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(bundle))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for _, p := range []*[]byte{&manifest, &db} {
		if _, err := tr.Next(); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(tr)
		*p = b.Bytes()
	}
	return manifest, db
}

func TestBundleRoundTrip(t *testing.T) {
	t.Parallel()
	st := fakeStore()
	src := fakeDBFile(t)
	var buf bytes.Buffer
	if err := export(context.Background(), st, src, &buf); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "b.tar.gz")
	os.WriteFile(bundle, buf.Bytes(), 0o644)
	dst := filepath.Join(t.TempDir(), "vigil.db")
	os.WriteFile(dst, []byte("old"), 0o644)
	if err := importBundle(context.Background(), st, dst, bundle); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(src)
	b, _ := os.ReadFile(dst)
	if !bytes.Equal(a, b) {
		t.Error("imported database differs from the exported one")
	}
	man, _ := unpack(t, buf.Bytes())
	m, err := readManifest(bytes.NewReader(man))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Sources) != 1 || m.Sources[0].Name != NameKEV || m.DB.Size != int64(len(a)) {
		t.Errorf("manifest %+v", m)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dst), ".vigil-bundle-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestImportBundleRefused(t *testing.T) {
	t.Parallel()
	st := fakeStore()
	var buf bytes.Buffer
	if err := export(context.Background(), st, fakeDBFile(t), &buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	man, db := unpack(t, good)
	flippedDB := append([]byte(nil), db...)
	flippedDB[len(flippedDB)/2] ^= 0x01
	flippedRaw := append([]byte(nil), good...)
	flippedRaw[len(flippedRaw)/2] ^= 0x01
	var m Manifest
	json.Unmarshal(man, &m)
	m.Schema = 99
	otherSchema, _ := json.Marshal(m)

	tests := []struct {
		name   string
		bundle func(t *testing.T) string
		want   string
	}{
		{"flipped db byte", func(t *testing.T) string {
			return writeBundle(t, []tarFile{{name: manifestName, data: man}, {name: bundleDBName, data: flippedDB}})
		}, "database checksum mismatch"},
		{"flipped bundle byte", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "b")
			os.WriteFile(p, flippedRaw, 0o644)
			return p
		}, ""}, // where the flip lands decides the message: bad deflate data, gzip CRC, manifest or checksum
		{"truncated", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "b")
			os.WriteFile(p, good[:len(good)-40], 0o644)
			return p
		}, "bundle corrupt or truncated"},
		{"traversal name", func(t *testing.T) string {
			return writeBundle(t, []tarFile{{name: manifestName, data: man}, {name: "../../vigil.db", data: db}})
		}, `second entry is "../../vigil.db"`},
		{"manifest not first", func(t *testing.T) string {
			return writeBundle(t, []tarFile{{name: bundleDBName, data: db}, {name: manifestName, data: man}})
		}, `first entry is "vigil.db"`},
		{"symlink db", func(t *testing.T) string {
			return writeBundle(t, []tarFile{{name: manifestName, data: man}, {name: bundleDBName, typ: tar.TypeSymlink}})
		}, `second entry is "vigil.db", want the regular file`},
		{"extra entry", func(t *testing.T) string {
			return writeBundle(t, []tarFile{{name: manifestName, data: man}, {name: bundleDBName, data: db}, {name: "evil.sh", data: []byte("x")}})
		}, `unexpected extra entry "evil.sh"`},
		{"huge manifest", func(t *testing.T) string {
			return writeBundle(t, []tarFile{{name: manifestName, data: bytes.Repeat([]byte(" "), MaxManifest+1)}, {name: bundleDBName, data: db}})
		}, "manifest of 1048577 bytes, more than 1048576"},
		{"other schema", func(t *testing.T) string {
			return writeBundle(t, []tarFile{{name: manifestName, data: otherSchema}, {name: bundleDBName, data: db}})
		}, "bundle database schema 99"},
		{"not a database", func(t *testing.T) string {
			junk := []byte("not a database at all")
			m2 := m
			m2.Schema = vulndb.SchemaVersion
			m2.DB.Size = int64(len(junk))
			m2.DB.SHA256 = "ab0cdb8f6a0b1b3b4e1b2c1b5f1d6c3f0b9b6d1a2e8f7c4d5a6b7c8d9e0f1a2b"
			return writeBundle(t, []tarFile{{name: manifestName, data: mustJSON(t, m2)}, {name: bundleDBName, data: junk}})
		}, "database checksum mismatch"},
		{"not gzip", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "b")
			os.WriteFile(p, []byte("plain text"), 0o644)
			return p
		}, "not a gzip bundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := filepath.Join(t.TempDir(), "vigil.db")
			os.WriteFile(dst, []byte("old"), 0o644)
			err := importBundle(context.Background(), st, dst, tt.bundle(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "left as it was") {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if b, _ := os.ReadFile(dst); string(b) != "old" {
				t.Error("old database touched")
			}
			if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dst), ".vigil-bundle-*")); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzReadManifest(f *testing.F) {
	f.Add([]byte(`{"format":"vigil-db-bundle","version":1,"schema":1,"built":"2025-01-01T00:00:00Z","db":{"name":"vigil.db","size":10,"sha256":"` + strings.Repeat("ab", 32) + `"}}`))
	f.Add([]byte(`{"format":"vigil-db-bundle","version":2}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := readManifest(bytes.NewReader(data))
		if err != nil {
			return
		}
		if m.DB.Name != bundleDBName || m.DB.Size <= 0 || len(m.DB.SHA256) != 64 {
			t.Fatalf("accepted bad manifest %+v", m)
		}
	})
}
