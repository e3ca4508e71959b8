package osv

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

type tarEntry struct {
	name     string
	data     string
	typeflag byte
	size     int64 // header size when data is generated as zeros
}

func buildTarGz(t testing.TB, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: e.typeflag, Size: int64(len(e.data))}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeSymlink {
			h.Linkname, h.Size = e.data, 0
		}
		if h.Typeflag == tar.TypeDir {
			h.Size = 0
		}
		if e.size > 0 {
			h.Size = e.size
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		switch {
		case e.size > 0:
			if _, err := tw.Write(make([]byte, e.size)); err != nil {
				t.Fatal(err)
			}
		case h.Size > 0:
			if _, err := tw.Write([]byte(e.data)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const pysecYAML = `id: PYSEC-2023-74
modified: 2023-06-05T13:38:00Z
published: 2023-05-26T18:15:00Z
aliases:
- CVE-2023-32681
summary: null
affected:
- package:
    name: requests
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: 2.3.0
    - fixed: 2.31.0
  versions:
  - "2.3.0"
  - 2.10
`

func TestImportTarGz(t *testing.T) {
	t.Parallel()
	data := buildTarGz(t, []tarEntry{
		{name: "data/", typeflag: tar.TypeDir},
		{name: "data/osv/GO-1.json", data: rec("GO-1")},
		{name: "./data/osv/GO-2.json", data: rec("GO-2")},
		{name: "data/LICENSE", data: "CC-BY"},
		{name: "vulns/requests/PYSEC-2023-74.yaml", data: pysecYAML},
		{name: "../evil/GO-3.json", data: rec("GO-3")},
		{name: "/abs/GO-4.json", data: rec("GO-4")},
		{name: "link.json", data: "data/osv/GO-1.json", typeflag: tar.TypeSymlink},
		{name: "big.json", size: MaxRecordSize + 1},
		{name: "bad.json", data: `{"id": 1}`},
		{name: "data/osv/GO-5.json", data: rec("GO-5")},
	})
	var res result
	if err := ImportTarGz(context.Background(), bytes.NewReader(data), "x.tar.gz", res.emit, res.problem); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"GO-1", "GO-2", "PYSEC-2023-74", "GO-5"}, ids(res.advs)); d != "" {
		t.Errorf("advisories (-want +got):\n%s", d)
	}
	var got []string
	for _, p := range res.problems {
		got = append(got, p.Error())
	}
	want := []string{
		"x.tar.gz/../evil/GO-3.json: entry name is not a clean relative path: not read",
		"x.tar.gz//abs/GO-4.json: entry name is not a clean relative path: not read",
		`x.tar.gz/link.json: entry is not a regular file (type '2'): not read`,
		"x.tar.gz/big.json: entry of 8388609 bytes, more than 8388608: not read",
		"x.tar.gz/bad.json: decode OSV record: json: cannot unmarshal number into Go struct field record.id of type string",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	if res.advs[2].Affected[0].Versions[1] != "2.10" {
		t.Errorf("YAML version 2.10 read as %q", res.advs[2].Affected[0].Versions[1])
	}
}

func TestImportTarGzCaps(t *testing.T) {
	t.Parallel()
	data := buildTarGz(t, []tarEntry{
		{name: "GO-1.json", data: rec("GO-1")},
		{name: "GO-2.json", data: rec("GO-2")},
		{name: "GO-3.json", data: rec("GO-3")},
	})
	t.Run("entries", func(t *testing.T) {
		t.Parallel()
		var res result
		if err := importTarCapped(context.Background(), bytes.NewReader(data), "t", 2, MaxTarTotal, res.emit, res.problem); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"GO-1", "GO-2"}, ids(res.advs)); d != "" {
			t.Errorf("advisories (-want +got):\n%s", d)
		}
		if len(res.problems) != 1 || !strings.Contains(res.problems[0].Error(), "more than 2 entries") {
			t.Errorf("problems %v", res.problems)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		t.Parallel()
		var res result
		if err := importTarCapped(context.Background(), bytes.NewReader(data), "t", MaxTarEntries, 2000, res.emit, res.problem); err != nil {
			t.Fatal(err)
		}
		if len(res.advs) == 3 || len(res.problems) != 1 || !strings.Contains(res.problems[0].Error(), "more than 2000 bytes decompressed") {
			t.Errorf("%d advisories, problems %v", len(res.advs), res.problems)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		t.Parallel()
		big := buildTarGz(t, []tarEntry{{name: "GO-1.json", data: rec("GO-1")}, {name: "pad", size: 1 << 20}, {name: "GO-2.json", data: rec("GO-2")}})
		var res result
		if err := ImportTarGz(context.Background(), bytes.NewReader(big[:len(big)/2]), "t", res.emit, res.problem); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"GO-1"}, ids(res.advs)); d != "" {
			t.Errorf("advisories (-want +got):\n%s", d)
		}
		if len(res.problems) != 1 || !strings.Contains(res.problems[0].Error(), "archive broken after 2 entries") {
			t.Errorf("problems %v", res.problems)
		}
	})
}

func TestImportTarGzErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	data := buildTarGz(t, []tarEntry{{name: "GO-1.json", data: rec("GO-1")}})
	tests := []struct {
		name string
		r    func() *result
		in   []byte
		err  string
		emit func(*vulndb.Advisory) error
	}{
		{name: "not an archive", in: []byte("hello, this is not a tar archive at all, nor gzip; it is text"), err: "open tar t:"},
		{name: "empty", in: nil, err: "open tar t: no entries"},
		{name: "bad gzip", in: []byte{0x1f, 0x8b, 0, 0}, err: "open tar.gz t:"},
		{name: "emit", in: data, err: "disk on fire", emit: func(*vulndb.Advisory) error { return boom }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			emit := tt.emit
			if emit == nil {
				emit = func(*vulndb.Advisory) error { return nil }
			}
			err := ImportTarGz(context.Background(), bytes.NewReader(tt.in), "t", emit, nil)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("err = %v, want %q", err, tt.err)
			}
		})
	}
	t.Run("reader", func(t *testing.T) {
		t.Parallel()
		r := iotest.TimeoutReader(bytes.NewReader(data)) // second read fails
		err := ImportTarGz(context.Background(), iotest.OneByteReader(r), "t", func(*vulndb.Advisory) error { return nil }, nil)
		if err == nil || !strings.Contains(err.Error(), "read t: timeout") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("ctx", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := ImportTarGz(ctx, bytes.NewReader(data), "t", func(*vulndb.Advisory) error { return nil }, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestImportTarGzShared reads the shared snapshots whole, as the feed does.
func TestImportTarGzShared(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path     []string
		advs     int
		problems int
	}{
		// README: 4,291 records, 17 withdrawn.
		{path: []string{"vulndata", "golang-vulndb", "golang-vulndb-osv.tar.gz"}, advs: 4291 - 17},
		// README: 1,206 records; 13 are withdrawn.
		{path: []string{"vulndata", "rustsec-advisory-db", "rustsec-advisory-db-osv.tar.gz"}, advs: 1206 - 13},
		// README: 2,661 YAML records; 10 are withdrawn, and PYSEC-2022-184
		// has the alias "GHSA-jf66-3q76-h5p5," (a stray comma): a Problem.
		{path: []string{"vulndata", "pypa-advisory-database", "pypa-advisory-database-vulns.tar.gz"}, advs: 2661 - 10 - 1, problems: 1},
	}
	for _, tt := range tests {
		t.Run(tt.path[1], func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(testenv.Shared(t, tt.path...))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var res result
			if err := ImportTarGz(context.Background(), f, tt.path[2], res.emit, res.problem); err != nil {
				t.Fatal(err)
			}
			for _, p := range res.problems[:min(len(res.problems), 10)] {
				t.Logf("problem: %v", p)
			}
			if len(res.advs) != tt.advs || len(res.problems) != tt.problems {
				t.Errorf("%d advisories, %d problems; want %d and %d", len(res.advs), len(res.problems), tt.advs, tt.problems)
			}
			got := ids(res.advs)
			if len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
				t.Error("repeated IDs")
			}
		})
	}
}
