package match

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	cvss20 "github.com/pandatix/go-cvss/20"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	cvss40 "github.com/pandatix/go-cvss/40"
)

var severityNames = [...]string{
	SeverityUnknown:    "unknown",
	SeverityNegligible: "negligible",
	SeverityLow:        "low",
	SeverityMedium:     "medium",
	SeverityHigh:       "high",
	SeverityCritical:   "critical",
}

// String is the lower-case name: "critical", "high", "medium", "low",
// "negligible" or "unknown"; a value out of range is "severity(N)".
func (s Severity) String() string {
	if s >= 0 && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "severity(" + strconv.Itoa(int(s)) + ")"
}

// ParseSeverity reads a severity name as String writes it, ignoring case
// and surrounding blanks ("HIGH", " critical "). Only the six names are
// accepted: a flag or file that says "moderate" is an error, not a guess.
func ParseSeverity(s string) (Severity, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for i, n := range severityNames {
		if t == n {
			return Severity(i), nil
		}
	}
	return SeverityUnknown, fmt.Errorf("unknown severity %q (want one of critical, high, medium, low, negligible, unknown)", clipString(s, 40))
}

// MarshalText writes the name, so that a Severity is a readable JSON value
// and map key.
func (s Severity) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(severityNames) {
		return nil, fmt.Errorf("marshal severity: value %d out of range", int(s))
	}
	return []byte(severityNames[s]), nil
}

// UnmarshalText reads a name as ParseSeverity does.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalJSON writes the name as a JSON string ("high").
func (s Severity) MarshalJSON() ([]byte, error) {
	b, err := s.MarshalText()
	if err != nil {
		return nil, err
	}
	return json.Marshal(string(b))
}

// UnmarshalJSON reads a JSON string holding a name; anything else is an error.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return fmt.Errorf("severity: want a string: %w", err)
	}
	return s.UnmarshalText([]byte(name))
}

// distroSeverity maps a distribution's own rating to a Severity: Debian
// urgencies (unimportant, low, medium, high, "not yet assigned"), Ubuntu
// priorities (negligible, low, medium, high, critical, untriaged), Azure
// Linux / CBL-Mariner labels (Critical, High, Medium, Low) and the Red Hat
// words (important, moderate). ok is false for a label that says nothing
// ("not yet assigned", "untriaged", "", or one not known).
func distroSeverity(label string) (sev Severity, ok bool) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "critical":
		return SeverityCritical, true
	case "high", "important":
		return SeverityHigh, true
	case "medium", "moderate":
		return SeverityMedium, true
	case "low":
		return SeverityLow, true
	case "negligible", "unimportant":
		return SeverityNegligible, true
	}
	return SeverityUnknown, false
}

// cvssSeverity maps a CVSS base score to a level as NVD does for v3:
// >= 9 critical, >= 7 high, >= 4 medium, >= 0.1 low, else negligible.
func cvssSeverity(score float64) Severity {
	switch {
	case score >= 9:
		return SeverityCritical
	case score >= 7:
		return SeverityHigh
	case score >= 4:
		return SeverityMedium
	case score >= 0.1:
		return SeverityLow
	}
	return SeverityNegligible
}

// cvssScore computes the base score of a CVSS vector: "CVSS:4.0/...",
// "CVSS:3.1/...", "CVSS:3.0/..." or a v2 vector ("AV:N/AC:L/Au:N/C:P/I:P/A:P",
// optionally in parentheses or after "CVSS:2.0/"). ok is false for a vector
// that does not parse; the caller ignores it.
func cvssScore(vector string) (score float64, ok bool) {
	v := strings.TrimSpace(vector)
	if len(v) > 512 {
		return 0, false
	}
	switch {
	case strings.HasPrefix(v, "CVSS:4.0/"):
		c, err := cvss40.ParseVector(v)
		if err != nil {
			return 0, false
		}
		return c.Score(), true
	case strings.HasPrefix(v, "CVSS:3.1/"):
		c, err := cvss31.ParseVector(v)
		if err != nil {
			return 0, false
		}
		return c.BaseScore(), true
	case strings.HasPrefix(v, "CVSS:3.0/"):
		c, err := cvss30.ParseVector(v)
		if err != nil {
			return 0, false
		}
		return c.BaseScore(), true
	case strings.HasPrefix(v, "CVSS:"):
		if rest, ok := strings.CutPrefix(v, "CVSS:2.0/"); ok {
			v = rest
		} else {
			return 0, false
		}
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, "("), ")")
	if v == "" {
		return 0, false
	}
	c, err := cvss20.ParseVector(v)
	if err != nil {
		return 0, false
	}
	return c.BaseScore(), true
}

// clipString cuts s to at most n bytes (on a rune boundary) and marks the cut.
func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
