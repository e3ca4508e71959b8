package imageconfig

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/finding"
)

// ids returns "RULE@path" for each finding, in order.
func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.RuleID+"@"+f.Location.Path)
	}
	return out
}

// good is a config that passes every check.
func good() *v1.ConfigFile {
	return &v1.ConfigFile{
		Config: v1.Config{
			User:         "10001:10001",
			Env:          []string{"PATH=/usr/bin", "PASSWORD_FILE=/run/secrets/pw", "API_TOKEN=", "GPG_KEY=ABCD"},
			ExposedPorts: map[string]struct{}{"8080/tcp": {}, "2222/tcp": {}, "22/udp": {}},
			Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "/healthz"}},
			Entrypoint:   []string{"/app"},
			Cmd:          []string{"--sshd-compat"},
		},
		History: []v1.History{
			{CreatedBy: "ADD file:abc in / "},
			{CreatedBy: "COPY ./app /app # buildkit"},
			{CreatedBy: "|1 VERSION=1.2 /bin/sh -c make"},
			{CreatedBy: "|1 DB_PASSWORD= /bin/sh -c make"},
		},
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	const pinned = "registry.example/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name string
		mod  func(c *v1.ConfigFile)
		ref  string
		opts Options
		want []string
	}{
		{name: "clean", ref: pinned},
		{name: "no ref", ref: ""},
		{name: "user empty", mod: func(c *v1.ConfigFile) { c.Config.User = "" }, want: []string{RuleRootUser + "@config:User"}},
		{name: "user root", mod: func(c *v1.ConfigFile) { c.Config.User = "root" }, want: []string{RuleRootUser + "@config:User"}},
		{name: "user 0", mod: func(c *v1.ConfigFile) { c.Config.User = "0" }, want: []string{RuleRootUser + "@config:User"}},
		{name: "user 0:0", mod: func(c *v1.ConfigFile) { c.Config.User = "0:0" }, want: []string{RuleRootUser + "@config:User"}},
		{name: "user root:staff", mod: func(c *v1.ConfigFile) { c.Config.User = "root:staff" }, want: []string{RuleRootUser + "@config:User"}},
		{name: "user nobody:0", mod: func(c *v1.ConfigFile) { c.Config.User = "nobody:0" }},
		{name: "root allowed", mod: func(c *v1.ConfigFile) { c.Config.User = "" }, opts: Options{AllowRoot: true}},
		{name: "env secrets", mod: func(c *v1.ConfigFile) {
			c.Config.Env = append(c.Config.Env, "DB_PASSWORD=hunter2", "githubToken=ghp_x", "AWS_SECRET_ACCESS_KEY=abc", "STRIPE_API_KEY=sk", "MY_PASSWORD_URL=http://x")
		}, want: []string{RuleSecretEnv + "@config:Env", RuleSecretEnv + "@config:Env", RuleSecretEnv + "@config:Env", RuleSecretEnv + "@config:Env"}},
		{name: "extra secret word", mod: func(c *v1.ConfigFile) { c.Config.Env = append(c.Config.Env, "LICENSE_BLOB=x") },
			opts: Options{SecretNames: []string{"blob"}}, want: []string{RuleSecretEnv + "@config:Env"}},
		{name: "build arg secret", mod: func(c *v1.ConfigFile) {
			c.History = append(c.History, v1.History{CreatedBy: "|2 VERSION=1 NPM_TOKEN=abc /bin/sh -c npm ci"})
		}, want: []string{RuleSecretArg + "@config:history[4]"}},
		{name: "add url legacy", mod: func(c *v1.ConfigFile) {
			c.History = append(c.History, v1.History{CreatedBy: "/bin/sh -c #(nop) ADD https://user:pw@example.com/x.tgz?sig=1 /x"})
		}, want: []string{RuleAddURL + "@config:history[4]"}},
		{name: "add url buildkit", mod: func(c *v1.ConfigFile) {
			c.History = append(c.History, v1.History{CreatedBy: "ADD http://example.com/x /x # buildkit"})
		}, want: []string{RuleAddURL + "@config:history[4]"}},
		{name: "no healthcheck", mod: func(c *v1.ConfigFile) { c.Config.Healthcheck = nil }, want: []string{RuleNoHealthcheck + "@config:Healthcheck"}},
		{name: "healthcheck none", mod: func(c *v1.ConfigFile) { c.Config.Healthcheck = &v1.HealthConfig{Test: []string{"NONE"}} }, want: []string{RuleNoHealthcheck + "@config:Healthcheck"}},
		{name: "port 22", mod: func(c *v1.ConfigFile) { c.Config.ExposedPorts["22/tcp"] = struct{}{} }, want: []string{RuleExposeSSH + "@config:ExposedPorts"}},
		{name: "port 22 bare", mod: func(c *v1.ConfigFile) { c.Config.ExposedPorts["22"] = struct{}{} }, want: []string{RuleExposeSSH + "@config:ExposedPorts"}},
		{name: "sshd entrypoint", mod: func(c *v1.ConfigFile) { c.Config.Entrypoint = []string{"/usr/sbin/sshd", "-D"} }, want: []string{RuleSSHD + "@config:Entrypoint"}},
		{name: "sshd via shell cmd", mod: func(c *v1.ConfigFile) {
			c.Config.Cmd = []string{"/bin/sh", "-c", "service foo start && /usr/sbin/sshd -D"}
		}, want: []string{RuleSSHD + "@config:Cmd"}},
		{name: "latest explicit", ref: "alpine:latest", want: []string{RuleLatestTag + "@ref"}},
		{name: "latest implied", ref: "alpine", want: []string{RuleLatestTag + "@ref"}},
		{name: "tag only", ref: "registry.example:5000/app:1.2", want: []string{RuleNoDigest + "@ref"}},
		{name: "bad ref", ref: "Not A Ref!!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := good()
			if tt.mod != nil {
				tt.mod(c)
			}
			ref := tt.ref
			if ref == "" && tt.name != "no ref" {
				ref = pinned
			}
			if tt.name == "bad ref" {
				ref = tt.ref
			}
			got := Check(c, ref, tt.opts)
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("Check() (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Kind != finding.KindImage || f.Title == "" || f.Message == "" || f.Remediation == "" || f.Severity == finding.SeverityUnknown {
					t.Errorf("incomplete finding %+v", f)
				}
			}
		})
	}
}

// TestNoSecretValue checks that no value of a flagged variable or argument
// reaches any field of any finding.
func TestNoSecretValue(t *testing.T) {
	t.Parallel()
	secrets := []string{"hunter2-value", "abc-npm-value", "pw-in-url", "sig-in-query"}
	c := &v1.ConfigFile{
		Config: v1.Config{Env: []string{"DB_PASSWORD=hunter2-value"}},
		History: []v1.History{
			{CreatedBy: "|1 NPM_TOKEN=abc-npm-value /bin/sh -c npm ci"},
			{CreatedBy: "ADD https://u:" + "pw-in-url@example.com/x?s=sig-in-query /x"},
		},
	}
	got := Check(c, "alpine", Options{})
	if len(got) < 3 {
		t.Fatalf("got %d findings, want at least 3", len(got))
	}
	for _, f := range got {
		all := strings.Join([]string{f.Title, f.Message, f.Remediation, f.Match, f.Location.Path}, "\n")
		for _, s := range secrets {
			if strings.Contains(all, s) {
				t.Errorf("finding %s leaks %q: %s", f.RuleID, s, all)
			}
		}
	}
}

func TestHostile(t *testing.T) {
	t.Parallel()
	c := &v1.ConfigFile{
		Config: v1.Config{
			User: strings.Repeat("0", 1<<16),
			Env:  []string{"", "=", "\x00=\x00", strings.Repeat("A_PASSWORD", 10000) + "=x", "NOEQUALS"},
			Cmd:  []string{strings.Repeat("a ", 100000)},
		},
		History: []v1.History{{CreatedBy: "|999999999 A=1"}, {CreatedBy: "|3 A=1"}, {CreatedBy: "|"}, {CreatedBy: "ADD"}, {CreatedBy: strings.Repeat("ADD http://x ", 10000)}},
	}
	got := ids(Check(c, strings.Repeat("a", 10000), Options{}))
	want := []string{RuleRootUser + "@config:User", RuleSecretEnv + "@config:Env", RuleAddURL + "@config:history[4]", RuleNoHealthcheck + "@config:Healthcheck"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := Check(nil, "", Options{}); got != nil {
		t.Errorf("Check(nil) = %v", got)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultOptions().Validate(); err != nil {
		t.Error(err)
	}
	if err := (Options{SecretNames: []string{" "}}).Validate(); err == nil {
		t.Error("empty word accepted")
	}
}

func BenchmarkCheck(b *testing.B) {
	c := good()
	for i := 0; i < 40; i++ {
		c.Config.Env = append(c.Config.Env, "SOME_VARIABLE_NAME=value", "DB_PASSWORD=x")
		c.History = append(c.History, v1.History{CreatedBy: "|2 A=1 B=2 /bin/sh -c apt-get update && apt-get install -y foo"}, v1.History{CreatedBy: "ADD https://example.com/x /x"})
	}
	b.ReportAllocs()
	for b.Loop() {
		Check(c, "registry.example/app:1.2", Options{})
	}
}
