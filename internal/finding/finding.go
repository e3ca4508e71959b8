// Package finding holds the plain data that every detector other than the
// vulnerability matcher reports: secrets in files and image configuration,
// risky image configuration, Dockerfile and Kubernetes manifest checks. A
// finding has a stable rule ID, a severity, a one-line message, a
// remediation and where it was found; it never holds a secret's value.
package finding

import (
	"cmp"
	"slices"
	"time"
)

// Severity orders findings; the zero value is Unknown.
type Severity int

const (
	SeverityUnknown Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"unknown", "low", "medium", "high", "critical"}

// String is the lower-case name ("high").
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return "unknown"
	}
	return severityNames[s]
}

// ParseSeverity reads a name as String writes it (any case); ok is false
// for anything else.
func ParseSeverity(name string) (Severity, bool) {
	for i, n := range severityNames {
		if equalFold(n, name) {
			return Severity(i), true
		}
	}
	return SeverityUnknown, false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// MarshalText writes the name, so JSON carries "high", not 3.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a name; an unknown one is SeverityUnknown.
func (s *Severity) UnmarshalText(b []byte) error {
	*s, _ = ParseSeverity(string(b))
	return nil
}

// Kind says which detector produced a finding.
type Kind string

const (
	KindSecret     Kind = "secret"     // a credential in a file or the image config
	KindImage      Kind = "image"      // image configuration (CIS Docker Benchmark spirit)
	KindDockerfile Kind = "dockerfile" // a Dockerfile instruction
	KindKubernetes Kind = "kubernetes" // a Kubernetes manifest
)

// Location is where a finding was found. Fields that do not apply are empty
// (Line 0: no line; Layer "": a file outside an image, or the image config).
type Location struct {
	// Layer is the diff ID of the image layer holding the file.
	Layer string `json:"layer,omitempty"`
	// Path is the file, slash-separated and relative to the image root or to
	// the scanned directory, without a leading slash; for the image config
	// a pseudo path such as "config:Env" or "config:history[3]".
	Path string `json:"path,omitempty"`
	// Line and Column are 1-based; EndLine is the last line of a multi-line
	// match or object.
	Line    int `json:"line,omitempty"`
	Column  int `json:"column,omitempty"`
	EndLine int `json:"endLine,omitempty"`
	// Object names a Kubernetes object ("Deployment/default/web") and
	// Container one of its containers, where they apply.
	Object    string `json:"object,omitempty"`
	Container string `json:"container,omitempty"`
	// Deleted is set for a file that a later layer removed (still in the
	// image's history, still extractable).
	Deleted bool `json:"deleted,omitempty"`
}

// Finding is one problem a detector found.
type Finding struct {
	// RuleID is stable across releases ("VGL-SEC-AWS-ACCESS-KEY",
	// "VGL-K8S-PRIVILEGED"); reports and ignore files use it.
	RuleID   string   `json:"ruleID"`
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	// Title is the rule's short name; Message says what was found here, in
	// one line.
	Title   string `json:"title"`
	Message string `json:"message"`
	// Remediation says how to fix it, in one or two sentences.
	Remediation string   `json:"remediation,omitempty"`
	Location    Location `json:"location"`
	// Match is a redacted excerpt for secrets ("AKIA****************"):
	// never the secret itself. Empty for other kinds.
	Match string `json:"match,omitempty"`
	// References are URLs explaining the rule (CIS, Kubernetes docs, ...).
	References []string `json:"references,omitempty"`
}

// Sort orders findings for reports, in place: most severe first, then by
// path, line, column, rule and layer.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.Location.Path, b.Location.Path),
			cmp.Compare(a.Location.Line, b.Location.Line), cmp.Compare(a.Location.Column, b.Location.Column),
			cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.Location.Layer, b.Location.Layer))
	})
}

// Suppressed is a finding an ignore-file entry suppressed, with the entry's
// file, reason and expiry.
type Suppressed struct {
	Finding Finding   `json:"finding"`
	File    string    `json:"file"`
	Reason  string    `json:"reason"`
	Expires time.Time `json:"expires,omitzero"`
}
