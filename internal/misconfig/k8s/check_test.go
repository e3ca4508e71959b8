package k8s

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/vigil-sec/vigil/internal/finding"
)

func checkFile(t testing.TB, name string, cfg Config) Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Check(context.Background(), bytes.NewReader(data), name, cfg)
	if err != nil {
		t.Fatalf("Check(%s): %v", name, err)
	}
	return res
}

// ids returns the sorted distinct rule IDs of findings for object (all
// objects when empty), without PSS findings.
func ids(res Result, object string) []string {
	var out []string
	for _, f := range res.Findings {
		if strings.HasPrefix(f.RuleID, "VGL-K8S-PSS-") || (object != "" && f.Location.Object != object) {
			continue
		}
		if !slices.Contains(out, f.RuleID) {
			out = append(out, f.RuleID)
		}
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string { slices.Sort(s); return s }

func TestFixtures(t *testing.T) {
	t.Parallel()
	allowed := DefaultConfig()
	allowed.AllowedRegistries = []string{"registry.example.com/acme", "quay.io"}
	tests := []struct {
		file   string
		cfg    Config
		object string
		want   []string
	}{
		{"secure-pod.yaml", allowed, "", nil},
		{"insecure-pod.yaml", allowed, "Pod/default/insecure", sorted(
			IDPrivileged, IDPrivilegeEsc, IDCapsNotDropped, IDCapsAdded, IDCapsAddedDangerous,
			IDRunAsNonRoot, IDRunAsRootUID, IDReadOnlyRootFS, IDHostPath, IDHostNetwork, IDHostPID,
			IDHostIPC, IDHostPort, IDSATokenAutomount, IDSeccompMissing, IDSeccompUnconfined,
			IDAppArmorUnconfined, IDNoCPULimit, IDNoMemoryLimit, IDImageNoDigest, IDImageRegistry,
			IDEnvSecretLiteral)},
		{"field-profiles.yaml", allowed, "Pod/ops/fields", sorted(
			IDPrivilegeEsc, IDCapsNotDropped, IDRunAsRootUID, IDReadOnlyRootFS, IDSATokenAutomount,
			IDSeccompUnconfined, IDAppArmorUnconfined, IDNoCPULimit, IDNoMemoryLimit)},
		{"list.yaml", DefaultConfig(), "Pod/x/listed-pod", sorted(
			IDPrivilegeEsc, IDCapsNotDropped, IDRunAsNonRoot, IDReadOnlyRootFS, IDHostNetwork,
			IDSATokenAutomount, IDSeccompMissing, IDNoCPULimit, IDNoMemoryLimit, IDImageNoDigest)},
		{"list.yaml", DefaultConfig(), "Deployment/x/listed-deploy", sorted(
			IDPrivileged, IDPrivilegeEsc, IDCapsNotDropped, IDRunAsNonRoot, IDReadOnlyRootFS,
			IDSATokenAutomount, IDSeccompMissing, IDNoCPULimit, IDNoMemoryLimit, IDImageNoDigest)},
		{"list.json", DefaultConfig(), "Pod/j/json-pod", sorted(
			IDPrivilegeEsc, IDCapsNotDropped, IDRunAsNonRoot, IDReadOnlyRootFS, IDHostIPC, IDHostPort,
			IDSATokenAutomount, IDSeccompMissing, IDNoCPULimit, IDNoMemoryLimit, IDImageNoDigest)},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+tc.object, func(t *testing.T) {
			t.Parallel()
			res := checkFile(t, tc.file, tc.cfg)
			if len(res.Errors) > 0 {
				t.Errorf("errors: %v", res.Errors)
			}
			if diff := cmp.Diff(tc.want, ids(res, tc.object)); diff != "" {
				t.Errorf("rule IDs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecurePodPassesRestricted(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.AllowedRegistries = []string{"registry.example.com"}
	res := checkFile(t, "secure-pod.yaml", cfg)
	if len(res.Findings) != 0 {
		t.Errorf("findings on the secure pod: %+v", res.Findings)
	}
}

// TestLines checks that findings point at the field (or container) line,
// marked "# MARK:name" in the fixture.
func TestLines(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/insecure-pod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	marks := map[string]int{}
	for i, l := range strings.Split(string(data), "\n") {
		if _, m, ok := strings.Cut(l, "# MARK:"); ok {
			marks[m] = i + 1
		}
	}
	cfg := DefaultConfig()
	cfg.PSSLevels = nil
	cfg.AllowedRegistries = []string{"quay.io"}
	res := checkFile(t, "insecure-pod.yaml", cfg)
	tests := []struct{ rule, container, mark string }{
		{IDHostNetwork, "", "hostNetwork"},
		{IDHostPID, "", "hostPID"},
		{IDHostIPC, "", "hostIPC"},
		{IDHostPath, "", "hostPath"},
		{IDRunAsRootUID, "setup", "uid0"},
		{IDNoCPULimit, "setup", "init"},
		{IDPrivileged, "app", "privileged"},
		{IDCapsAddedDangerous, "app", "caps"},
		{IDCapsAdded, "app", "caps"},
		{IDHostPort, "app", "hostPort"},
		{IDEnvSecretLiteral, "app", "env"},
		{IDImageRegistry, "app", "image"},
		{IDImageNoDigest, "app", "image"},
		{IDSeccompMissing, "debug", "debug"},
	}
	for _, tc := range tests {
		t.Run(tc.rule+"/"+tc.container, func(t *testing.T) {
			t.Parallel()
			var got []int
			for _, f := range res.Findings {
				if f.RuleID == tc.rule && f.Location.Container == tc.container {
					got = append(got, f.Location.Line)
				}
			}
			if diff := cmp.Diff([]int{marks[tc.mark]}, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "hunter2") {
			t.Errorf("finding holds the secret value: %q", f.Message)
		}
		if f.Location.Path != "insecure-pod.yaml" || f.Location.Object != "Pod/default/insecure" || f.Kind != finding.KindKubernetes {
			t.Errorf("bad location/kind: %+v", f)
		}
		if f.Title == "" || f.Remediation == "" || f.Severity == finding.SeverityUnknown {
			t.Errorf("incomplete finding: %+v", f)
		}
	}
	if got := ids(res, "")[0]; got == "" {
		t.Error("no findings")
	}
}

func TestCapsMessage(t *testing.T) {
	t.Parallel()
	res := checkFile(t, "insecure-pod.yaml", DefaultConfig())
	var got []string
	for _, f := range res.Findings {
		if f.RuleID == IDCapsAdded || f.RuleID == IDCapsAddedDangerous {
			got = append(got, f.Message)
		}
	}
	want := []string{`container "app" adds CHOWN`, `container "app" adds SYS_ADMIN, NET_ADMIN`}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	res := checkFile(t, "kinds.yaml", DefaultConfig())
	var got []string
	for _, o := range res.Objects {
		got = append(got, fmt.Sprintf("%s/%s/%s:%d:%v", o.Kind, o.Namespace, o.Name, o.Line, o.Checked))
	}
	want := []string{
		"Deployment/prod/deployment:3:true",
		"StatefulSet/prod/statefulset:21:true",
		"ConfigMap//cfg:39:false",
		"DaemonSet/prod/daemonset:46:true",
		"ReplicaSet/prod/replicaset:63:true",
		"Job/prod/job:80:true",
		"CronJob/prod/cronjob:97:true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	for _, o := range res.Objects {
		if !o.Checked {
			continue
		}
		obj := o.Kind + "/" + o.Namespace + "/" + o.Name
		for _, id := range []string{IDPrivileged, IDHostPID, "VGL-K8S-PSS-BASELINE-PRIVILEGED", "VGL-K8S-PSS-BASELINE-HOST-NAMESPACES"} {
			found := false
			for _, f := range res.Findings {
				found = found || (f.Location.Object == obj && f.RuleID == id)
			}
			if !found {
				t.Errorf("%s: no %s", obj, id)
			}
		}
	}
}

func TestHelm(t *testing.T) {
	t.Parallel()
	res := checkFile(t, "helm.yaml", DefaultConfig())
	var got []string
	for _, o := range res.Objects {
		got = append(got, fmt.Sprintf("%s %s %d %s", o.Kind, o.Name, o.Line, o.HelmSource))
	}
	want := []string{
		"ServiceAccount release-web 3 web/templates/serviceaccount.yaml",
		"Service release-web 9 web/templates/service.yaml",
		"Deployment release-web 18 web/templates/deployment.yaml",
		"Pod release-web-test-connection 43 web/templates/tests/test-connection.yaml",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	for _, f := range res.Findings {
		if f.Location.Object == "Deployment/default/release-web" && !strings.HasSuffix(f.Message, "(template web/templates/deployment.yaml)") {
			t.Errorf("message without template: %q", f.Message)
		}
	}
}

func TestDocErrors(t *testing.T) {
	t.Parallel()
	res := checkFile(t, "bad-docs.yaml", DefaultConfig())
	var objs []string
	for _, o := range res.Objects {
		objs = append(objs, o.Name)
	}
	if diff := cmp.Diff([]string{"first", "last"}, objs); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	var errs []string
	for _, e := range res.Errors {
		errs = append(errs, fmt.Sprintf("%d:%d", e.Document, e.Line))
	}
	// broken YAML, alias, wrong type, not a mapping, no kind
	if diff := cmp.Diff([]string{"1:7", "2:14", "3:16", "4:22", "5:25"}, errs); diff != "" {
		t.Errorf("errors (-want +got):\n%s\n%v", diff, res.Errors)
	}
	if len(ids(res, "Pod/default/last")) == 0 {
		t.Error("no findings after the bad documents")
	}
}

// TestPSSAgrees holds the PSS findings of every fixture to what the
// library's own evaluator returns for the same pods. Findings are deduped
// (each failing check once, at baseline if it fails there), so at each
// level the findings at or below it are compared with EvaluatePod's
// failures at that level, by concern: a restricted check that replaces a
// baseline check (capabilities, seccomp, volumes, procMount) is the same
// concern as the check it replaces. Every finding's message is the
// library's for that check, and no concern is reported twice.
func TestPSSAgrees(t *testing.T) {
	t.Parallel()
	ev, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The latest version of each check, what it replaces, and its rule IDs.
	type libCheck struct {
		id        policy.CheckID
		level     api.Level
		fn        policy.CheckPodFn
		overrides []policy.CheckID
	}
	var checks []libCheck
	concern := map[policy.CheckID]policy.CheckID{}
	byRule := map[string]policy.CheckID{}
	for _, c := range policy.DefaultChecks() {
		v := c.Versions[len(c.Versions)-1]
		checks = append(checks, libCheck{c.ID, c.Level, v.CheckPod, v.OverrideCheckIDs})
		concern[c.ID] = c.ID
		for _, l := range []string{"baseline", "restricted"} {
			byRule[PSSRuleID(l, string(c.ID))] = c.ID
		}
	}
	for _, c := range checks {
		for _, o := range c.overrides {
			concern[c.id] = o
		}
	}
	files, _ := filepath.Glob("testdata/*.yaml")
	json, _ := filepath.Glob("testdata/*.json")
	files = append(files, json...)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			type pod struct {
				object, source string
				w              *workload
			}
			var pods []pod
			res, err := check(context.Background(), bytes.NewReader(data), "f", DefaultConfig(), func(obj, src string, w *workload) {
				pods = append(pods, pod{obj, src, w})
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pods {
				msgOf := func(r policy.CheckResult) string {
					msg := r.ForbiddenReason
					if r.ForbiddenDetail != "" {
						msg += " (" + r.ForbiddenDetail + ")"
					}
					if p.source != "" {
						msg += " (template " + p.source + ")"
					}
					return msg
				}
				// Each check's own failure, and which checks each level runs.
				failMsg := map[policy.CheckID]string{}
				overridden := map[policy.CheckID]bool{}
				for _, c := range checks {
					if r := c.fn(&p.w.podMeta, &p.w.spec); !r.Allowed {
						failMsg[c.id] = msgOf(r)
					}
					for _, o := range c.overrides {
						overridden[o] = true
					}
				}
				// Our findings: check ID and level, message checked.
				type got struct {
					id    policy.CheckID
					level api.Level
				}
				var ours []got
				for _, f := range res.Findings {
					if f.Location.Object != p.object || !strings.HasPrefix(f.RuleID, "VGL-K8S-PSS-") {
						continue
					}
					id, ok := byRule[f.RuleID]
					if !ok {
						t.Errorf("%s: unknown PSS rule %s", p.object, f.RuleID)
						continue
					}
					level := api.LevelBaseline
					if strings.HasPrefix(f.RuleID, "VGL-K8S-PSS-RESTRICTED-") {
						level = api.LevelRestricted
					}
					if f.Message != failMsg[id] {
						t.Errorf("%s: %s message %q, library %q", p.object, f.RuleID, f.Message, failMsg[id])
					}
					ours = append(ours, got{id, level})
				}
				seen := map[policy.CheckID]bool{}
				for _, o := range ours {
					if seen[concern[o.id]] {
						t.Errorf("%s: %s reported twice", p.object, concern[o.id])
					}
					seen[concern[o.id]] = true
				}
				for _, level := range []api.Level{api.LevelBaseline, api.LevelRestricted} {
					// The library: EvaluatePod's failures, attributed to checks.
					var lib, attributed []string
					libConcerns := map[policy.CheckID]bool{}
					for _, r := range ev.EvaluatePod(api.LevelVersion{Level: level, Version: api.LatestVersion()}, &p.w.podMeta, &p.w.spec) {
						if !r.Allowed {
							lib = append(lib, msgOf(r))
						}
					}
					for _, c := range checks {
						runs := c.level == api.LevelBaseline && (level == api.LevelBaseline || !overridden[c.id]) ||
							c.level == api.LevelRestricted && level == api.LevelRestricted
						if msg, failed := failMsg[c.id]; runs && failed {
							attributed = append(attributed, msg)
							libConcerns[concern[c.id]] = true
						}
					}
					slices.Sort(lib)
					slices.Sort(attributed)
					if diff := cmp.Diff(lib, attributed); diff != "" {
						t.Fatalf("%s %s: attribution to checks (-evaluator +attributed):\n%s", p.object, level, diff)
					}
					oursConcerns := map[policy.CheckID]bool{}
					for _, o := range ours {
						if o.level == api.LevelBaseline || level == api.LevelRestricted {
							oursConcerns[concern[o.id]] = true
						}
					}
					if diff := cmp.Diff(libConcerns, oursConcerns); diff != "" {
						t.Errorf("%s %s: failing PSS checks (-evaluator +vigil):\n%s", p.object, level, diff)
					}
				}
			}
		})
	}
}

// TestPSSOnce: a pod failing a check at both levels is reported once, at
// baseline; a stricter restricted version is reported only when the
// baseline version passes; with restricted alone, everything it fails.
func TestPSSOnce(t *testing.T) {
	t.Parallel()
	pod := func(sc string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: a\n    securityContext: " + sc + "\n"
	}
	restrictedOnly := DefaultConfig()
	restrictedOnly.PSSLevels = []string{"restricted"}
	tests := []struct {
		name string
		in   string
		cfg  Config
		want []string
	}{
		{"privileged and SYS_ADMIN", pod("{privileged: true, capabilities: {add: [SYS_ADMIN]}}"), DefaultConfig(), []string{
			"VGL-K8S-PSS-BASELINE-CAPABILITIES-BASELINE", "VGL-K8S-PSS-BASELINE-PRIVILEGED",
			"VGL-K8S-PSS-RESTRICTED-ALLOW-PRIVILEGE-ESCALATION", "VGL-K8S-PSS-RESTRICTED-RUN-AS-NON-ROOT",
			"VGL-K8S-PSS-RESTRICTED-SECCOMP-PROFILE-RESTRICTED"}},
		{"no drop ALL", pod("{}"), DefaultConfig(), []string{
			"VGL-K8S-PSS-RESTRICTED-ALLOW-PRIVILEGE-ESCALATION", "VGL-K8S-PSS-RESTRICTED-CAPABILITIES-RESTRICTED",
			"VGL-K8S-PSS-RESTRICTED-RUN-AS-NON-ROOT", "VGL-K8S-PSS-RESTRICTED-SECCOMP-PROFILE-RESTRICTED"}},
		{"seccomp unconfined", pod("{seccompProfile: {type: Unconfined}, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: {drop: [ALL]}}"), DefaultConfig(), []string{
			"VGL-K8S-PSS-BASELINE-SECCOMP-PROFILE-BASELINE"}},
		{"restricted alone", pod("{privileged: true, capabilities: {add: [SYS_ADMIN]}}"), restrictedOnly, []string{
			"VGL-K8S-PSS-RESTRICTED-ALLOW-PRIVILEGE-ESCALATION", "VGL-K8S-PSS-RESTRICTED-CAPABILITIES-RESTRICTED",
			"VGL-K8S-PSS-RESTRICTED-PRIVILEGED", "VGL-K8S-PSS-RESTRICTED-RUN-AS-NON-ROOT",
			"VGL-K8S-PSS-RESTRICTED-SECCOMP-PROFILE-RESTRICTED"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Check(context.Background(), strings.NewReader(tc.in), "p.yaml", tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range res.Findings {
				if strings.HasPrefix(f.RuleID, "VGL-K8S-PSS-") {
					got = append(got, f.RuleID)
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("PSS rule IDs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPSSRuleID(t *testing.T) {
	t.Parallel()
	for in, want := range map[[2]string]string{
		{"restricted", "allowPrivilegeEscalation"}:  "VGL-K8S-PSS-RESTRICTED-ALLOW-PRIVILEGE-ESCALATION",
		{"baseline", "capabilities_baseline"}:       "VGL-K8S-PSS-BASELINE-CAPABILITIES-BASELINE",
		{"baseline", "hostProbesAndHostLifecycle"}:  "VGL-K8S-PSS-BASELINE-HOST-PROBES-AND-HOST-LIFECYCLE",
		{"restricted", "seccompProfile_restricted"}: "VGL-K8S-PSS-RESTRICTED-SECCOMP-PROFILE-RESTRICTED",
		{"baseline", "privileged"}:                  "VGL-K8S-PSS-BASELINE-PRIVILEGED",
	} {
		if got := PSSRuleID(in[0], in[1]); got != want {
			t.Errorf("PSSRuleID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestImageRepo(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"nginx":                                   "docker.io/library/nginx",
		"nginx:1.27":                              "docker.io/library/nginx",
		"acme/app:1":                              "docker.io/acme/app",
		"localhost:5000/app:1":                    "localhost:5000/app",
		"GHCR.io/acme/app@sha256:abc":             "ghcr.io/acme/app",
		"index.docker.io/library/nginx:1":         "docker.io/library/nginx",
		"registry.example.com:443/a/b:c@sha256:d": "registry.example.com:443/a/b",
	} {
		if got := imageRepo(in); got != want {
			t.Errorf("imageRepo(%q) = %q, want %q", in, got, want)
		}
	}
	allow := parseAllowlist([]string{"docker.io/library", "ghcr.io/acme/"})
	for img, want := range map[string]bool{"nginx": true, "acme/x": false, "ghcr.io/acme/x": true, "ghcr.io/acmeevil/x": false} {
		if got := allowedImage(img, allow); got != want {
			t.Errorf("allowedImage(%q) = %v", img, got)
		}
	}
}

func TestHostile(t *testing.T) {
	t.Parallel()
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: a}]\n"
	small := func(f func(*Config)) Config { c := DefaultConfig(); f(&c); return c }
	laughs := "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	tests := []struct {
		name    string
		in      string
		cfg     Config
		wantErr bool
		objects int
		errs    int
	}{
		{"too many bytes", pod, small(func(c *Config) { c.MaxBytes = 10 }), true, 0, 0},
		{"too many documents", strings.Repeat(pod+"---\n", 5), small(func(c *Config) { c.MaxDocuments = 3 }), true, 3, 0},
		{"too many nodes", strings.Repeat(pod+"---\n", 5), small(func(c *Config) { c.MaxNodes = 30 }), true, 1, 0},
		{"billion laughs", laughs + "---\n" + pod, DefaultConfig(), false, 1, 1},
		{"deep nesting", strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n---\n" + pod, DefaultConfig(), false, 1, 1},
		{"binary", "\x00\xff\xfe garbage \x01\n---\n" + pod, DefaultConfig(), false, 1, 1},
		{"empty", "", DefaultConfig(), false, 0, 0},
		{"comments only", "# nothing\n---\n# here\n", DefaultConfig(), false, 0, 0},
		{"huge number", "apiVersion: v1\nkind: Pod\nspec: {x: .inf}\n---\n" + pod, DefaultConfig(), false, 1, 1},
		{"list items not list", "kind: List\nitems: 3\n---\n" + pod, DefaultConfig(), false, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Check(context.Background(), strings.NewReader(tc.in), "h.yaml", tc.cfg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrLimit) {
				t.Errorf("err = %v, want ErrLimit", err)
			}
			if len(res.Objects) != tc.objects || len(res.Errors) != tc.errs {
				t.Errorf("objects %d errors %d (%v), want %d %d", len(res.Objects), len(res.Errors), res.Errors, tc.objects, tc.errs)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Check(ctx, strings.NewReader("kind: Pod\n"), "x", DefaultConfig()); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultConfig().Validate(); err != nil {
		t.Error(err)
	}
	c := DefaultConfig()
	c.PSSLevels = []string{"privileged"}
	if c.Validate() == nil {
		t.Error("want error for level privileged")
	}
	if (Config{}).Validate() == nil {
		t.Error("want error for zero caps")
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	a := checkFile(t, "insecure-pod.yaml", DefaultConfig())
	b := checkFile(t, "insecure-pod.yaml", DefaultConfig())
	if diff := cmp.Diff(a.Findings, b.Findings); diff != "" {
		t.Error(diff)
	}
}

func FuzzCheck(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("kind: List\nitems: [{kind: Pod, spec: {containers: [{name: a}]}}]\n"))
	f.Add([]byte("--- &a\nkind: Pod\n--- *a\n"))
	cfg := DefaultConfig()
	cfg.MaxBytes = 1 << 20
	cfg.MaxNodes = 100_000
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Check(context.Background(), bytes.NewReader(data), "fuzz.yaml", cfg)
		if err != nil && !errors.Is(err, ErrLimit) {
			t.Fatalf("unexpected error: %v", err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, fd := range res.Findings {
			if fd.RuleID == "" || fd.Location.Line < 1 || fd.Location.Line > lines {
				t.Fatalf("bad finding %+v (lines %d)", fd, lines)
			}
		}
		for _, e := range res.Errors {
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("bad error line %v (lines %d)", e, lines)
			}
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	for _, file := range []string{"insecure-pod.yaml", "secure-pod.yaml"} {
		b.Run(file, func(b *testing.B) { benchmarkCheck(b, file) })
	}
}

// benchmarkCheck checks a manifest of 1,000 copies of a fixture's pod.
func benchmarkCheck(b *testing.B, file string) {
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for i := range 1000 {
		doc := strings.Replace(string(data), "\n  name: ", fmt.Sprintf("\n  name: n%d-", i), 1)
		buf.WriteString("---\n" + doc)
	}
	in := buf.Bytes()
	cfg := DefaultConfig()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Check(context.Background(), bytes.NewReader(in), "bench.yaml", cfg)
		if err != nil || len(res.Objects) != 1000 {
			b.Fatalf("err %v, %d objects", err, len(res.Objects))
		}
	}
}

// TestConcernFixtures: one pod per concern of bench/k8s-vs-trivy.sh, each
// otherwise hardened, flags exactly its rule among those the comparison maps.
func TestConcernFixtures(t *testing.T) {
	t.Parallel()
	res := checkFile(t, "trivy-checks.yaml", DefaultConfig())
	mapped := []string{IDPrivileged, IDPrivilegeEsc, IDHostNetwork, IDHostPID, IDHostIPC, IDCapsAdded,
		IDCapsAddedDangerous, IDCapsNotDropped, IDRunAsNonRoot, IDRunAsRootUID}
	want := map[string][]string{
		"hardened": nil, "privileged": {IDPrivileged}, "privilege-escalation": {IDPrivilegeEsc},
		"host-network": {IDHostNetwork}, "host-pid": {IDHostPID}, "host-ipc": {IDHostIPC},
		"cap-add-sys-admin": {IDCapsAddedDangerous}, "cap-add-all": {IDCapsAddedDangerous},
		"cap-add-net-raw": {IDCapsAdded}, "cap-add-net-bind-service": nil,
		"caps-not-dropped": {IDCapsNotDropped}, "caps-drop-some": {IDCapsNotDropped},
		"run-as-non-root-missing": {IDRunAsNonRoot}, "run-as-non-root-false": {IDRunAsNonRoot},
		"run-as-user-0": {IDRunAsRootUID}, "pod-run-as-user-0": {IDRunAsRootUID}, "run-as-group-0": nil,
	}
	if len(res.Objects) != len(want) {
		t.Errorf("%d objects, want %d", len(res.Objects), len(want))
	}
	for _, o := range res.Objects {
		var got []string
		for _, id := range ids(res, "Pod/cmp/"+o.Name) {
			if slices.Contains(mapped, id) {
				got = append(got, id)
			}
		}
		if diff := cmp.Diff(want[o.Name], got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", o.Name, diff)
		}
	}
}
