package kev

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

type result struct {
	cat      Catalog
	entries  []vulndb.KEV
	problems []string
	err      error
}

func run(t testing.TB, in string, limit int64) result {
	t.Helper()
	var res result
	res.cat, res.err = read(context.Background(), strings.NewReader(in), "kev.json", limit,
		func(k vulndb.KEV) error { res.entries = append(res.entries, k); return nil },
		func(p *vulndb.Problem) { res.problems = append(res.problems, p.Error()) })
	return res
}

func TestRealCatalogue(t *testing.T) {
	t.Parallel()
	path := testenv.Shared(t, "vulndata", "cisa-kev", "known_exploited_vulnerabilities.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []vulndb.KEV
	var problems []string
	cat, err := Read(context.Background(), f, path,
		func(k vulndb.KEV) error { got = append(got, k); return nil },
		func(p *vulndb.Problem) { problems = append(problems, p.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Errorf("problems: %q", problems)
	}
	want := Catalog{Title: "CISA Catalog of Known Exploited Vulnerabilities", Version: "2025.08.25",
		Released: time.Date(2025, 8, 25, 17, 4, 19, 979600000, time.UTC), Count: 1404, Entries: 1404}
	if d := cmp.Diff(want, cat); d != "" {
		t.Errorf("catalog (-want +got):\n%s", d)
	}
	if len(got) != 1404 {
		t.Fatalf("%d entries, want 1404", len(got))
	}
	first := vulndb.KEV{CVE: "CVE-2025-48384", VendorProject: "Git", Product: "Git", Name: "Git Link Following Vulnerability",
		DateAdded: "2025-08-25", DueDate: "2025-09-15", KnownRansomwareCampaignUse: "Unknown"}
	if d := cmp.Diff(first, got[0]); d != "" {
		t.Errorf("first entry (-want +got):\n%s", d)
	}
	log4shell := false
	for _, k := range got {
		if k.CVE == "CVE-2021-44228" {
			log4shell = true
		}
	}
	if !log4shell {
		t.Error("CVE-2021-44228 (Log4Shell) not in the catalogue")
	}
}

const good = `{"cveID":"CVE-2021-44228","vendorProject":"Apache","product":"Log4j2","dateAdded":"2021-12-10","dueDate":"2021-12-24","knownRansomwareCampaignUse":"Known"}`

func TestParseHostile(t *testing.T) {
	t.Parallel()
	want1 := []vulndb.KEV{{CVE: "CVE-2021-44228", VendorProject: "Apache", Product: "Log4j2", DateAdded: "2021-12-10", DueDate: "2021-12-24", KnownRansomwareCampaignUse: "Known"}}
	tests := []struct {
		name     string
		in       string
		limit    int64
		want     []vulndb.KEV
		problems []string
	}{
		{name: "header after entries", in: `{"vulnerabilities":[` + good + `],"dateReleased":"2025-01-02T03:04:05Z"}`, want: want1},
		{name: "bad cve", in: `{"vulnerabilities":[{"cveID":"CVE-21-1"},` + good + `]}`, want: want1,
			problems: []string{`kev.json: entry 0: cveID "CVE-21-1" is not a CVE ID`}},
		{name: "wrong type", in: `{"vulnerabilities":[{"cveID":7},` + good + `]}`, want: want1,
			problems: []string{`kev.json: entry 0: decode entry: json: cannot unmarshal number into Go struct field KEV.cveID of type string`}},
		{name: "not an object", in: `{"vulnerabilities":["CVE-2021-44228",` + good + `]}`, want: want1,
			problems: []string{`kev.json: entry 0: entry is not a JSON object`}},
		{name: "bad date", in: `{"vulnerabilities":[{"cveID":"CVE-2020-0001","dateAdded":"yesterday"},` + good + `]}`, want: want1,
			problems: []string{`kev.json: entry 0 (CVE-2020-0001): dateAdded "yesterday" is not a YYYY-MM-DD date`}},
		{name: "control chars", in: `{"vulnerabilities":[{"cveID":"CVE-2020-0001","product":"a\u0000b"},` + good + `]}`, want: want1,
			problems: []string{`kev.json: entry 0 (CVE-2020-0001): product holds control characters`}},
		{name: "huge field", in: `{"vulnerabilities":[{"cveID":"CVE-2020-0001","product":"` + strings.Repeat("x", MaxField+1) + `"},` + good + `]}`, want: want1,
			problems: []string{`kev.json: entry 0 (CVE-2020-0001): product of 1025 bytes, more than 1024`}},
		{name: "truncated", in: `{"vulnerabilities":[` + good + `,{"cveID":"CVE-`, want: want1,
			problems: []string{`kev.json: malformed JSON at byte 176 (1 entries before the break kept): unexpected EOF`}},
		{name: "not kev", in: `{"foo":1}`, problems: []string{`kev.json: not a KEV catalogue: no "vulnerabilities" array`}},
		{name: "array top", in: `[1]`, problems: []string{`kev.json: not a KEV catalogue: no "vulnerabilities" array`}},
		{name: "vulnerabilities not array", in: `{"vulnerabilities":{}}`, problems: []string{`kev.json: not a KEV catalogue: no "vulnerabilities" array`}},
		{name: "empty", in: ``, problems: []string{`kev.json: malformed JSON at byte 0 (0 entries before the break kept): EOF`}},
		{name: "over the cap", in: `{"vulnerabilities":[` + good + `,` + good + `]}`, limit: 200, want: want1,
			problems: []string{`kev.json: file larger than 200 bytes: read stopped there (1 entries before it kept)`}},
		{name: "bad dateReleased", in: `{"dateReleased":"soon","vulnerabilities":[]}`, problems: []string{`kev.json: dateReleased "soon" is not an RFC 3339 time`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			limit := tt.limit
			if limit == 0 {
				limit = MaxFileSize
			}
			res := run(t, tt.in, limit)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if d := cmp.Diff(tt.want, res.entries); d != "" {
				t.Errorf("entries (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.problems, res.problems); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	in := `{"vulnerabilities":[` + good + `]}`
	t.Run("emit", func(t *testing.T) {
		t.Parallel()
		err := Parse(context.Background(), strings.NewReader(in), "k", func(vulndb.KEV) error { return boom }, nil)
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want boom", err)
		}
	})
	t.Run("reader", func(t *testing.T) {
		t.Parallel()
		err := Parse(context.Background(), iotest.ErrReader(boom), "k", func(vulndb.KEV) error { return nil }, nil)
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want boom", err)
		}
	})
	t.Run("ctx", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := Parse(ctx, strings.NewReader(in), "k", func(vulndb.KEV) error { return nil }, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}
