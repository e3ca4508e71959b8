package suppress

import (
	"errors"
	"io"
	"time"

	"github.com/vigil-sec/vigil/internal/match"
)

// Rules are the suppressions read from VEX documents and ignore files.
type Rules struct {
	rules []rule
}

type rule struct{}

// ParseVEX reads an OpenVEX or CycloneDX VEX document (JSON), detected by
// its content. Only statements with status not_affected (OpenVEX) or state
// not_affected / false_positive (CycloneDX analysis) suppress; others are
// kept for reports but suppress nothing. file names the document in errors
// and in Suppressed.File.
func ParseVEX(r io.Reader, file string) (*Rules, error) {
	return nil, errors.New("suppress.ParseVEX: not implemented")
}

// ParseIgnoreFile reads a vigil ignore file (YAML; see doc.go): entries
// with an ID (CVE or advisory ID, matched against Finding.ID and its
// aliases), optional package (name or PURL), a required reason and an
// optional expiry date. An entry without a reason is an error.
func ParseIgnoreFile(r io.Reader, file string) (*Rules, error) {
	return nil, errors.New("suppress.ParseIgnoreFile: not implemented")
}

// Merge combines rule sets.
func Merge(rs ...*Rules) *Rules { return &Rules{} }

// Apply splits findings into the kept and the suppressed. Expired ignore
// entries suppress nothing and are returned as warnings.
func (r *Rules) Apply(findings []match.Finding, now time.Time) (kept []match.Finding, suppressed []match.Suppressed, warnings []string) {
	return findings, nil, nil
}
