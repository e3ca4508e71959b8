package scan

import (
	"context"
	"fmt"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/suppress"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// DB is what the vulnerability stage reads: matching data and the
// description of the database for the report. *vulndb.DB implements it.
type DB interface {
	match.Source
	Meta() (vulndb.Meta, error)
	Sources() ([]vulndb.SourceInfo, error)
}

// VulnConfig tunes the vulnerability stage.
type VulnConfig struct {
	// Filter drops findings below a severity or without a fix.
	Filter match.FilterOptions
	// Rules suppress findings (VEX, ignore file); nil suppresses nothing.
	Rules *suppress.Rules
	// MaxAge is how old the newest import may be before the result warns;
	// 0 never warns.
	MaxAge time.Duration
	// Now is the time for expiry and age checks; zero means time.Now.
	Now time.Time
}

// Vulnerabilities matches inv against db and applies filters and
// suppressions: the vulnerability report of one scan.
func Vulnerabilities(ctx context.Context, inv *inventory.Inventory, db DB, cfg VulnConfig) (*match.Result, error) {
	now := cfg.Now
	if now.IsZero() {
		now = time.Now()
	}
	meta, err := db.Meta()
	if err != nil {
		return nil, fmt.Errorf("read database description: %w", err)
	}
	sources, err := db.Sources()
	if err != nil {
		return nil, fmt.Errorf("read database sources: %w", err)
	}
	res := &match.Result{Inventory: inv, DB: match.DBInfo{Built: meta.Built, Sources: sources}}
	res.Warnings = append(res.Warnings, ageWarnings(sources, cfg.MaxAge, now)...)

	findings, err := match.Match(ctx, db, inv, match.Options{Now: now})
	if err != nil {
		return nil, fmt.Errorf("match %s: %w", inv.Source.Name, err)
	}
	findings = match.Filter(findings, cfg.Filter)
	if cfg.Rules != nil {
		var warn []string
		rules := cfg.Rules.ForTarget(inv.Source.Name, inv.Source.Digest)
		findings, res.Suppressed, warn = rules.Apply(findings, now)
		res.Warnings = append(res.Warnings, warn...)
	}
	if findings == nil {
		findings = []match.Finding{}
	}
	res.Findings = findings
	return res, nil
}

// ageWarnings names the sources whose data is older than maxAge (by the
// data's own date where the source gives one, else by the import time),
// and warns when there are none at all.
func ageWarnings(sources []vulndb.SourceInfo, maxAge time.Duration, now time.Time) []string {
	if len(sources) == 0 {
		return []string{"the vulnerability database holds no sources: run 'vigil db update' or 'vigil db import'"}
	}
	if maxAge <= 0 {
		return nil
	}
	var out []string
	for _, s := range sources {
		when, what := s.DataTime, "has data as of"
		if when.IsZero() {
			when, what = s.Imported, "was imported"
		}
		if age := now.Sub(when); age > maxAge {
			out = append(out, fmt.Sprintf("source %s %s %s, %s ago (more than %s): run 'vigil db update'",
				s.Name, what, when.UTC().Format("2006-01-02"), roundAge(age), roundAge(maxAge)))
		}
	}
	return out
}

func roundAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
	return d.Round(time.Minute).String()
}
