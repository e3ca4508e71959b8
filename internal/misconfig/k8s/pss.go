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
	id        policy.CheckID
	level     api.Level // the check's own level
	fn        policy.CheckPodFn
	overrides []policy.CheckID // the baseline checks it replaces at restricted
}

// pssPlan says which checks run at which level and how their failures are
// reported (see doc.go: each failing check once).
type pssPlan struct {
	// baseline is run and reported at baseline when that level is on.
	baseline []pssCheck
	// restricted is run and reported at restricted when that level is on:
	// only the restricted checks when baseline is on too (the baseline
	// checks restricted keeps were reported at baseline), else everything
	// the library's restricted evaluation runs.
	restricted []pssCheck
	// dedupe drops a restricted check's failure when a baseline check it
	// replaces failed (the concern is already reported at baseline).
	dedupe bool
}

// newPSS lays out the default checks for each level the way the library's
// evaluator does (policy/registry.go: populate): the newest version of each
// check; baseline IDs sorted, then restricted IDs sorted; restricted runs
// the baseline checks its checks do not override. It keeps the check IDs,
// which EvaluatePod's results do not carry; the tests hold the two to the
// same results on every fixture.
func newPSS(levels []string) pssPlan {
	var plan pssPlan
	if len(levels) == 0 {
		return plan
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
			pc.overrides = v.OverrideCheckIDs
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
	if slices.Contains(levels, string(api.LevelBaseline)) {
		plan.baseline = baseline
		plan.dedupe = true
	}
	if slices.Contains(levels, string(api.LevelRestricted)) {
		if plan.dedupe {
			plan.restricted = restricted
		} else {
			for _, c := range baseline {
				if !overridden[c.id] {
					plan.restricted = append(plan.restricted, c)
				}
			}
			plan.restricted = append(plan.restricted, restricted...)
		}
	}
	return plan
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
	var failed map[policy.CheckID]bool // baseline checks that failed
	for _, pc := range c.pss.baseline {
		if r := pc.fn(&w.podMeta, &w.spec); !r.Allowed {
			if failed == nil {
				failed = make(map[policy.CheckID]bool)
			}
			failed[pc.id] = true
			addPSS(t, w, api.LevelBaseline, pc, r)
		}
	}
	for _, pc := range c.pss.restricted {
		if c.pss.dedupe && slices.ContainsFunc(pc.overrides, func(id policy.CheckID) bool { return failed[id] }) {
			continue // the stricter version of a check that failed at baseline
		}
		if r := pc.fn(&w.podMeta, &w.spec); !r.Allowed {
			addPSS(t, w, api.LevelRestricted, pc, r)
		}
	}
}

// addPSS reports one failed check at a level: high for a baseline check,
// medium for a restricted one.
func addPSS(t *target, w *workload, level api.Level, pc pssCheck, r policy.CheckResult) {
	sev := finding.SeverityHigh
	if pc.level == api.LevelRestricted {
		sev = finding.SeverityMedium
	}
	msg := r.ForbiddenReason
	if r.ForbiddenDetail != "" {
		msg += " (" + r.ForbiddenDetail + ")"
	}
	t.add(Rule{
		ID:          PSSRuleID(string(level), string(pc.id)),
		Severity:    sev,
		Title:       "Pod Security Standards " + string(level) + ": " + r.ForbiddenReason,
		Remediation: "Change the pod spec so that it meets the " + string(level) + " Pod Security Standard.",
		References:  []string{pssDoc},
	}, w.specNode, "", msg)
}
