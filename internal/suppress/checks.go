package suppress

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

// isCheckID reports whether an ignore-file id names one of vigil's own
// secret or misconfiguration rules rather than a vulnerability.
func isCheckID(id string) bool { return strings.HasPrefix(id, "VGL-") }

// validPathPattern checks an ignore-file path pattern: path.Match syntax,
// with a final "/**" meaning everything below a directory.
func validPathPattern(p string) error {
	if _, err := path.Match(strings.TrimSuffix(p, "/**"), ""); err != nil {
		return fmt.Errorf("%q: %w", p, err)
	}
	return nil
}

// matchPath reports whether a finding's path matches pattern: path.Match
// over the whole path ("app/*.env", "config:Env"), or, for a pattern
// ending in "/**", any path below that directory ("root/go/pkg/**").
func matchPath(pattern, p string) bool {
	if dir, ok := strings.CutSuffix(pattern, "/**"); ok {
		if ok, _ := path.Match(dir, p); ok {
			return true
		}
		for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
			if ok, _ := path.Match(dir, d); ok {
				return true
			}
		}
		return false
	}
	ok, _ := path.Match(pattern, p)
	return ok
}

// ApplyChecks suppresses secret and misconfiguration findings with the
// ignore-file entries whose id is the finding's rule ID and whose path,
// when given, matches the finding's path (VEX statements are about
// vulnerabilities and never apply). An entry past its expiry suppresses
// nothing. Warnings name each such entry that has expired and each
// unexpired one that matched no finding; Apply leaves these entries to it.
func (r *Rules) ApplyChecks(fs []finding.Finding, now time.Time) (kept []finding.Finding, suppressed []finding.Suppressed, _ []string) {
	if r == nil || len(r.rules) == 0 {
		return fs, nil, nil
	}
	used := make([]bool, len(r.rules))
	for _, f := range fs {
		var hit *rule
		for _, ri := range r.byID[f.RuleID] {
			x := r.rules[ri]
			if x.kind != KindIgnoreFile || !x.expires.IsZero() && !now.Before(x.expires) {
				continue
			}
			if x.path != "" && !matchPath(x.path, f.Location.Path) {
				continue
			}
			used[ri] = true
			if hit == nil {
				hit = x
			}
		}
		if hit == nil {
			kept = append(kept, f)
			continue
		}
		suppressed = append(suppressed, finding.Suppressed{Finding: f, File: hit.file, Reason: hit.reason, Expires: hit.expires})
	}
	if kept == nil && fs != nil {
		kept = []finding.Finding{}
	}
	return kept, suppressed, r.ignoreWarnings(used, now, true)
}
