package debian

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

func TestParseJSONFixture(t *testing.T) {
	t.Parallel()
	res := runFile(t, ParseJSON, filepath.Join("testdata", "tracker.json"))
	if res.Err != nil || len(res.Problems) != 0 {
		t.Fatalf("err %v, problems %q", res.Err, res.Problems)
	}
	const (
		unfix = vulndb.StatusUnfixed
		wont  = vulndb.StatusWontFix
		na    = vulndb.StatusNotAffected
	)
	want := []*vulndb.Advisory{
		cveAdv("CVE-2013-7445", "The Direct Rendering Manager (DRM) subsystem in the Linux kernel through 4.x mishandles requests for Graphics Execution Manager (GEM) objects", nil, []vulndb.Affected{
			marked("Debian:12", "linux", unfix, "unimportant"),
			marked("Debian:sid", "linux", unfix, "unimportant"),
		}),
		cveAdv("CVE-2021-3999", "A flaw was found in glibc. An off-by-one buffer overflow and underflow in getcwd() may lead to memory corruption", nil, []vulndb.Affected{
			marked("Debian:11", "glibc", na, "low"),
			fixedIn("Debian:12", "glibc", "2.33-2", "low"),
		}),
		cveAdv("CVE-2023-0286", "There is a type confusion vulnerability relating to X.400 address processing inside an X.509 GeneralName.", nil, []vulndb.Affected{
			fixedIn("Debian:11", "openssl", "1.1.1n-0+deb11u4", "high"),
			fixedIn("Debian:12", "openssl", "3.0.8-1"),
			fixedIn("Debian:13", "openssl", "3.0.8-1"),
			fixedIn("Debian:sid", "openssl", "3.0.8-1", "high"),
			marked("Debian:10", "openssl1.0", vulndb.StatusEndOfLife),
		}),
		cveAdv("CVE-2023-1989", `A use-after-free flaw was found in btsdio_remove in drivers\bluetooth\btsdio.c in the Linux Kernel.`, nil, []vulndb.Affected{
			fixedIn("Debian:11", "linux", "5.10.178-1"),
			fixedIn("Debian:12", "linux", "6.1.27-1"),
			fixedIn("Debian:sid", "linux", "6.1.27-1"),
		}),
		cveAdv("CVE-2023-29383", "In Shadow 4.13, it is possible to inject control characters into fields provided to the SUID program chfn (change finger).", nil, []vulndb.Affected{
			marked("Debian:11", "shadow", unfix, "unimportant"),
			marked("Debian:12", "shadow", wont, "unimportant"),
			fixedIn("Debian:13", "shadow", "1:4.13+dfsg1-2", "unimportant"),
			fixedIn("Debian:sid", "shadow", "1:4.13+dfsg1-2", "unimportant"),
		}),
		cveAdv("CVE-2024-2511", "Issue summary: Some non-default TLS server configurations can cause unbounded memory growth when processing TLSv1.3 sessions", nil, []vulndb.Affected{
			marked("Debian:11", "openssl", wont),
			fixedIn("Debian:12", "openssl", "3.0.13-1~deb12u1"),
			fixedIn("Debian:sid", "openssl", "3.2.1-3"),
		}),
		cveAdv("TEMP-0000000-F7A20F", "Lock down /proc/PID/... against PID reuse", nil, []vulndb.Affected{
			marked("Debian:12", "linux", unfix),
		}),
	}
	if diff := cmp.Diff(want, res.Advisories); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestHostileJSON(t *testing.T) {
	t.Parallel()
	rec := func(rels string) string { return `{"description": "d", "releases": {` + rels + `}}` }
	good := `"openssl": {"CVE-2023-0286": ` + rec(`"bookworm": {"status": "resolved", "fixed_version": "3.0.8-1", "urgency": "low**"}`) + `}`
	goodFile := "{" + good + "}"
	tests := []hostileCase{
		{"valid", goodFile, []string{"CVE-2023-0286"}, 1, nil},
		{"empty object", "{}", nil, 0, nil},
		{"empty file", "", nil, 0, []string{"malformed export at byte 0"}},
		{"not an object", "[1, 2]", nil, 0, []string{"unexpected JSON shape"}},
		{"truncated", "{" + good + `, "zlib": {"CVE-2023-1111": ` + rec(`"sid": {"status": "open"}`) + `}, "x": {"CVE-2023-2222": {"rel`,
			[]string{"CVE-2023-0286", "CVE-2023-1111"}, 2, []string{"malformed export"}},
		{"syntax error", "{" + good + `, "zlib": {"CVE-2023-1111": {"releases": {"sid": {"status": "open",}}}}}`,
			[]string{"CVE-2023-0286"}, 1, []string{"malformed JSON at byte"}},
		{"trailing junk", goodFile + " {}", []string{"CVE-2023-0286"}, 1, []string{`"{" after the top-level object`}},
		{"package not an object", `{"zlib": [1, {"a": []}], "x": 5, "y": null, ` + good + `}`, []string{"CVE-2023-0286"}, 1,
			[]string{`zlib: package is a "[", not an object`, "x: package is a number", "y: package is a null"}},
		{"record wrong types", `{"zlib": {"CVE-2023-1111": {"description": 5, "releases": {"sid": {"status": "open"}}}, "CVE-2023-2222": [], "CVE-2023-3333": ` +
			rec(`"sid": {"status": 1}`) + `}, ` + good + `}`, []string{"CVE-2023-0286"}, 1,
			[]string{"zlib CVE-2023-1111: record of the wrong shape", "zlib CVE-2023-2222: record of the wrong shape", "zlib CVE-2023-3333: record of the wrong shape"}},
		{"bad package name", `{"Open$SSL": {"CVE-2023-1111": ` + rec(`"sid": {"status": "open"}`) + `, "CVE-2023-2222": {}}, ` + good + `}`, []string{"CVE-2023-0286"}, 1,
			[]string{"malformed source package name"}},
		{"bad IDs", `{"zlib": {"CVE-1": ` + rec(`"sid": {"status": "open"}`) + `, "<script>": {}, "TEMP-0000000-ABCDEF": ` + rec(`"sid": {"status": "open"}`) + `}, ` + good + `}`,
			[]string{"CVE-2023-0286", "TEMP-0000000-ABCDEF"}, 2, []string{`zlib CVE-1: malformed ID "CVE-1"`, `malformed ID "<script>"`}},
		{"bad releases", `{"zlib": {"CVE-2023-1111": ` + rec(`"sid": {"status": "resolved", "fixed_version": ":1"}, "trixie": {"status": "resolved"}, "bookworm": {"status": "fixed"}, "bullseye": {"status": "resolved", "fixed_version": "1.2.13.dfsg-1"}`) + `}}`,
			[]string{"CVE-2023-1111"}, 1, []string{`zlib CVE-2023-1111: releases dropped: bookworm: unknown status "fixed"; sid: deb version ":1": epoch in version is empty: invalid version; trixie: resolved without a fixed_version`}},
		{"all releases bad", `{"zlib": {"CVE-2023-1111": ` + rec(`"sid": {"status": "resolved", "fixed_version": "`+strings.Repeat("1", 300)+`"}`) + `}}`,
			nil, 0, []string{"fixed_version of 300 bytes"}},
		{"unknown releases once per codename", `{"zlib": {"CVE-2023-1111": ` + rec(`"hamster": {"status": "open"}, "sid": {"status": "open"}`) + `, "CVE-2023-2222": ` +
			rec(`"hamster": {"status": "open"}, "gerbil": {}`) + `}}`, []string{"CVE-2023-1111"}, 1,
			[]string{`zlib CVE-2023-1111: unknown release "hamster": its lines skipped in 2 records`, `zlib CVE-2023-2222: unknown release "gerbil"`}},
		{"huge record", `{"zlib": {"CVE-2023-1111": {"description": "` + strings.Repeat("x", MaxRecord) + `", "releases": {"sid": {"status": "open"}}}}, ` + good + `}`,
			[]string{"CVE-2023-0286"}, 1, []string{"zlib CVE-2023-1111: record of 1048" /* ... bytes */}},
		{"huge description clipped", `{"zlib": {"CVE-2023-1111": {"description": "` + strings.Repeat("é", MaxSummary) + `", "releases": {"sid": {"status": "open"}}}}}`,
			[]string{"CVE-2023-1111"}, 1, nil},
		{"huge key", `{"` + strings.Repeat("k", 1<<20) + `": {"CVE-2023-1111": {}}, ` + good + `}`, []string{"CVE-2023-0286"}, 1, []string{"malformed source package name"}},
		{"repeated package", `{` + good + `, ` + strings.Replace(good, "3.0.8-1", "3.0.9-1", 1) + `}`, []string{"CVE-2023-0286"}, 1, nil},
		{"no releases", `{"zlib": {"CVE-2023-1111": {"description": "d"}}}`, nil, 0, nil},
	}
	runHostile(t, ParseJSON, "data.json", tests, checkSummary)
}

func TestJSONRepeatedPackageFirstWins(t *testing.T) {
	t.Parallel()
	in := `{"zlib": {"CVE-2023-1111": {"releases": {"sid": {"status": "resolved", "fixed_version": "1:1.3-1"}}}},
	        "zlib": {"CVE-2023-1111": {"releases": {"sid": {"status": "open"}}}}}`
	res := run(t, ParseJSON, strings.NewReader(in), "x")
	want := []vulndb.Affected{fixedIn("Debian:sid", "zlib", "1:1.3-1")}
	if res.Err != nil || len(res.Advisories) != 1 || len(res.Problems) != 0 {
		t.Fatalf("%+v", res)
	}
	if diff := cmp.Diff(want, res.Advisories[0].Affected); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestJSONProblemCap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"zlib": {`)
	for i := range MaxProblems + 50 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"CVE-2023-%05d": {"releases": {"sid": {"status": "resolved", "fixed_version": "1.0"}, "bookworm": {"status": "resolved", "fixed_version": "x!"}}}`, i+10000)
	}
	b.WriteString("}}")
	res := run(t, ParseJSON, strings.NewReader(b.String()), "x")
	if res.Err != nil || len(res.Advisories) != MaxProblems+50 {
		t.Fatalf("err %v, %d advisories", res.Err, len(res.Advisories))
	}
	if len(res.Problems) != MaxProblems+1 || !strings.Contains(res.Problems[MaxProblems], "50 more problems") {
		t.Errorf("%d problems, last %q", len(res.Problems), res.Problems[len(res.Problems)-1])
	}
}

func TestJSONSizeCapEmitErrorCancel(t *testing.T) {
	t.Parallel()
	good := `{"openssl": {"CVE-2023-0286": {"releases": {"sid": {"status": "resolved", "fixed_version": "3.0.8-1"}}}}}`
	vulndbtest.EmitError(t, ParseJSON, good)
	// more than 256 keys, so the walk itself checks ctx before the emitting
	var many strings.Builder
	many.WriteString(`{"x": {`)
	for i := range 300 {
		fmt.Fprintf(&many, `"CVE-2023-%05d": {},`, 10000+i)
	}
	many.WriteString(`"CVE-2023-99999": {}}}`)
	vulndbtest.Cancelled(t, ParseJSON, many.String())
	vulndbtest.ReadError(t, ParseJSON, good[:20])
	// over the cap: records before it kept, the cap reported
	big := strings.TrimSuffix(good, "}") + `, "zlib": {"CVE-2023-1111": {"description": "` + strings.Repeat("x", 2<<20) + `"}}}`
	vulndbtest.SizeCap(t, func(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
		return parseJSON(ctx, r, file, 1<<20, emit, problem)
	}, strings.NewReader(big), 1)
}

// TestJSONHugeNumber: a number out of float64's range is bad data (a
// Problem), not a failed read; the records before it are kept.
func TestJSONHugeNumber(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`1E1000`,
		`{"x": 1E1000}`,
		`{"openssl": {"CVE-2023-0286": {"releases": {"bullseye": {"status": "resolved", "fixed_version": "1.1.1n-0+deb11u4"}}}}, "x": 1E1000}`,
		`{"openssl": {"CVE-2023-0286": {"releases": 1E1000}}}`,
	} {
		var problems int
		err := ParseJSON(context.Background(), strings.NewReader(in), "f", func(*vulndb.Advisory) error { return nil }, func(*vulndb.Problem) { problems++ })
		if err != nil {
			t.Errorf("%s: error %v, want a Problem", in, err)
		}
		if problems == 0 {
			t.Errorf("%s: no Problem reported", in)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"x": 1E1000}`))
	f.Add([]byte(`{"openssl": {"CVE-2023-0286": {"description": "d", "scope": "remote", "debianbug": 1, "releases": {"bookworm": {"status": "resolved", "repositories": {"bookworm": "3.0.11-1~deb12u2"}, "fixed_version": "3.0.8-1", "urgency": "high*"}, "bullseye": {"status": "open", "urgency": "not yet assigned", "nodsa": "Minor issue", "nodsa_reason": ""}}}}}`))
	f.Add([]byte(`{"shadow": {"CVE-2023-29383": {"releases": {"bookworm": {"status": "open", "nodsa": "x", "nodsa_reason": "ignored"}, "bullseye": {"status": "open", "nodsa_reason": "postponed"}, "buster": {"status": "open", "urgency": "end-of-life"}, "sid": {"status": "resolved", "fixed_version": "0"}}}}, "linux": {"TEMP-0000000-F7A20F": {"releases": {"trixie": {"status": "undetermined"}}}}}`))
	f.Add([]byte(`{"x": [1, {"a": []}], "y": 5, "Z$": {"CVE-2023-1111": {}}, "z": {"CVE-1": {}, "CVE-2023-2222": {"releases": {"hamster": {}, "sid": {"status": "resolved", "fixed_version": ":1"}}}}} {}`))
	f.Add([]byte(`{"zlib": {"CVE-2023-1111": {"description": 5}, "CVE-2023-2222": {"releases": {"sid": {"status": "open",`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, probs := vulndbtest.Fuzz(t, ParseJSON, data, "f", func(a *vulndb.Advisory) { checkAdvisory(t, a) })
		if n+probs > len(data)+1 || probs > MaxProblems+65 {
			t.Fatalf("%d advisories and %d problems from %d bytes", n, probs, len(data))
		}
	})
}

// syntheticJSON writes an export of at least size bytes shaped like the
// real one: about 50,000 IDs spread over packages, a few packages (linux)
// with thousands of records, each record with a description and four or
// five releases with repositories, urgencies and no-dsa notes.
func syntheticJSON(size int) []byte {
	var b bytes.Buffer
	b.WriteString("{")
	const ids = 50000
	next := 0
	for p := 0; b.Len() < size; p++ {
		if p > 0 {
			b.WriteString(",\n")
		}
		records := 3 + p%17
		if p%500 == 0 {
			records = 4000 // linux, chromium, ...
		}
		fmt.Fprintf(&b, "%q: {", fmt.Sprintf("pkg%d", p))
		for r := range records {
			if r > 0 {
				b.WriteString(",\n")
			}
			k := next % ids // so IDs recur across packages, as bundled code makes them
			id := fmt.Sprintf("CVE-%d-%d", 2014+k%11, 10000+k)
			if k%97 == 0 {
				id = fmt.Sprintf("TEMP-%07d-%06X", k, k*7919)
			}
			next++
			fmt.Fprintf(&b, `%q: {"description": "A flaw was found in pkg%d number %d. A remote attacker could use this flaw to cause a denial of service or possibly execute arbitrary code via a crafted request.", "scope": "remote", "debianbug": %d, "releases": {`, id, p, r, 1000000+next)
			fmt.Fprintf(&b, `"bookworm": {"status": "resolved", "repositories": {"bookworm": "1:2.%d.0-1~deb12u1", "bookworm-security": "1:2.%d.0-1~deb12u2"}, "fixed_version": "1:2.%d.0-1~deb12u1", "urgency": "not yet assigned"}, `, r, r, r)
			fmt.Fprintf(&b, `"bullseye": {"status": "open", "repositories": {"bullseye": "1:2.%d.0-1"}, "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "ignored"}, `, r)
			fmt.Fprintf(&b, `"sid": {"status": "resolved", "repositories": {"sid": "1:2.%d.1-1"}, "fixed_version": "1:2.%d.1-1", "urgency": "low*"}, `, r, r)
			fmt.Fprintf(&b, `"trixie": {"status": "resolved", "repositories": {"trixie": "1:2.%d.1-1"}, "fixed_version": "0", "urgency": "not yet assigned"}`, r)
			if r%3 == 0 {
				fmt.Fprintf(&b, `, "buster": {"status": "open", "repositories": {"buster": "1:2.%d.0-1"}, "urgency": "end-of-life"}`, r)
			}
			b.WriteString("}}")
		}
		b.WriteString("}")
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// BenchmarkParseJSON parses a 70 MB synthetic export, the real one's size.
// retained-MB is the heap the accumulated records hold when the first
// advisory is emitted (all of the file read, nothing emitted yet), over
// the heap before the parse.
func BenchmarkParseJSON(b *testing.B) {
	data := syntheticJSON(70 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var ms runtime.MemStats
	var retained float64
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		b.StartTimer()
		n := 0
		err := ParseJSON(context.Background(), bytes.NewReader(data), "data.json", func(*vulndb.Advisory) error {
			if n == 0 {
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&ms)
				retained = float64(ms.HeapAlloc-before) / (1 << 20)
				b.StartTimer()
			}
			n++
			return nil
		}, nil)
		if err != nil || n == 0 {
			b.Fatalf("%d advisories, %v", n, err)
		}
	}
	b.ReportMetric(retained, "retained-MB")
}
