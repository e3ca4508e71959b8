package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"
	"github.com/vigil-sec/vigil/internal/finding"
)

// Decision is the outcome of evaluating a policy. A denial is a result, not
// an error.
type Decision struct {
	Allowed    bool        `json:"allowed"`
	Violations []Violation `json:"violations"`
}

// Violation is one rule that denied the image.
type Violation struct {
	// Rule is "registries", "signers", "vulnerabilities.maxSeverity",
	// "vulnerabilities.deny", "maxAge", "labels", "podSecurity", "secrets",
	// "misconfigurations" or "rules/<name>".
	Rule string `json:"rule"`
	// Message says in one line what was found and why it is denied.
	Message string `json:"message"`
}

// Rule names as Violation.Rule carries them.
const (
	RuleRegistries      = "registries"
	RuleSigners         = "signers"
	RuleVulnMaxSeverity = "vulnerabilities.maxSeverity"
	RuleVulnDeny        = "vulnerabilities.deny"
	RuleMaxAge          = "maxAge"
	RuleLabels          = "labels"
	RulePodSecurity     = "podSecurity"
	RuleSecrets         = "secrets"
	RuleMisconfig       = "misconfigurations"
	RuleCustomPrefix    = "rules/"
)

// maxListed is how many items a violation message names before "and N more".
const maxListed = 5

// maxMessage caps a violation message, in bytes.
const maxMessage = 1000

// Evaluate decides on in at time now. It is pure (no I/O, no clock) and
// safe for concurrent use. Violations come in a fixed order: the built-in
// rules in the order doc.go lists them, then the custom rules in file order;
// each rule reports at most one violation. A nil in is an empty Input.
func (p *Policy) Evaluate(in *Input, now time.Time) Decision {
	if in == nil {
		in = &Input{}
	}
	var vs []Violation
	add := func(rule, format string, args ...any) {
		vs = append(vs, Violation{Rule: rule, Message: oneLine(fmt.Sprintf(format, args...))})
	}
	p.checkRegistries(in, add)
	p.checkSigners(in, add)
	p.checkVulns(in, add)
	p.checkAge(in, now, add)
	p.checkLabels(in, add)
	p.checkPodSecurity(in, add)
	checkFindings(p.secrets, RuleSecrets, "secret", in, true, add)
	checkFindings(p.misconfigs, RuleMisconfig, "misconfiguration", in, false, add)
	if len(p.rules) > 0 {
		act, err := newActivation(p.cel, in, now)
		for _, r := range p.rules {
			if err != nil {
				add(RuleCustomPrefix+r.name, "rule %s: cannot bind input: %v", r.name, err)
				continue
			}
			if msg, deny := r.eval(act); deny {
				add(RuleCustomPrefix+r.name, "%s", msg)
			}
		}
	}
	return Decision{Allowed: len(vs) == 0, Violations: vs}
}

type addFunc func(rule, format string, args ...any)

func (p *Policy) checkRegistries(in *Input, add addFunc) {
	if len(p.registries) == 0 {
		return
	}
	pats := make([]string, len(p.registries))
	for i, g := range p.registries {
		pats[i] = g.src
	}
	if in.Image.Registry == "" || in.Image.Repository == "" {
		add(RuleRegistries, "image %q does not name a registry and repository; allowed: %s", in.Image.Ref, listSome(pats))
		return
	}
	name := in.Image.Registry + "/" + in.Image.Repository
	for _, g := range p.registries {
		if g.match(name) {
			return
		}
	}
	add(RuleRegistries, "image %q (%s) is not in an allowed registry or repository: %s", in.Image.Ref, name, listSome(pats))
}

func (p *Policy) checkSigners(in *Input, add addFunc) {
	if len(p.signers) == 0 {
		return
	}
	have := make(map[string]bool, len(in.Signatures))
	for _, s := range in.Signatures {
		have[strings.ToLower(s.KeyID)] = true
	}
	var signed, missing []string
	for _, s := range p.signers {
		if have[s.KeyID] {
			signed = append(signed, s.Name)
		} else {
			missing = append(missing, s.Name)
		}
	}
	if len(signed) >= p.minSigners {
		return
	}
	if len(signed) == 0 {
		add(RuleSigners, "no valid signature by a required signer (%d of %d needed: %s)", p.minSigners, len(p.signers), listSome(missing))
		return
	}
	add(RuleSigners, "signed by %s only; %d of %d signers needed, missing: %s", listSome(signed), p.minSigners, len(p.signers), listSome(missing))
}

func (p *Policy) checkVulns(in *Input, add addFunc) {
	v := p.vulns
	if v == nil {
		return
	}
	if v.hasMax {
		var over []*Vulnerability
		for i := range in.Vulnerabilities {
			x := &in.Vulnerabilities[i]
			if !v.none && x.Severity <= v.max {
				continue
			}
			if v.onlyFixable && !x.Fixable {
				continue
			}
			if v.ignored(x) {
				continue
			}
			over = append(over, x)
		}
		if len(over) > 0 {
			slices.SortStableFunc(over, func(a, b *Vulnerability) int {
				if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
					return c
				}
				return cmp.Compare(a.ID, b.ID)
			})
			items := make([]string, len(over))
			for i, x := range over {
				items[i] = describeVuln(x, true)
			}
			what := plural(len(over), "vulnerability", "vulnerabilities")
			if v.onlyFixable {
				what = "fixable " + what
			}
			if v.none {
				add(RuleVulnMaxSeverity, "%d %s, none allowed: %s", len(over), what, listSome(items))
			} else {
				add(RuleVulnMaxSeverity, "%d %s above maxSeverity %s: %s", len(over), what, v.maxText, listSome(items))
			}
		}
	}
	if len(v.deny) > 0 {
		var hits []string
		for i := range in.Vulnerabilities {
			x := &in.Vulnerabilities[i]
			if v.deny[strings.ToUpper(x.ID)] {
				hits = append(hits, describeVuln(x, false))
				continue
			}
			for _, a := range x.Aliases {
				if v.deny[strings.ToUpper(a)] {
					hits = append(hits, a+" as "+describeVuln(x, false))
					break
				}
			}
		}
		if len(hits) > 0 {
			slices.Sort(hits)
			hits = slices.Compact(hits)
			add(RuleVulnDeny, "denied vulnerabilities present: %s", listSome(hits))
		}
	}
}

func (v *vulnRule) ignored(x *Vulnerability) bool {
	if len(v.ignore) == 0 {
		return false
	}
	if v.ignore[strings.ToUpper(x.ID)] {
		return true
	}
	for _, a := range x.Aliases {
		if v.ignore[strings.ToUpper(a)] {
			return true
		}
	}
	return false
}

func describeVuln(x *Vulnerability, withSeverity bool) string {
	var b strings.Builder
	b.WriteString(x.ID)
	if withSeverity {
		b.WriteString(" ")
		b.WriteString(x.Severity.String())
	}
	if x.Package.Name != "" {
		fmt.Fprintf(&b, " in %s %s", x.Package.Name, x.Package.Version)
	}
	if x.FixedVersion != "" {
		fmt.Fprintf(&b, " (fixed in %s)", x.FixedVersion)
	}
	return b.String()
}

func (p *Policy) checkAge(in *Input, now time.Time, add addFunc) {
	if p.maxAge == 0 {
		return
	}
	c := in.Image.Created
	if c.IsZero() {
		add(RuleMaxAge, "image creation time is unknown; maxAge %s needs it", p.maxAgeText)
		return
	}
	age := now.Sub(c)
	if age > p.maxAge {
		add(RuleMaxAge, "image is %s old (created %s), older than maxAge %s", formatAge(age), c.UTC().Format(time.RFC3339), p.maxAgeText)
	}
}

func formatAge(d time.Duration) string {
	days := int64(d / (24 * time.Hour))
	h := int64((d % (24 * time.Hour)) / time.Hour)
	if days == 0 {
		return d.Round(time.Second).String()
	}
	return fmt.Sprintf("%dd%dh", days, h)
}

func (p *Policy) checkLabels(in *Input, add addFunc) {
	if len(p.labels) == 0 {
		return
	}
	var problems []string
	for _, l := range p.labels {
		v, ok := in.Image.Labels[l.key]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%q missing", l.key))
		case l.value != nil && !l.value.MatchString(v):
			problems = append(problems, fmt.Sprintf("%q is %q, want a match of %q", l.key, clip(v, 100), l.text))
		}
	}
	if len(problems) > 0 {
		add(RuleLabels, "required labels: %s", strings.Join(problems, "; "))
	}
}

func (p *Policy) checkPodSecurity(in *Input, add addFunc) {
	w := in.Workload
	if w == nil || p.podSecurity == "" || p.podSecurity == "privileged" {
		return
	}
	fails := slices.Clone(w.PodSecurity.Baseline)
	if p.podSecurity == "restricted" {
		fails = append(fails, w.PodSecurity.Restricted...)
	}
	if len(fails) == 0 {
		return
	}
	slices.Sort(fails)
	fails = slices.Compact(fails)
	obj := w.Name
	if w.Namespace != "" {
		obj = w.Namespace + "/" + w.Name
	}
	add(RulePodSecurity, "%s %s does not meet Pod Security %q: fails %s", w.Kind, obj, p.podSecurity, listSome(fails))
}

func checkFindings(r *findingRule, ruleName, what string, in *Input, secrets bool, add addFunc) {
	if r == nil {
		return
	}
	var over []*Finding
	for i := range in.Findings {
		f := &in.Findings[i]
		if (f.Kind == finding.KindSecret) != secrets || r.ignore[f.RuleID] {
			continue
		}
		if r.none || f.Severity > r.max {
			over = append(over, f)
		}
	}
	if len(over) == 0 {
		return
	}
	slices.SortStableFunc(over, func(a, b *Finding) int { return cmp.Compare(b.Severity, a.Severity) })
	items := make([]string, len(over))
	for i, f := range over {
		items[i] = f.RuleID + " " + f.Severity.String()
		if f.Path != "" {
			items[i] += " in " + f.Path
		}
	}
	what += plural(len(over), " finding", " findings")
	if r.none {
		add(ruleName, "%d %s, none allowed: %s", len(over), what, listSome(items))
		return
	}
	add(ruleName, "%d %s above maxSeverity %s: %s", len(over), what, r.maxText, listSome(items))
}

// eval runs one custom rule; deny reports a violation with msg. A runtime
// error or an exceeded cost limit denies (fail closed).
func (r *rule) eval(act interpreter.Activation) (msg string, deny bool) {
	defer func() {
		if e := recover(); e != nil {
			msg, deny = fmt.Sprintf("rule %s: evaluation failed: %v", r.name, e), true
		}
	}()
	out, _, err := r.deny.Eval(act)
	if err != nil {
		return fmt.Sprintf("rule %s: evaluation error (denied): %v", r.name, err), true
	}
	b, ok := out.(types.Bool)
	if !ok {
		return fmt.Sprintf("rule %s: evaluation error (denied): result is %s, want bool", r.name, out.Type().TypeName()), true
	}
	if !b {
		return "", false
	}
	msg = r.message
	if r.msgExpr != nil {
		m, _, err := r.msgExpr.Eval(act)
		switch s, ok := m.(types.String); {
		case err != nil:
			msg = strings.TrimSpace(msg + fmt.Sprintf(" (messageExpression error: %v)", err))
		case !ok:
			msg = strings.TrimSpace(msg + " (messageExpression is not a string)")
		default:
			msg = string(s)
		}
	}
	if msg == "" {
		msg = "denied by rule " + r.name
	}
	return msg, true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func listSome(items []string) string {
	if len(items) <= maxListed {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:maxListed], ", "), len(items)-maxListed)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// oneLine makes a message one line of printable text: image data (labels,
// references, finding paths) is untrusted and may hold control characters.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
			return '?'
		}
		return r
	}, s)
	return clip(s, maxMessage)
}
