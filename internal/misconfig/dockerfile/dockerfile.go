package dockerfile

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/vigil-sec/vigil/internal/misconfig"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/vigil-sec/vigil/internal/finding"
)

// Rule IDs; stable across releases.
const (
	RuleRootUser      = "VGL-DF-ROOT-USER"
	RuleNoUser        = "VGL-DF-NO-USER"
	RuleSecretEnv     = "VGL-DF-SECRET-ENV"
	RuleSecretArg     = "VGL-DF-SECRET-ARG"
	RuleAddURL        = "VGL-DF-ADD-URL"
	RuleAddLocal      = "VGL-DF-ADD-NOT-COPY"
	RuleBaseLatest    = "VGL-DF-BASE-LATEST"
	RuleBaseNoDigest  = "VGL-DF-BASE-NO-DIGEST"
	RuleNoHealthcheck = "VGL-DF-NO-HEALTHCHECK"
	RuleExposeSSH     = "VGL-DF-EXPOSE-SSH"
	RuleAptCache      = "VGL-DF-APT-CACHE"
	RuleApkCache      = "VGL-DF-APK-CACHE"
	RuleYumCache      = "VGL-DF-YUM-CACHE"
	RulePipCache      = "VGL-DF-PIP-CACHE"
	RuleSudo          = "VGL-DF-SUDO"
	RuleCurlPipeShell = "VGL-DF-CURL-PIPE-SHELL"
)

// ErrTooLarge is returned for input over Options.MaxBytes.
var ErrTooLarge = errors.New("dockerfile too large")

// DefaultMaxBytes caps the input Check reads.
const DefaultMaxBytes = 1 << 20

// Options tunes Check.
type Options struct {
	// MaxBytes caps the input; 0 means DefaultMaxBytes.
	MaxBytes int64
	// AllowRoot turns off the final-stage user checks.
	AllowRoot bool
}

// DefaultOptions returns the options Check uses when none are set.
func DefaultOptions() Options { return Options{MaxBytes: DefaultMaxBytes} }

// Validate reports an unusable option.
func (o Options) Validate() error {
	if o.MaxBytes < 0 {
		return fmt.Errorf("dockerfile: negative MaxBytes %d", o.MaxBytes)
	}
	return nil
}

// stage is one FROM and the instructions after it.
type stage struct {
	from  *parser.Node
	name  string
	nodes []*parser.Node
	// parent is the earlier stage this one is built FROM, if any.
	parent *stage
}

// Check parses the Dockerfile read from r and returns its findings in file
// order. path is only recorded in each finding's location. A parse error or
// oversized input is an error and gives no findings.
func Check(ctx context.Context, r io.Reader, path string, opts Options) ([]finding.Finding, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	max := opts.MaxBytes
	if max == 0 {
		max = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read dockerfile %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("read dockerfile %s: over %d bytes: %w", path, max, ErrTooLarge)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parse dockerfile %s: %w", path, err)
	}
	c := &checker{path: path}
	globalArgs := map[string]string{}
	var stages []*stage
	stageNames := map[string]*stage{}
	for _, n := range res.AST.Children {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch strings.ToLower(n.Value) {
		case "from":
			s := &stage{from: n}
			args := nodeArgs(n)
			if len(args) >= 3 && strings.EqualFold(args[1], "as") {
				s.name = strings.ToLower(args[2])
			}
			c.checkFrom(n, args, stageNames, globalArgs)
			if len(args) > 0 {
				s.parent = stageNames[strings.ToLower(args[0])]
			}
			if s.name != "" {
				stageNames[s.name] = s
			}
			stages = append(stages, s)
			continue
		case "arg":
			if len(stages) == 0 {
				for a := n.Next; a != nil; a = a.Next {
					k, v, _ := strings.Cut(a.Value, "=")
					globalArgs[k] = unquote(v)
				}
			}
		}
		if len(stages) > 0 {
			s := stages[len(stages)-1]
			s.nodes = append(s.nodes, n)
		}
		c.checkAny(n)
	}
	if len(stages) > 0 {
		c.checkFinal(stages[len(stages)-1], opts)
	}
	sortFindings(c.out)
	return c.out, nil
}

type checker struct {
	path string
	out  []finding.Finding
}

func (c *checker) add(n *parser.Node, f finding.Finding) {
	f.Kind = finding.KindDockerfile
	f.Location = finding.Location{Path: c.path, Line: n.StartLine, EndLine: n.EndLine}
	c.out = append(c.out, f)
}

// nodeArgs returns the words after an instruction's keyword.
func nodeArgs(n *parser.Node) []string {
	var out []string
	for a := n.Next; a != nil; a = a.Next {
		out = append(out, a.Value)
	}
	return out
}

var argRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::[-+][^}]*)?\}?`)

func (c *checker) checkFrom(n *parser.Node, args []string, earlier map[string]*stage, globalArgs map[string]string) {
	if len(args) == 0 {
		return
	}
	ref := argRef.ReplaceAllStringFunc(args[0], func(m string) string {
		k := argRef.FindStringSubmatch(m)[1]
		if v, ok := globalArgs[k]; ok && v != "" {
			return v
		}
		return m
	})
	if strings.Contains(ref, "$") || strings.EqualFold(ref, "scratch") {
		return
	}
	if earlier[strings.ToLower(ref)] != nil {
		return
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return
	}
	t, ok := r.(name.Tag)
	if !ok {
		return // pinned by digest
	}
	if strings.Contains(ref, "@") {
		return // tag@digest: ParseReference gives a Digest; defensive
	}
	if t.TagStr() == "latest" {
		c.add(n, finding.Finding{
			RuleID:      RuleBaseLatest,
			Severity:    finding.SeverityMedium,
			Title:       "Base image uses the latest tag",
			Message:     fmt.Sprintf("FROM %s uses the mutable latest tag (explicit or implied) and no digest", ref),
			Remediation: "Pin the base image by digest (FROM image:tag@sha256:...) and let a bot update it.",
		})
		return
	}
	c.add(n, finding.Finding{
		RuleID:      RuleBaseNoDigest,
		Severity:    finding.SeverityLow,
		Title:       "Base image not pinned by digest",
		Message:     fmt.Sprintf("FROM %s names a tag, which can be moved to other content", ref),
		Remediation: "Pin the base image by digest (FROM image:tag@sha256:...) and let a bot update it.",
	})
}

// checkAny runs the checks that apply in every stage.
func (c *checker) checkAny(n *parser.Node) {
	switch strings.ToLower(n.Value) {
	case "env":
		for k := n.Next; k != nil && k.Next != nil; k = k.Next.Next.Next {
			if literalValue(k.Next.Value) && misconfig.SecretName(k.Value) {
				c.add(n, finding.Finding{
					RuleID:      RuleSecretEnv,
					Severity:    finding.SeverityHigh,
					Title:       "Credential in ENV",
					Message:     fmt.Sprintf("ENV %s looks like a credential and sets a literal value that stays in the image", k.Value),
					Remediation: "Pass credentials at run time, or use build secrets (RUN --mount=type=secret) during the build; rotate this one.",
				})
			}
			if k.Next.Next == nil {
				break
			}
		}
	case "arg":
		for a := n.Next; a != nil; a = a.Next {
			k, v, ok := strings.Cut(a.Value, "=")
			if ok && literalValue(v) && misconfig.SecretName(k) {
				c.add(n, finding.Finding{
					RuleID:      RuleSecretArg,
					Severity:    finding.SeverityMedium,
					Title:       "Credential default in ARG",
					Message:     fmt.Sprintf("ARG %s looks like a credential and has a literal default, recorded in the image history when used", k),
					Remediation: "Use build secrets (RUN --mount=type=secret) for credentials, not ARG; remove the default and rotate it.",
				})
			}
		}
	case "add":
		c.checkAdd(n)
	case "run":
		c.checkRun(n)
	}
}

func (c *checker) checkAdd(n *parser.Node) {
	args := nodeArgs(n)
	if len(args) < 2 {
		return
	}
	srcs := args[:len(args)-1]
	local := true
	for _, s := range srcs {
		ls := strings.ToLower(s)
		switch {
		case strings.HasPrefix(ls, "http://"), strings.HasPrefix(ls, "https://"):
			local = false
			if !hasFlag(n, "checksum") {
				c.add(n, finding.Finding{
					RuleID:      RuleAddURL,
					Severity:    finding.SeverityMedium,
					Title:       "ADD from a URL",
					Message:     "ADD downloads a remote file without a checksum",
					Remediation: "Download with curl or wget in a RUN step and verify a checksum, or use ADD --checksum=sha256:..., or COPY a vendored file.",
				})
			}
		case strings.HasPrefix(ls, "git@"), strings.HasSuffix(ls, ".git"), strings.Contains(ls, "://"):
			local = false
		case isArchive(ls), strings.Contains(ls, "$"), strings.HasPrefix(ls, "<<"):
			local = false
		}
	}
	if local && len(n.Heredocs) == 0 {
		c.add(n, finding.Finding{
			RuleID:      RuleAddLocal,
			Severity:    finding.SeverityLow,
			Title:       "ADD where COPY suffices",
			Message:     "ADD copies local files that are not archives; its URL and auto-extract behaviour are not needed",
			Remediation: "Use COPY for local files.",
		})
	}
}

func hasFlag(n *parser.Node, name string) bool {
	for _, f := range n.Flags {
		if strings.HasPrefix(f, "--"+name+"=") || f == "--"+name {
			return true
		}
	}
	return false
}

func isArchive(s string) bool {
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".gz", ".bz2", ".xz", ".zst"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return false
}

// runText returns a RUN's command text: the shell-form string, the JSON
// words joined, and any heredoc bodies.
func runText(n *parser.Node) string {
	var b strings.Builder
	a := n.Next
	if n.Attributes["json"] && a != nil && a.Next != nil && a.Next.Value == "-c" && isShell(a.Value) {
		a = a.Next.Next // ["/bin/sh", "-c", "cmd"]: judge cmd
	}
	for ; a != nil; a = a.Next {
		b.WriteString(a.Value)
		b.WriteByte(' ')
	}
	for _, h := range n.Heredocs {
		b.WriteByte('\n')
		b.WriteString(h.Content)
	}
	return b.String()
}

var (
	shellCmd = regexp.MustCompile(`^(?:sudo\s+(?:-\S+\s+)*)?(?:/usr)?(?:/bin/)?(?:ba|z|da|a|k)?sh\b`)
)

func (c *checker) checkRun(n *parser.Node) {
	text := runText(n)
	sudo, pipe := false, false
	for _, cmd := range splitCommands(text) {
		parts := strings.Split(cmd, "|")
		for i, p := range parts {
			w := strings.Fields(p)
			if len(w) > 0 && w[0] == "sudo" {
				sudo = true
			}
			if i > 0 && shellCmd.MatchString(strings.TrimSpace(p)) {
				for _, q := range parts[:i] {
					if f := strings.Fields(q); len(f) > 0 && (baseName(f[0]) == "curl" || baseName(f[0]) == "wget") {
						pipe = true
					}
				}
			}
		}
	}
	if sudo {
		c.add(n, finding.Finding{
			RuleID:      RuleSudo,
			Severity:    finding.SeverityMedium,
			Title:       "sudo in RUN",
			Message:     "RUN uses sudo; build steps already run as the current USER and sudo in the image widens privilege",
			Remediation: "Switch USER to root for the step that needs it and back afterwards; do not install sudo in the image.",
		})
	}
	if pipe {
		c.add(n, finding.Finding{
			RuleID:      RuleCurlPipeShell,
			Severity:    finding.SeverityMedium,
			Title:       "Download piped into a shell",
			Message:     "RUN pipes curl or wget output straight into a shell, running unverified remote code",
			Remediation: "Download to a file, verify its checksum or signature, then run it.",
		})
	}
}

// splitCommands splits shell text on &&, ||, ; and newlines (quoting is
// not understood); pipes stay inside a command.
func splitCommands(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ';', '\n':
			out = append(out, s[start:i])
			start = i + 1
		case '&', '|':
			if i+1 < len(s) && s[i+1] == s[i] {
				out = append(out, s[start:i])
				start = i + 2
				i++
			}
		}
	}
	return append(out, s[start:])
}

func isShell(s string) bool {
	switch baseName(s) {
	case "sh", "bash", "ash", "dash", "zsh", "ksh":
		return true
	}
	return false
}

func baseName(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

var (
	aptInstall   = regexp.MustCompile(`\bapt(?:-get)?\s+(?:-\S+\s+)*install\b`)
	aptClean     = regexp.MustCompile(`rm\s+(?:-\S+\s+)*[^\n;&|]*/var/lib/apt/lists`)
	apkAdd       = regexp.MustCompile(`\bapk\s+(?:-\S+\s+)*add\b[^\n;&|]*`)
	apkClean     = regexp.MustCompile(`rm\s+(?:-\S+\s+)*[^\n;&|]*/var/cache/apk`)
	yumInstall   = regexp.MustCompile(`\b(?:yum|dnf|microdnf|tdnf)\s+(?:-\S+\s+)*install\b`)
	yumClean     = regexp.MustCompile(`\b(?:yum|dnf|microdnf|tdnf)\s+(?:-\S+\s+)*clean\s+all\b|rm\s+(?:-\S+\s+)*[^\n;&|]*/var/cache/(?:yum|dnf)`)
	pipInstall   = regexp.MustCompile(`\bpip[0-9.]*\s+(?:-\S+\s+)*install\b[^\n;&|]*`)
	cacheMountRe = regexp.MustCompile(`^--mount=.*type=cache`)
)

// checkFinal runs the checks about the resulting image on the last stage.
func (c *checker) checkFinal(s *stage, opts Options) {
	var lastUser *parser.Node
	var health *parser.Node
	pipNoCacheEnv := false
	for _, n := range s.nodes {
		switch strings.ToLower(n.Value) {
		case "user":
			lastUser = n
		case "healthcheck":
			health = n
		case "env":
			for k := n.Next; k != nil && k.Next != nil; k = k.Next.Next.Next {
				if strings.EqualFold(k.Value, "PIP_NO_CACHE_DIR") {
					pipNoCacheEnv = true
				}
				if k.Next.Next == nil {
					break
				}
			}
		case "expose":
			for _, p := range nodeArgs(n) {
				num, proto, _ := strings.Cut(p, "/")
				if num == "22" && (proto == "" || strings.EqualFold(proto, "tcp")) {
					c.add(n, finding.Finding{
						RuleID:      RuleExposeSSH,
						Severity:    finding.SeverityMedium,
						Title:       "SSH port exposed",
						Message:     "EXPOSE 22 suggests an SSH server in the container",
						Remediation: "Do not run an SSH server in a container; use kubectl exec or docker exec for access.",
					})
				}
			}
		case "run":
			c.checkCaches(n, pipNoCacheEnv)
		}
	}
	// A stage built FROM an earlier stage inherits its USER and HEALTHCHECK.
	for p := s.parent; p != nil && (lastUser == nil || health == nil); p = p.parent {
		for i := len(p.nodes) - 1; i >= 0; i-- {
			switch strings.ToLower(p.nodes[i].Value) {
			case "user":
				if lastUser == nil {
					lastUser = p.nodes[i]
				}
			case "healthcheck":
				if health == nil {
					health = p.nodes[i]
				}
			}
		}
	}
	if !opts.AllowRoot {
		switch {
		case lastUser == nil:
			c.add(s.from, finding.Finding{
				RuleID:      RuleNoUser,
				Severity:    finding.SeverityMedium,
				Title:       "No USER in the final stage",
				Message:     "the final stage sets no USER, so the image runs as its base image's user (root for most bases)",
				Remediation: "Create an unprivileged user and add USER with it (a numeric UID such as 10001) at the end of the final stage.",
			})
		case isRootUser(nodeArgs(lastUser)):
			c.add(lastUser, finding.Finding{
				RuleID:      RuleRootUser,
				Severity:    finding.SeverityHigh,
				Title:       "Final USER is root",
				Message:     "the last USER of the final stage is root, so the image runs as root",
				Remediation: "End the final stage with USER set to an unprivileged user (a numeric UID such as 10001).",
			})
		}
	}
	if health == nil || strings.EqualFold(strings.Join(nodeArgs(health), " "), "none") {
		at := s.from
		if health != nil {
			at = health
		}
		c.add(at, finding.Finding{
			RuleID:      RuleNoHealthcheck,
			Severity:    finding.SeverityLow,
			Title:       "No HEALTHCHECK",
			Message:     "the final stage defines no health check",
			Remediation: "Add a HEALTHCHECK instruction, or rely on orchestrator probes and suppress this rule.",
		})
	}
}

func isRootUser(args []string) bool {
	if len(args) == 0 {
		return true
	}
	user, _, _ := strings.Cut(unquote(args[0]), ":")
	return user == "root" || strings.Trim(user, "0") == "" && user != ""
}

func (c *checker) checkCaches(n *parser.Node, pipNoCacheEnv bool) {
	for _, f := range n.Flags {
		if cacheMountRe.MatchString(f) {
			return // the cache lives in a build cache mount, not the layer
		}
	}
	text := runText(n)
	if aptInstall.MatchString(text) && !aptClean.MatchString(text) {
		c.add(n, finding.Finding{
			RuleID:      RuleAptCache,
			Severity:    finding.SeverityLow,
			Title:       "apt lists left in the image",
			Message:     "apt-get install without removing /var/lib/apt/lists in the same RUN leaves the package lists in the layer",
			Remediation: "End the RUN with && rm -rf /var/lib/apt/lists/*, or use RUN --mount=type=cache.",
		})
	}
	if !apkClean.MatchString(text) {
		for _, m := range apkAdd.FindAllString(text, -1) {
			if !strings.Contains(m, "--no-cache") {
				c.add(n, finding.Finding{
					RuleID:      RuleApkCache,
					Severity:    finding.SeverityLow,
					Title:       "apk cache left in the image",
					Message:     "apk add without --no-cache leaves the package index in the layer",
					Remediation: "Use apk add --no-cache.",
				})
				break
			}
		}
	}
	if yumInstall.MatchString(text) && !yumClean.MatchString(text) {
		c.add(n, finding.Finding{
			RuleID:      RuleYumCache,
			Severity:    finding.SeverityLow,
			Title:       "yum/dnf cache left in the image",
			Message:     "yum or dnf install without a clean in the same RUN leaves the package cache in the layer",
			Remediation: "End the RUN with && yum clean all (or dnf clean all) && rm -rf /var/cache/yum /var/cache/dnf.",
		})
	}
	if !pipNoCacheEnv {
		for _, m := range pipInstall.FindAllString(text, -1) {
			if !strings.Contains(m, "--no-cache-dir") {
				c.add(n, finding.Finding{
					RuleID:      RulePipCache,
					Severity:    finding.SeverityLow,
					Title:       "pip cache left in the image",
					Message:     "pip install without --no-cache-dir leaves downloaded wheels in the layer",
					Remediation: "Use pip install --no-cache-dir, or set ENV PIP_NO_CACHE_DIR=1.",
				})
				break
			}
		}
	}
}

// literalValue reports whether an ENV or ARG value is a non-empty literal,
// not only a reference to another variable.
func literalValue(v string) bool {
	v = strings.TrimSpace(unquote(v))
	if v == "" {
		return false
	}
	return strings.TrimSpace(argRef.ReplaceAllString(v, "")) != ""
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

func sortFindings(fs []finding.Finding) {
	slices.SortStableFunc(fs, func(a, b finding.Finding) int { return cmp.Compare(a.Location.Line, b.Location.Line) })
}
