package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
)

const (
	upper    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lower    = "abcdefghijklmnopqrstuvwxyz"
	digits   = "0123456789"
	alnum    = upper + lower + digits
	b64      = alnum + "+/"
	b64url   = alnum + "-_"
	awsIDSet = upper + "234567"
)

// gen makes a deterministic, obviously generated credential body, so no
// real-looking secret is stored in this repository.
func gen(seed uint64, alphabet string, n int) string {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	beginPriv = "-----BEGIN " + "PRIVATE KEY-----"
	endPriv   = "-----END " + "PRIVATE KEY-----"
)

type ruleCase struct {
	rule   string
	hit    string // text holding secret; the rule must fire once
	secret string
	miss   string // near miss or placeholder; nothing must fire
}

func ruleCases() []ruleCase {
	pem := gen(1, b64, 64)
	azKey := gen(2, b64, 86) + "=="
	azKey2 := gen(3, b64, 86) + "=="
	sbKey := gen(4, b64, 43) + "="
	sasSig := gen(5, alnum, 43) + "%3D"
	entra := gen(6, alnum, 3) + "8Q~" + gen(7, alnum+"_~.-", 34)
	awsID := "AK" + "IA" + gen(8, awsIDSet, 16)
	awsSecret := gen(9, b64, 40)
	ghp := "gh" + "p_" + gen(10, alnum, 36)
	glpat := "gl" + "pat-" + gen(11, alnum, 20)
	npmTok := "np" + "m_" + gen(12, alnum, 36)
	pypi := "py" + "pi-AgEIcHlwaS5vcmc" + gen(13, b64url, 70)
	slack := "xo" + "xb-" + gen(14, digits, 12) + "-" + gen(15, digits, 13) + "-" + gen(16, alnum, 24)
	hook := "T" + gen(17, upper+digits, 8) + "/B" + gen(18, upper+digits, 8) + "/" + gen(19, alnum, 24)
	stripe := "sk" + "_live_" + gen(20, alnum, 24)
	jwt := "eyJhbGciOiJIUzI1NiJ9." + "eyJ" + gen(21, b64url, 30) + "." + gen(22, b64url, 43)
	urlPass := gen(23, alnum, 16)
	generic := gen(24, alnum+"!@#%^&*", 20)
	gcpBody := gen(25, b64, 64)
	return []ruleCase{
		{"VGL-SEC-GCP-SERVICE-ACCOUNT",
			"{\n  \"type\": \"service_account\",\n  \"project_id\": \"p\",\n  \"private_key_id\": \"" + gen(26, lower+digits, 40) + "\",\n  \"private_key\": \"" + beginPriv + "\\n" + gcpBody + "\\n" + endPriv + "\\n\",\n}\n",
			gcpBody,
			"{\"type\": \"service_account\", \"private_key\": \"\"}\n"},
		{"VGL-SEC-PRIVATE-KEY",
			"key:\n" + beginPriv + "\n" + pem + "\n" + endPriv + "\n",
			pem,
			"-----BEGIN " + "PUBLIC KEY-----\n" + pem + "\n" + beginPriv + "\n...\n"},
		{"VGL-SEC-AZURE-STORAGE-CONNECTION-STRING",
			"conn=DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=" + azKey + ";EndpointSuffix=core.windows.net\n",
			azKey,
			"DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey=<your-account-key>;EndpointSuffix=core.windows.net\n"},
		{"VGL-SEC-AZURE-STORAGE-KEY",
			"storage:\n  AccountKey: \"" + azKey2 + "\"\n",
			azKey2,
			"AccountKey=" + strings.Repeat("A", 86) + "==\n"},
		{"VGL-SEC-AZURE-SERVICEBUS-CONNECTION-STRING",
			"SB=Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + sbKey + "\n",
			sbKey,
			"SB=Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\n"},
		{"VGL-SEC-AZURE-SAS-TOKEN",
			"url: https://acct.blob.core.windows.net/c/b?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00%3A00%3A00Z&sig=" + sasSig + "\n",
			sasSig,
			"url: https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sp=r&sig=<signature>\n"},
		{"VGL-SEC-AZURE-CLIENT-SECRET",
			"AZURE_CLIENT_SECRET=" + entra + "\n",
			entra,
			"client: abc8Q~" + strings.Repeat("x", 34) + "\n"},
		{"VGL-SEC-AWS-ACCESS-KEY-ID",
			"aws_access_key_id = " + awsID + "\n",
			awsID,
			"aws_access_key_id = AK" + "IAIOSFODNN7" + "EXAMPLE\n"},
		{"VGL-SEC-AWS-SECRET-KEY",
			"aws_secret_access_key = " + awsSecret + "\n",
			awsSecret,
			"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY\n"},
		{"VGL-SEC-GITHUB-TOKEN",
			"git clone https://github.com/o/r # " + ghp + "\n",
			ghp,
			"GH=gh" + "p_" + strings.Repeat("x", 36) + "\n"},
		{"VGL-SEC-GITLAB-TOKEN",
			"GL=" + glpat + "\n",
			glpat,
			"GL=gl" + "pat-" + strings.Repeat("x", 20) + "\n"},
		{"VGL-SEC-NPM-TOKEN",
			"//registry.npmjs.org/:_authToken=" + npmTok + "\n",
			npmTok,
			"npm_config_cache=/tmp/npm_cache_directory_for_the_build\n"},
		{"VGL-SEC-PYPI-TOKEN",
			"[pypi]\nusername = __token__\ncred = " + pypi + "\n",
			pypi,
			"cred = py" + "pi-AgEIcHlwaS5vcmc<token>\n"},
		{"VGL-SEC-SLACK-TOKEN",
			"SLACK=" + slack + "\n",
			slack,
			"SLACK=xo" + "xb-your-bot-token-here\n"},
		{"VGL-SEC-SLACK-WEBHOOK",
			"hook: https://hooks.slack.com/services/" + hook + "\n",
			hook,
			"hook: https://hooks.slack.com/services/XXXXXXXXX/XXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX\n"},
		{"VGL-SEC-STRIPE-KEY",
			"STRIPE=" + stripe + "\n",
			stripe,
			"STRIPE=sk" + "_test_" + gen(27, alnum, 24) + "\n"},
		{"VGL-SEC-JWT",
			"Authorization: Bearer " + jwt + "\n",
			jwt,
			"hdr: eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.\n"},
		{"VGL-SEC-BASIC-AUTH-URL",
			"DATABASE_URL=postgres://app:" + urlPass + "@db.internal:5432/app\n",
			urlPass,
			"DATABASE_URL=postgres://user:password@localhost:5432/app and https://example.com/a:b@c https://abc:123@example.com/ http://jane:p%40ssword@host\n"},
		{"VGL-SEC-GENERIC-ASSIGNMENT",
			"DB_PASSWORD=\"" + generic + "\"\n",
			generic,
			"password = \"changeme\"\npassword: ${DB_PASSWORD}\ntoken := getToken(ctx)\nsecret_file: /run/secrets/db\n" +
				"TOKEN_ALL_ACCESS = STANDARD_RIGHTS_REQUIRED\nshared_secret: \"" + gen(28, digits+"abcdef", 64) + "\"\n" +
				"git-credential-store: git-credential-store.o\n"},
	}
}

func newScanner(t testing.TB, cfg Config) *Scanner {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// noLeak fails if secret, or more than four of its leading characters,
// appears anywhere in fs.
func noLeak(t testing.TB, fs []finding.Finding, secret string) {
	t.Helper()
	for _, f := range fs {
		all := fmt.Sprintf("%+v", f)
		if len(secret) >= 5 && strings.Contains(all, secret[:5]) {
			t.Errorf("finding shows more than 4 characters of the secret: %s", all)
		}
		shown := strings.TrimRight(f.Match, "*")
		if len([]rune(shown)) > 4 || len([]rune(f.Match)) > 16 {
			t.Errorf("Match %q shows too much", f.Match)
		}
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	s := newScanner(t, Config{})
	ids := map[string]bool{}
	for _, r := range s.Rules() {
		ids[r.ID] = true
	}
	cases := ruleCases()
	if len(cases) != len(ids) {
		t.Errorf("%d cases for %d rules", len(cases), len(ids))
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()
			if !ids[tc.rule] {
				t.Fatalf("no rule %s", tc.rule)
			}
			loc := finding.Location{Layer: "sha256:l", Path: "app/conf"}
			got, err := s.Scan(context.Background(), strings.NewReader(tc.hit), loc)
			if err != nil {
				t.Fatal(err)
			}
			idx := strings.Index(tc.hit, tc.secret)
			line := strings.Count(tc.hit[:idx], "\n") + 1
			col := idx - strings.LastIndexByte(tc.hit[:idx], '\n')
			red := Redact(tc.secret)
			r := s.rules[slicesIndex(s, tc.rule)]
			want := []finding.Finding{{
				RuleID: tc.rule, Kind: finding.KindSecret, Severity: r.Severity, Title: r.Title,
				Message: r.Title + " (" + red + ")", Remediation: r.Remediation, Match: red,
				Location: finding.Location{Layer: "sha256:l", Path: "app/conf", Line: line, Column: col},
			}}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("hit (-want +got):\n%s", d)
			}
			noLeak(t, got, tc.secret)
			if d := cmp.Diff(want, s.ScanString(tc.hit, loc)); d != "" {
				t.Errorf("ScanString (-want +got):\n%s", d)
			}
			miss, err := s.Scan(context.Background(), strings.NewReader(tc.miss), loc)
			if err != nil {
				t.Fatal(err)
			}
			if len(miss) != 0 {
				t.Errorf("near miss fired: %+v", miss)
			}
		})
	}
}

func slicesIndex(s *Scanner, id string) int {
	for i, r := range s.rules {
		if r.ID == id {
			return i
		}
	}
	return -1
}

func TestAllRulesTogether(t *testing.T) {
	t.Parallel()
	s := newScanner(t, Config{})
	var sb strings.Builder
	var wantIDs []string
	for _, tc := range ruleCases() {
		sb.WriteString("filler line without anything\n")
		sb.WriteString(tc.miss)
		sb.WriteString(tc.hit)
		wantIDs = append(wantIDs, tc.rule)
	}
	got, err := s.Scan(context.Background(), strings.NewReader(sb.String()), finding.Location{Path: "all"})
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []string
	for _, f := range got {
		gotIDs = append(gotIDs, f.RuleID)
	}
	if d := cmp.Diff(wantIDs, gotIDs); d != "" {
		t.Errorf("rule IDs in input order (-want +got):\n%s", d)
	}
	for _, tc := range ruleCases() {
		noLeak(t, got, tc.secret)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"AK" + "IA0123456789ABCDEF", "AKIA************"},
		{"abcdef", "ab****"},
		{"ab", "****"},
		{"", "****"},
		{"\x00\x01\x02abcdefghijklmnopq", "???a************"},
		{"\x00\x01\x02abcdefghijkl", "???a***********"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBinaryAndSize(t *testing.T) {
	t.Parallel()
	tok := "gh" + "p_" + gen(40, alnum, 36)
	bin := "\x7fELF\x00\x00" + tok + "\n"
	ctx := context.Background()

	got, err := newScanner(t, Config{}).Scan(ctx, strings.NewReader(bin), finding.Location{})
	if err != nil || len(got) != 0 {
		t.Errorf("binary: got %v, %v; want skipped", got, err)
	}
	got, err = newScanner(t, Config{ScanBinary: true}).Scan(ctx, strings.NewReader(bin), finding.Location{})
	if err != nil || len(got) != 1 {
		t.Errorf("binary with ScanBinary: got %v, %v; want one finding", got, err)
	}
	// A NUL after the first 8 KiB does not make a file binary.
	late := strings.Repeat("a\n", 5000) + "\x00" + tok + "\n"
	if got, err := newScanner(t, Config{}).Scan(ctx, strings.NewReader(late), finding.Location{}); err != nil || len(got) != 1 || got[0].Location.Line != 5001 {
		t.Errorf("late NUL: got %v, %v", got, err)
	}

	big := strings.Repeat("x", 100) + "\n" + tok + "\n"
	_, err = newScanner(t, Config{MaxFileSize: 64}).Scan(ctx, strings.NewReader(big), finding.Location{})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the cap: err = %v, want ErrTooLarge", err)
	}
	s := newScanner(t, Config{MaxFileSize: -1})
	if got, err := s.Scan(ctx, strings.NewReader(big), finding.Location{}); err != nil || len(got) != 1 {
		t.Errorf("no cap: got %v, %v", got, err)
	}
	if s.Skip(1<<40) || !newScanner(t, Config{}).Skip(DefaultMaxFileSize+1) || newScanner(t, Config{}).Skip(DefaultMaxFileSize) {
		t.Error("Skip disagrees with the cap")
	}
}

func TestLongLineCut(t *testing.T) {
	t.Parallel()
	tok := "gh" + "p_" + gen(41, alnum, 36)
	// The token sits in the second piece of a 600 KiB line.
	in := strings.Repeat("a", 300<<10) + " " + tok + " " + strings.Repeat("b", 300<<10) + "\n" + tok + "\n"
	got, err := newScanner(t, Config{}).Scan(context.Background(), strings.NewReader(in), finding.Location{})
	if err != nil {
		t.Fatal(err)
	}
	var pos [][2]int
	for _, f := range got {
		pos = append(pos, [2]int{f.Location.Line, f.Location.Column})
	}
	want := [][2]int{{1, 300<<10 + 2}, {2, 1}}
	if d := cmp.Diff(want, pos); d != "" {
		t.Errorf("positions (-want +got):\n%s", d)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newScanner(t, Config{}).Scan(ctx, &genReader{size: 1 << 30}, finding.Location{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadError(t *testing.T) {
	t.Parallel()
	_, err := newScanner(t, Config{}).Scan(context.Background(), errReader{}, finding.Location{Path: "p"})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("err = %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	ok := Rule{ID: "X", Keywords: []string{"xy"}, Pattern: "x"}
	for name, rules := range map[string][]Rule{
		"empty ID":     {{Keywords: []string{"xy"}, Pattern: "x"}},
		"short kw":     {{ID: "X", Keywords: []string{"x"}, Pattern: "x"}},
		"neg before":   {{ID: "X", Keywords: []string{"xy"}, Pattern: "x", Before: -1}},
		"duplicate":    {ok, ok},
		"no keywords":  {{ID: "X", Pattern: "x"}},
		"upper kw":     {{ID: "X", Keywords: []string{"X"}, Pattern: "x"}},
		"bad pattern":  {{ID: "X", Keywords: []string{"x"}, Pattern: "("}},
		"lines bounds": {{ID: "X", Keywords: []string{"x"}, Pattern: "x", Lines: 1000}},
	} {
		if err := (Config{Rules: rules}).Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Error(err)
	}
	merged := Merge(Default(), []Rule{{ID: "VGL-SEC-JWT", Keywords: []string{"eyj"}, Pattern: "eyJ", Title: "mine"}, ok})
	if len(merged) != len(Default())+1 || merged[slicesIndexRules(merged, "VGL-SEC-JWT")].Title != "mine" {
		t.Error("Merge did not replace by ID and append")
	}
}

func slicesIndexRules(rs []Rule, id string) int {
	for i, r := range rs {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// genReader yields size bytes of ordinary text lines without secrets, then
// tail.
type genReader struct {
	size, off int64
	tail      string
	tailOff   int
}

var genLines = "func (s *Server) handle(w http.ResponseWriter, r *http.Request) {\n" +
	"The quick brown fox jumps over the lazy dog; the dog sleeps on.\n" +
	"config_value = 42 # an ordinary setting, nothing sensitive in it\n" +
	"2026-11-29T10:00:00Z INFO request served path=/index.html status=200\n"

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.size {
		if g.tailOff >= len(g.tail) {
			return 0, io.EOF
		}
		n := copy(p, g.tail[g.tailOff:])
		g.tailOff += n
		return n, nil
	}
	n := 0
	for n < len(p) && g.off < g.size {
		i := int(g.off % int64(len(genLines)))
		m := copy(p[n:], genLines[i:])
		if rem := g.size - g.off; int64(m) > rem {
			m = int(rem)
		}
		n += m
		g.off += int64(m)
	}
	return n, nil
}

func TestStreamingBoundedMemory(t *testing.T) {
	size := int64(2 << 30) // 2 GiB
	if testing.Short() || raceEnabled {
		size = 64 << 20
	}
	size -= size % int64(len(genLines)) // end on a line boundary
	tok := "gh" + "p_" + gen(42, alnum, 36)
	r := &genReader{size: size, tail: "token " + tok + "\n"}
	s := newScanner(t, Config{MaxFileSize: -1})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, err := s.Scan(context.Background(), r, finding.Location{Path: "big"})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	wantLine := int(size/int64(len(genLines)))*strings.Count(genLines, "\n") + 1
	if len(got) != 1 || got[0].RuleID != "VGL-SEC-GITHUB-TOKEN" || got[0].Location.Line != wantLine {
		t.Fatalf("got %+v, want one GitHub token on line %d", got, wantLine)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("scanning %d MiB allocated %d bytes; want bounded (< 8 MiB)", size>>20, alloc)
	}
	t.Logf("scanned %d MiB, allocated %d KiB in all", size>>20, (after.TotalAlloc-before.TotalAlloc)>>10)
}

func FuzzScan(f *testing.F) {
	for _, tc := range ruleCases() {
		f.Add([]byte(tc.miss), []byte(tc.hit[:len(tc.hit)/2]))
	}
	f.Add([]byte("password=\""), []byte("\"\n"))
	f.Add([]byte("\x00"), []byte{})
	f.Add([]byte("-----BEGIN "+"PRIVATE KEY-----\n"), []byte("\n"))
	s := newScanner(f, Config{})
	secret := "gh" + "p_" + gen(43, alnum, 36)
	f.Fuzz(func(t *testing.T, pre, post []byte) {
		if _, err := s.Scan(context.Background(), bytes.NewReader(pre), finding.Location{}); err != nil {
			t.Fatal(err)
		}
		in := string(pre) + secret + string(post)
		got, err := s.Scan(context.Background(), strings.NewReader(in), finding.Location{})
		if err != nil {
			t.Fatal(err)
		}
		noLeak(t, got, secret)
		for _, f := range got {
			if f.Location.Line < 1 || f.Location.Column < 1 {
				t.Errorf("bad position %+v", f.Location)
			}
		}
		noLeak(t, s.ScanString(in, finding.Location{}), secret)
	})
}

// TestHostileRepetition feeds long lines dense with keywords; the work must
// stay linear (a quadratic scan would take minutes here).
func TestHostileRepetition(t *testing.T) {
	t.Parallel()
	s := newScanner(t, Config{MaxFileSize: -1})
	for name, unit := range map[string]string{
		"keyword only":   "password",
		"assignment":     "password=" + "aB3dE5gH9kL1mN0p ",
		"allowlisted":    "password=\"changeme-changeme\" ",
		"urls":           "https://u:p@h ",
		"sas":            "sig=" + strings.Repeat("A", 43) + "&",
		"private header": "-----BEGIN " + "PRIVATE KEY-----",
		"jwt parts":      "eyJabcdefgh.",
		"short lines":    "token=x\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := strings.Repeat(unit, (2<<20)/len(unit))
			start := time.Now()
			if _, err := s.Scan(context.Background(), strings.NewReader(in), finding.Location{}); err != nil {
				t.Fatal(err)
			}
			// Linear: under a second here, ~15 s with the race detector
			// on an idle 2-core machine and ~30 s under CI's load; a
			// quadratic scan takes hours.
			limit := 30 * time.Second
			if raceEnabled {
				limit = 3 * time.Minute
			}
			if d := time.Since(start); d > limit {
				t.Errorf("2 MiB took %v (limit %v)", d, limit)
			}
		})
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	mk := func(cfg Config) string {
		t.Helper()
		s, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s.Key()
	}
	base := mk(Config{})
	if base != mk(DefaultConfig()) {
		t.Error("the zero Config and DefaultConfig have different keys")
	}
	changed := Default()
	changed[0].MinEntropy += 0.5
	for name, cfg := range map[string]Config{
		"max size":  {MaxFileSize: 1 << 20},
		"binary":    {ScanBinary: true},
		"one rule":  {Rules: Default()[:1]},
		"a setting": {Rules: changed},
	} {
		if mk(cfg) == base {
			t.Errorf("%s: same key as the default", name)
		}
	}
}

func TestSkipPath(t *testing.T) {
	t.Parallel()
	def := newScanner(t, Config{})
	none := newScanner(t, Config{SkipDirs: []string{}})
	own := newScanner(t, Config{SkipDirs: []string{"/srv/cache/"}})
	for _, tc := range []struct {
		path           string
		def, none, own bool
	}{
		{"app/.env", false, false, false},
		{"root/go/pkg/mod/github.com/x/y@v1/key.pem", true, false, false},
		{"/usr/lib/python3/dist-packages/foo/tests/data.py", true, false, false},
		{"app/node_modules/a/index.js", true, false, false},
		{"app/testdata", false, false, false}, // a file named like a skipped directory
		{"app/latest/x.env", false, false, false},
		{"srv/cache/a.yaml", false, false, true},
	} {
		for name, got := range map[string]bool{"default": def.SkipPath(tc.path), "none": none.SkipPath(tc.path), "own": own.SkipPath(tc.path)} {
			want := map[string]bool{"default": tc.def, "none": tc.none, "own": tc.own}[name]
			if got != want {
				t.Errorf("%s: SkipPath(%q) = %t, want %t", name, tc.path, got, want)
			}
		}
	}
	if def.Key() == none.Key() || none.Key() == own.Key() {
		t.Error("skip directories do not change the key")
	}
	if _, err := New(Config{SkipDirs: []string{"/"}}); err == nil {
		t.Error("an empty skip directory was accepted")
	}
}

func TestGenericAssignmentCode(t *testing.T) {
	t.Parallel()
	s := newScanner(t, Config{})
	for _, line := range []string{
		"    Token.Name.Builtin.Pseudo: 'token = Name.Builtin.Pseudo'\n",
		"password = self.Password2\n",
		"api_key = os.environ.Get_KEY\n",
	} {
		if fs := s.ScanString(line, finding.Location{Path: "x.py"}); len(fs) != 0 {
			t.Errorf("%q: %d findings (%s), want none", line, len(fs), fs[0].RuleID)
		}
	}
	// A value with a dot that is not an attribute path is still a secret.
	if fs := s.ScanString("password = "+"Xk9.q2Lw-Zp7r\n", finding.Location{Path: "x.env"}); len(fs) != 1 {
		t.Errorf("dotted password: %d findings, want 1", len(fs))
	}
}
