package imageconfig

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/misconfig"
)

// Rule IDs; stable across releases.
const (
	RuleRootUser      = "VGL-IMG-ROOT-USER"
	RuleSecretEnv     = "VGL-IMG-SECRET-ENV"
	RuleSecretArg     = "VGL-IMG-SECRET-BUILD-ARG"
	RuleAddURL        = "VGL-IMG-ADD-URL"
	RuleNoHealthcheck = "VGL-IMG-NO-HEALTHCHECK"
	RuleLatestTag     = "VGL-IMG-LATEST-TAG"
	RuleNoDigest      = "VGL-IMG-NO-DIGEST"
	RuleExposeSSH     = "VGL-IMG-EXPOSE-SSH"
	RuleSSHD          = "VGL-IMG-SSHD"
)

// Options tunes Check. The zero value is DefaultOptions.
type Options struct {
	// AllowRoot turns off the root-user check (for images meant to be run
	// with a user set at run time).
	AllowRoot bool
	// SecretNames adds upper-case words that mark a variable name as a
	// credential, beside the built-in ones (PASSWORD, SECRET, TOKEN, ...).
	SecretNames []string
}

// DefaultOptions returns the options Check uses when none are set.
func DefaultOptions() Options { return Options{} }

// Validate reports an unusable option.
func (o Options) Validate() error {
	for _, w := range o.SecretNames {
		if strings.TrimSpace(w) == "" {
			return fmt.Errorf("imageconfig: empty secret name word")
		}
	}
	return nil
}

const cisRef = "https://www.cisecurity.org/benchmark/docker"

// Check returns the findings for cfg and the reference the image was named
// by (ref may be empty: the reference checks are then skipped). A nil cfg
// gives only the reference findings. Findings come in a stable order.
func Check(cfg *v1.ConfigFile, ref string, opts Options) []finding.Finding {
	var out []finding.Finding
	add := func(f finding.Finding) {
		f.Kind = finding.KindImage
		if f.References == nil {
			f.References = []string{cisRef}
		}
		out = append(out, f)
	}
	if cfg != nil {
		c := &cfg.Config
		if !opts.AllowRoot && isRootUser(c.User) {
			user := c.User
			if user == "" {
				user = "(none)"
			}
			add(finding.Finding{
				RuleID:      RuleRootUser,
				Severity:    finding.SeverityHigh,
				Title:       "Image runs as root",
				Message:     fmt.Sprintf("the image's user is %s, so its processes run as root", strconv.Quote(user)),
				Remediation: "Create an unprivileged user and set it with USER (a numeric UID such as 10001 works with runAsNonRoot).",
				Location:    finding.Location{Path: "config:User"},
			})
		}
		for i, kv := range c.Env {
			k, v, _ := strings.Cut(kv, "=")
			if strings.TrimSpace(v) == "" || !misconfig.SecretName(k, opts.SecretNames...) {
				continue
			}
			add(finding.Finding{
				RuleID:      RuleSecretEnv,
				Severity:    finding.SeverityHigh,
				Title:       "Credential in image environment",
				Message:     fmt.Sprintf("environment variable %s looks like a credential and has a value baked into the image", k),
				Remediation: "Pass credentials at run time (a mounted secret or an orchestrator secret), not with ENV in the image.",
				Location:    finding.Location{Path: "config:Env", Line: i + 1},
			})
		}
		for i, h := range cfg.History {
			p := fmt.Sprintf("config:history[%d]", i)
			for _, k := range buildArgSecrets(h.CreatedBy, opts.SecretNames) {
				add(finding.Finding{
					RuleID:      RuleSecretArg,
					Severity:    finding.SeverityHigh,
					Title:       "Credential in build arguments",
					Message:     fmt.Sprintf("build argument %s looks like a credential and its value is recorded in the image history", k),
					Remediation: "Use build secrets (RUN --mount=type=secret) instead of ARG for credentials; rebuild and rotate the credential.",
					Location:    finding.Location{Path: p},
				})
			}
			if u, ok := addURL(h.CreatedBy); ok {
				add(finding.Finding{
					RuleID:      RuleAddURL,
					Severity:    finding.SeverityMedium,
					Title:       "ADD from a URL",
					Message:     fmt.Sprintf("layer was added from a remote URL (%s) without a checksum the build verified", u),
					Remediation: "Download with curl or wget in a RUN step and verify a checksum, or use ADD --checksum, or COPY a vendored file.",
					Location:    finding.Location{Path: p},
				})
			}
		}
		if hc := c.Healthcheck; hc == nil || len(hc.Test) == 0 || strings.EqualFold(hc.Test[0], "NONE") {
			add(finding.Finding{
				RuleID:      RuleNoHealthcheck,
				Severity:    finding.SeverityLow,
				Title:       "No HEALTHCHECK",
				Message:     "the image defines no health check",
				Remediation: "Add a HEALTHCHECK instruction, or rely on orchestrator probes and suppress this rule.",
				Location:    finding.Location{Path: "config:Healthcheck"},
			})
		}
		ports := make([]string, 0, len(c.ExposedPorts))
		for p := range c.ExposedPorts {
			ports = append(ports, p)
		}
		sort.Strings(ports)
		for _, p := range ports {
			if isSSHPort(p) {
				add(finding.Finding{
					RuleID:      RuleExposeSSH,
					Severity:    finding.SeverityMedium,
					Title:       "SSH port exposed",
					Message:     fmt.Sprintf("the image exposes port %s (SSH)", p),
					Remediation: "Do not run an SSH server in a container; use kubectl exec or docker exec for access.",
					Location:    finding.Location{Path: "config:ExposedPorts"},
				})
			}
		}
		for _, f := range []struct {
			path string
			args []string
		}{{"config:Entrypoint", c.Entrypoint}, {"config:Cmd", c.Cmd}} {
			if runsSSHD(f.args) {
				add(finding.Finding{
					RuleID:      RuleSSHD,
					Severity:    finding.SeverityMedium,
					Title:       "SSH server started",
					Message:     "the image's " + strings.TrimPrefix(f.path, "config:") + " starts sshd",
					Remediation: "Do not run an SSH server in a container; use kubectl exec or docker exec for access.",
					Location:    finding.Location{Path: f.path},
				})
			}
		}
	}
	if ref != "" {
		if f, ok := refFinding(ref); ok {
			add(f)
		}
	}
	return out
}

// isRootUser reports whether a config User runs as root: empty, "root",
// "0", or a "user:group" whose user part is one of those.
func isRootUser(u string) bool {
	u = strings.TrimSpace(u)
	user, _, _ := strings.Cut(u, ":")
	return user == "" || user == "root" || isZero(user)
}

func isZero(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r != '0' {
			return false
		}
	}
	return true
}

// buildArgSecrets returns the credential-looking build-argument names of a
// history entry. Docker and BuildKit record a RUN's build arguments as a
// "|N K1=V1 ... KN=VN " prefix of created_by.
func buildArgSecrets(createdBy string, extra []string) []string {
	if !strings.HasPrefix(createdBy, "|") {
		return nil
	}
	rest := createdBy[1:]
	num, rest, ok := strings.Cut(rest, " ")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n <= 0 || n > 1000 {
		return nil
	}
	var names []string
	for i := 0; i < n; i++ {
		var kv string
		kv, rest, _ = strings.Cut(strings.TrimLeft(rest, " "), " ")
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			break
		}
		if v != "" && misconfig.SecretName(k, extra...) {
			names = append(names, k)
		}
	}
	return names
}

// addURL reports the URL of an "ADD http..." history entry. Old builders
// write "/bin/sh -c #(nop) ADD ..."; BuildKit writes "ADD ... # buildkit".
func addURL(createdBy string) (string, bool) {
	s := strings.TrimSpace(createdBy)
	if i := strings.Index(s, "#(nop)"); i >= 0 {
		s = strings.TrimSpace(s[i+len("#(nop)"):])
	}
	if len(s) < 4 || !strings.EqualFold(s[:4], "ADD ") {
		return "", false
	}
	for _, w := range strings.Fields(s[4:]) {
		lw := strings.ToLower(w)
		if strings.HasPrefix(lw, "http://") || strings.HasPrefix(lw, "https://") {
			return redactURL(w), true
		}
	}
	return "", false
}

// redactURL drops userinfo and the query (both may carry credentials) and
// caps the length.
func redactURL(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
		rest = "****@" + rest[at+1:]
	}
	if q := strings.IndexAny(rest, "?#"); q >= 0 {
		rest = rest[:q]
	}
	s := scheme + "://" + rest
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

func isSSHPort(p string) bool {
	num, proto, _ := strings.Cut(p, "/")
	return num == "22" && (proto == "" || strings.EqualFold(proto, "tcp"))
}

// runsSSHD reports whether an entrypoint or command starts sshd, directly
// or through a shell ("/bin/sh -c /usr/sbin/sshd -D").
func runsSSHD(args []string) bool {
	for _, a := range args {
		for _, w := range strings.FieldsFunc(a, func(r rune) bool { return r == ' ' || r == '\t' || r == ';' || r == '&' || r == '|' }) {
			if path.Base(w) == "sshd" {
				return true
			}
		}
	}
	return false
}

// refFinding judges the reference an image was named by: a digest is
// pinned; otherwise an explicit or implied "latest" tag is worse than
// another tag. An unparsable reference gives no finding.
func refFinding(ref string) (finding.Finding, bool) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return finding.Finding{}, false
	}
	switch r := r.(type) {
	case name.Digest:
		return finding.Finding{}, false
	case name.Tag:
		if r.TagStr() == "latest" {
			return finding.Finding{
				RuleID:      RuleLatestTag,
				Severity:    finding.SeverityMedium,
				Title:       "Image referenced by the latest tag",
				Message:     fmt.Sprintf("image %s is named by the mutable latest tag and no digest", r.String()),
				Remediation: "Reference the image by digest (name@sha256:...), or at least by a specific version tag.",
				Location:    finding.Location{Path: "ref"},
			}, true
		}
		return finding.Finding{
			RuleID:      RuleNoDigest,
			Severity:    finding.SeverityLow,
			Title:       "Image referenced without a digest",
			Message:     fmt.Sprintf("image %s is named by tag only; the tag can be moved to other content", r.String()),
			Remediation: "Reference the image by digest (name@sha256:...) so the deployed content is fixed.",
			Location:    finding.Location{Path: "ref"},
		}, true
	}
	return finding.Finding{}, false
}
