package dockerfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
)

// ids returns "RULE:line" for each finding, in order.
func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s:%d", f.RuleID, f.Location.Line))
	}
	return out
}

func TestCheckFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		opts Options
		want []string
	}{
		{file: "clean.Dockerfile"},
		{file: "user.Dockerfile", want: []string{RuleNoHealthcheck + ":5", RuleRootUser + ":6"}},
		{file: "user.Dockerfile", opts: Options{AllowRoot: true}, want: []string{RuleNoHealthcheck + ":5"}},
		{file: "nouser.Dockerfile", want: []string{RuleBaseNoDigest + ":1", RuleNoUser + ":3"}},
		{file: "secrets.Dockerfile", want: []string{RuleSecretArg + ":2", RuleSecretEnv + ":5", RuleSecretEnv + ":6"}},
		{file: "add.Dockerfile", want: []string{RuleAddURL + ":2", RuleAddLocal + ":3"}},
		{file: "from.Dockerfile", want: []string{RuleBaseLatest + ":2", RuleBaseLatest + ":3", RuleBaseNoDigest + ":4", RuleBaseNoDigest + ":6"}},
		{file: "run.Dockerfile", want: []string{
			RuleCurlPipeShell + ":3", // build stage: still a build risk
			RuleAptCache + ":5",
			RuleApkCache + ":9",
			RuleYumCache + ":10",
			RulePipCache + ":12",
			RuleSudo + ":14",
			RuleSudo + ":16", RuleCurlPipeShell + ":16",
			RuleCurlPipeShell + ":19",              // exec form through sh -c
			RuleSudo + ":20", RuleAptCache + ":20", // heredoc body
			RuleExposeSSH + ":24",
			RuleExposeSSH + ":25",
		}},
		{file: "pipenv.Dockerfile"},
		{file: "inherit.Dockerfile"},
		{file: "inheritroot.Dockerfile", want: []string{RuleRootUser + ":2", RuleNoHealthcheck + ":3"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/root=%v", tt.file, tt.opts.AllowRoot), func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Check(t.Context(), f, tt.file, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("Check() (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Kind != finding.KindDockerfile || f.Location.Path != tt.file || f.Location.EndLine < f.Location.Line ||
					f.Title == "" || f.Message == "" || f.Remediation == "" || f.Severity == finding.SeverityUnknown {
					t.Errorf("incomplete finding %+v", f)
				}
			}
		})
	}
}

func TestLocation(t *testing.T) {
	t.Parallel()
	src := "FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nRUN apt-get update \\\n && apt-get install -y x\nUSER 1\nHEALTHCHECK CMD true\n"
	got, err := Check(t.Context(), strings.NewReader(src), "Dockerfile", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []finding.Location{{Path: "Dockerfile", Line: 2, EndLine: 3}}
	var locs []finding.Location
	for _, f := range got {
		locs = append(locs, f.Location)
	}
	if diff := cmp.Diff(want, locs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestNoSecretValue checks that no credential value reaches a finding.
func TestNoSecretValue(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/secrets.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Check(t.Context(), bytes.NewReader(b), "Dockerfile", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got {
		all := strings.Join([]string{f.Title, f.Message, f.Remediation, f.Match, f.Location.Path}, "\n")
		for _, s := range []string{"hunter2", "AKIAEXAMPLEVALUE", "sk_live_value"} {
			if strings.Contains(all, s) {
				t.Errorf("finding %s leaks %q", f.RuleID, s)
			}
		}
	}
}

func TestHostile(t *testing.T) {
	t.Parallel()
	const pinned = "FROM alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
	tests := []struct {
		name    string
		src     string
		opts    Options
		wantErr error // nil: must parse; errAny: any error
		want    []string
	}{
		{name: "empty", src: "", wantErr: errAny},
		{name: "too large", src: pinned + strings.Repeat("# c\n", 1000), opts: Options{MaxBytes: 100}, wantErr: ErrTooLarge},
		{name: "huge default cap", src: strings.Repeat("# comment line\n", DefaultMaxBytes/15+10), wantErr: ErrTooLarge},
		{name: "NUL bytes", src: pinned + "RUN echo \x00\x00 | sh\nUSER 1\x00\nHEALTHCHECK CMD \x00\n", want: nil},
		{name: "long line", src: pinned + "RUN echo " + strings.Repeat("a", 70000) + "\n", wantErr: errAny},
		{name: "long line under scanner limit", src: pinned + "RUN " + strings.Repeat("sudo x && ", 5000) + "true\nUSER 1\nHEALTHCHECK CMD true\n", want: []string{RuleSudo + ":2"}},
		{name: "deep continuation", src: pinned + "RUN echo \\\n" + strings.Repeat("  a \\\n", 20000) + "  b\nUSER 1\nHEALTHCHECK CMD true\n", want: nil},
		{name: "escape directive", src: "# escape=`\n" + pinned + "RUN sudo a `\n  b\nUSER 1\nHEALTHCHECK CMD true\n", want: []string{RuleSudo + ":3"}},
		{name: "only comments", src: "# a\n# b\n", wantErr: errAny},
		{name: "no FROM", src: "RUN sudo x\n", want: []string{RuleSudo + ":1"}},
		{name: "bad env", src: pinned + "ENV A\n", wantErr: errAny},
		{name: "unknown instruction", src: pinned + "FOO bar\nUSER 1\nHEALTHCHECK CMD true\n"},
		{name: "invalid utf8", src: pinned + "ENV \xff\xfe_PASSWORD=\xff\nUSER 1\nHEALTHCHECK CMD true\n", want: []string{RuleSecretEnv + ":2"}},
		{name: "negative max", src: pinned, opts: Options{MaxBytes: -1}, wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Check(t.Context(), strings.NewReader(tt.src), "Dockerfile", tt.opts)
			switch {
			case tt.wantErr == errAny:
				if err == nil {
					t.Fatalf("no error, findings %v", ids(got))
				}
				return
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Check(ctx, strings.NewReader("FROM alpine\n"), "Dockerfile", Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func FuzzCheck(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata", e.Name())); err == nil && !e.IsDir() {
			f.Add(b)
		}
	}
	f.Add([]byte("FROM a\nENV A=1 B\n"))
	f.Add([]byte("# escape=`\nFROM a\nRUN <<EOF\nsudo x\nEOF\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Check(context.Background(), bytes.NewReader(b), "Dockerfile", Options{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		for _, f := range got {
			if f.RuleID == "" || f.Kind != finding.KindDockerfile || f.Location.Line < 0 {
				t.Fatalf("bad finding %+v", f)
			}
		}
	})
}

// BenchmarkCheck checks a 200-line, four-stage Dockerfile.
func BenchmarkCheck(b *testing.B) {
	var src strings.Builder
	lines := 0
	for lines < 200 {
		fmt.Fprintf(&src, "FROM debian:12 AS s%d\n", lines)
		lines++
		for i := 0; i < 48; i++ {
			switch i % 6 {
			case 0:
				src.WriteString("RUN apt-get update && apt-get install -y curl \\\n && rm -rf /var/lib/apt/lists/*\n")
				lines += 2
			case 1:
				src.WriteString("ENV DB_PASSWORD=x PATH=/usr/local/bin:$PATH\n")
			case 2:
				src.WriteString("ARG VERSION=1.2.3\n")
			case 3:
				src.WriteString("COPY --from=s0 /a /b\n")
			case 4:
				src.WriteString("RUN curl -fsSL https://example.com/x | sh && pip install --no-cache-dir y\n")
			case 5:
				src.WriteString("ADD https://example.com/x.tgz /tmp/\n")
			}
			lines++
		}
	}
	src.WriteString("USER 10001\nHEALTHCHECK CMD true\n")
	data := []byte(src.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Check(context.Background(), bytes.NewReader(data), "Dockerfile", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSplitCommands(t *testing.T) {
	t.Parallel()
	got := splitCommands("a && b || c; d\ne | f & g")
	want := []string{"a ", " b ", " c", " d", "e | f & g"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
