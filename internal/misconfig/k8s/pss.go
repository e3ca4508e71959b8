package k8s

import (
	"slices"
	"strings"
	"unicode"

	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/vigil-sec/vigil/internal/finding"
)

// pssCheck is one Pod Security Standards check as the evaluator of
// k8s.io/pod-security-admission runs it at the latest policy version.
type pssCheck struct {
	id    policy.CheckID
	level api.Level // the check's own level
	fn    policy.CheckPodFn
}

type pssLevel struct {
	level  api.Level
	checks []pssCheck
}

// newPSS lays out the default checks for each level the way the library's
// evaluator does (policy/registry.go: populate): the newest version of each
// check; baseline IDs sorted, then restricted IDs sorted; restricted runs
// the baseline checks its checks do not override. It keeps the check IDs,
// which EvaluatePod's results do not carry; the tests hold the two to the
// same results on every fixture.
func newPSS(levels []string) []pssLevel {
	if len(levels) == 0 {
		return nil
	}
	var baseline, restricted []pssCheck
	overridden := map[policy.CheckID]bool{}
	for _, c := range policy.DefaultChecks() {
		if len(c.Versions) == 0 {
			continue
		}
		v := c.Versions[len(c.Versions)-1]
		pc := pssCheck{id: c.ID, level: c.Level, fn: v.CheckPod}
		if c.Level == api.LevelRestricted {
			restricted = append(restricted, pc)
			for _, o := range v.OverrideCheckIDs {
				overridden[o] = true
			}
		} else {
			baseline = append(baseline, pc)
		}
	}
	byID := func(a, b pssCheck) int { return strings.Compare(string(a.id), string(b.id)) }
	slices.SortFunc(baseline, byID)
	slices.SortFunc(restricted, byID)
	var out []pssLevel
	for _, l := range levels {
		switch api.Level(l) {
		case api.LevelBaseline:
			out = append(out, pssLevel{level: api.LevelBaseline, checks: baseline})
		case api.LevelRestricted:
			var all []pssCheck
			for _, c := range baseline {
				if !overridden[c.id] {
					all = append(all, c)
				}
			}
			out = append(out, pssLevel{level: api.LevelRestricted, checks: append(all, restricted...)})
		}
	}
	return out
}

// PSSRuleID is the rule ID of a failed PSS check at a level:
// VGL-K8S-PSS-RESTRICTED-ALLOW-PRIVILEGE-ESCALATION for
// ("restricted", "allowPrivilegeEscalation").
func PSSRuleID(level, checkID string) string {
	var b strings.Builder
	b.WriteString("VGL-K8S-PSS-")
	b.WriteString(strings.ToUpper(level))
	b.WriteByte('-')
	prevLower := false
	for _, r := range checkID {
		switch {
		case r == '_' || r == '-':
			b.WriteByte('-')
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToUpper(r))
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	return b.String()
}

func (c *checker) checkPSS(t *target, w *workload) {
	for _, l := range c.pss {
		for _, pc := range l.checks {
			r := pc.fn(&w.podMeta, &w.spec)
			if r.Allowed {
				continue
			}
			sev := finding.SeverityHigh
			if pc.level == api.LevelRestricted {
				sev = finding.SeverityMedium
			}
			msg := r.ForbiddenReason
			if r.ForbiddenDetail != "" {
				msg += " (" + r.ForbiddenDetail + ")"
			}
			t.add(Rule{
				ID:          PSSRuleID(string(l.level), string(pc.id)),
				Severity:    sev,
				Title:       "Pod Security Standards " + string(l.level) + ": " + r.ForbiddenReason,
				Remediation: "Change the pod spec so that it meets the " + string(l.level) + " Pod Security Standard.",
				References:  []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/"},
			}, w.specNode, "", msg)
		}
	}
}
