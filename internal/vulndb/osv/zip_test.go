package osv

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

type zipEntry struct {
	name string
	data string
	mode fs.FileMode
	// store writes the entry uncompressed with a header that claims size.
	claim uint64
}

func buildZip(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func rec(id string) string {
	return `{"id": "` + id + `", "affected": [{"package": {"ecosystem": "Go", "name": "m"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.3"}]}]}]}`
}

func ids(advs []*vulndb.Advisory) []string {
	var out []string
	for _, a := range advs {
		out = append(out, a.ID)
	}
	return out
}

func problemFiles(ps []*vulndb.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.File)
	}
	return out
}

func TestImportZip(t *testing.T) {
	t.Parallel()
	big := `{"id": "BIG-1", "summary": "` + strings.Repeat("a", MaxRecordSize) + `"}`
	data := buildZip(t, []zipEntry{
		{name: "GO-2020-0001.json", data: rec("GO-2020-0001")},
		{name: "dir/", mode: fs.ModeDir | 0o755},
		{name: "../evil.json", data: rec("EVIL-1")},
		{name: "/abs.json", data: rec("EVIL-2")},
		{name: `a\b.json`, data: rec("EVIL-3")},
		{name: "README.md", data: "hello"},
		{name: "link.json", data: "GO-2020-0001.json", mode: fs.ModeSymlink | 0o777},
		{name: "BIG-1.json", data: big},
		{name: "BAD-1.json", data: `{"id": "BAD-1", "affected": [`},
		{name: "WD-1.json", data: `{"id": "WD-1", "withdrawn": "2020-01-01T00:00:00Z"}`},
		{name: "dir/GO-2020-0002.json", data: rec("GO-2020-0002")},
	})
	var res result
	if err := ImportZip(context.Background(), bytes.NewReader(data), int64(len(data)), "all.zip", res.emit, res.problem); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"GO-2020-0001", "GO-2020-0002"}, ids(res.advs)); d != "" {
		t.Errorf("advisories (-want +got):\n%s", d)
	}
	want := []string{"all.zip/../evil.json", "all.zip//abs.json", `all.zip/a\b.json`, "all.zip/README.md",
		"all.zip/link.json", "all.zip/BIG-1.json", "all.zip/BAD-1.json"}
	if d := cmp.Diff(want, problemFiles(res.problems)); d != "" {
		t.Errorf("problems (-want +got):\n%s\n%v", d, res.problems)
	}
}

func TestImportZipCaps(t *testing.T) {
	t.Parallel()
	var entries []zipEntry
	for _, id := range []string{"A-1", "A-2", "A-3", "A-4"} {
		entries = append(entries, zipEntry{name: id + ".json", data: rec(id)})
	}
	data := buildZip(t, entries)
	tests := []struct {
		name       string
		maxEntries int
		maxTotal   int64
		want       []string
		problem    string
	}{
		{"entries", 2, MaxZipTotal, []string{"A-1", "A-2"}, "more than 2 entries: the last 2 not read"},
		{"total", 100, int64(len(rec("A-1")) + 1), []string{"A-1", "A-2"}, "the last 2 entries not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var res result
			if err := importZip(context.Background(), bytes.NewReader(data), int64(len(data)), "z", tt.maxEntries, tt.maxTotal, res.emit, res.problem); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, ids(res.advs)); d != "" {
				t.Errorf("advisories (-want +got):\n%s", d)
			}
			if len(res.problems) != 1 || !strings.Contains(res.problems[0].Error(), tt.problem) {
				t.Errorf("problems %v, want one with %q", res.problems, tt.problem)
			}
		})
	}
}

// TestImportZipLyingHeader: an entry whose header claims a small size but
// inflates past MaxRecordSize is stopped (archive/zip refuses to inflate past
// the claimed size; readEntry caps at MaxRecordSize as well).
func TestImportZipLyingHeader(t *testing.T) {
	t.Parallel()
	data := buildZip(t, []zipEntry{{name: "BOMB-1.json", data: strings.Repeat(" ", MaxRecordSize+10)}, {name: "A-1.json", data: rec("A-1")}})
	// Patch the sizes in the local and central headers to 10 bytes.
	data = bytes.Clone(data)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	real := uint32(zr.File[0].UncompressedSize64)
	var le [4]byte
	le[0], le[1], le[2], le[3] = byte(real), byte(real>>8), byte(real>>16), byte(real>>24)
	patched := bytes.ReplaceAll(data, le[:], []byte{10, 0, 0, 0})
	var res result
	err = ImportZip(context.Background(), bytes.NewReader(patched), int64(len(patched)), "z", res.emit, res.problem)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"A-1"}, ids(res.advs)); d != "" {
		t.Errorf("advisories (-want +got):\n%s", d)
	}
	if len(res.problems) != 1 || res.problems[0].File != "z/BOMB-1.json" || !strings.Contains(res.problems[0].Error(), "read entry") {
		t.Errorf("problems %v, want one for the bomb", res.problems)
	}
}

func TestImportZipErrors(t *testing.T) {
	t.Parallel()
	var res result
	if err := ImportZip(context.Background(), strings.NewReader("not a zip"), 9, "z", res.emit, res.problem); err == nil || !strings.Contains(err.Error(), "open zip z") {
		t.Errorf("not a zip: err = %v", err)
	}
	data := buildZip(t, []zipEntry{{name: "A-1.json", data: rec("A-1")}, {name: "A-2.json", data: rec("A-2")}})
	boom := errors.New("boom")
	n := 0
	err := ImportZip(context.Background(), bytes.NewReader(data), int64(len(data)), "z", func(*vulndb.Advisory) error { n++; return boom }, nil)
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("emit error: err = %v after %d emits", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ImportZip(ctx, bytes.NewReader(data), int64(len(data)), "z", res.emit, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// TestImportZipGoVulnDB packs the real Go records into a zip as osv.dev
// publishes them and imports it.
func TestImportZipGoVulnDB(t *testing.T) {
	t.Parallel()
	path := testenv.Shared(t, "vulndata", "golang-vulndb", "golang-vulndb-osv.tar.gz")
	var entries []zipEntry
	tarRecords(t, path, "data/osv/", func(name string, r io.Reader) {
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) < 300 {
			entries = append(entries, zipEntry{name: name[len("data/osv/"):], data: string(b)})
		}
	})
	data := buildZip(t, entries)
	var res result
	if err := ImportZip(context.Background(), bytes.NewReader(data), int64(len(data)), "Go/all.zip", res.emit, res.problem); err != nil {
		t.Fatal(err)
	}
	if len(res.problems) != 0 || len(res.advs) < 290 {
		t.Errorf("%d advisories from 300 entries, problems %v", len(res.advs), res.problems)
	}
}

func TestImportDir(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"a/GO-1.json":    {Data: []byte(rec("GO-1"))},
		"a/b/GO-2.json":  {Data: []byte(rec("GO-2"))},
		"bad.json":       {Data: []byte(`{"id": 1}`)},
		"LICENSE":        {Data: []byte("CC-BY")},
		"x.yaml":         {Data: []byte("id: PYSEC-1")},
		"link.json":      {Data: []byte("a/GO-1.json"), Mode: fs.ModeSymlink},
		"big/BIG-1.json": {Data: []byte(`{"id": "BIG-1", "summary": "` + strings.Repeat("a", MaxRecordSize) + `"}`)},
	}
	var res result
	if err := ImportDir(context.Background(), fsys, res.emit, res.problem); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"GO-1", "GO-2", "PYSEC-1"}, ids(res.advs)); d != "" { // x.yaml is read as YAML
		t.Errorf("advisories (-want +got):\n%s", d)
	}
	got := problemFiles(res.problems)
	slices.Sort(got)
	if d := cmp.Diff([]string{"bad.json", "big/BIG-1.json"}, got); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	// An unreadable directory is a Problem, not the end of the walk.
	if os.Geteuid() != 0 {
		dir := t.TempDir()
		if err := os.Mkdir(dir+"/locked", 0); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/A-1.json", []byte(rec("A-1")), 0o644); err != nil {
			t.Fatal(err)
		}
		var res result
		if err := ImportDir(context.Background(), os.DirFS(dir), res.emit, res.problem); err != nil {
			t.Fatal(err)
		}
		if len(res.advs) != 1 || len(res.problems) != 1 {
			t.Errorf("locked dir: %d advisories, problems %v", len(res.advs), res.problems)
		}
	}
}
