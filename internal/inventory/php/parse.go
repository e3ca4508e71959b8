package php

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/nesting"
)

// parseLock reads a composer.lock: the "packages" and "packages-dev"
// arrays. Dev packages are reported too: `composer install` without
// --no-dev puts them in the image.
//
// It returns the packages, one error per malformed entry, and an error when
// the file as a whole cannot be read.
func (c *Cataloger) parseLock(b []byte, file string) ([]inventory.Package, []error, error) {
	if err := nesting.JSON(b, c.cfg.MaxDepth); err != nil {
		return nil, nil, err
	}
	var doc struct {
		Packages    []json.RawMessage `json:"packages"`
		PackagesDev []json.RawMessage `json:"packages-dev"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, err
	}
	r := c.newReader(file)
	if err := r.list("packages", doc.Packages); err != nil {
		return nil, nil, err
	}
	if err := r.list("packages-dev", doc.PackagesDev); err != nil {
		return nil, nil, err
	}
	return r.result()
}

// parseInstalled reads vendor/composer/installed.json: a JSON array of
// packages (Composer 1) or {"packages": [...], "dev": bool, ...}
// (Composer 2). Every package listed is installed, dev ones included.
func (c *Cataloger) parseInstalled(b []byte, file string) ([]inventory.Package, []error, error) {
	if err := nesting.JSON(b, c.cfg.MaxDepth); err != nil {
		return nil, nil, err
	}
	var doc struct {
		Packages []json.RawMessage `json:"packages"`
	}
	var err error
	if trimmed := bytes.TrimLeft(b, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		err = json.Unmarshal(b, &doc.Packages)
	} else {
		err = json.Unmarshal(b, &doc)
	}
	if err != nil {
		return nil, nil, err
	}
	r := c.newReader(file)
	if err := r.list("packages", doc.Packages); err != nil {
		return nil, nil, err
	}
	return r.result()
}

// reader collects the packages of one file.
type reader struct {
	c    *Cataloger
	file string
	pkgs []inventory.Package
	bad  []error
	n    int
}

func (c *Cataloger) newReader(file string) *reader { return &reader{c: c, file: file} }

func (r *reader) result() ([]inventory.Package, []error, error) {
	inventory.SortPackages(r.pkgs)
	pkgs := slices.CompactFunc(r.pkgs, func(a, b inventory.Package) bool {
		return a.Name == b.Name && a.Version == b.Version
	})
	return pkgs, r.bad, nil
}

// list reads one array of packages. (A list of the wrong type has failed
// the file: nothing in it can be trusted.)
func (r *reader) list(section string, entries []json.RawMessage) error {
	if r.n += len(entries); r.n > r.c.cfg.MaxEntries {
		return fmt.Errorf("more than %d packages", r.c.cfg.MaxEntries)
	}
	for i, e := range entries {
		if err := r.entry(e); err != nil {
			r.bad = append(r.bad, fmt.Errorf("%s[%d]: %w", section, i, err))
		}
	}
	return nil
}

func (r *reader) entry(raw json.RawMessage) error {
	var e struct {
		Name    string          `json:"name"`
		Version string          `json:"version"`
		License json.RawMessage `json:"license"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return err
	}
	if !validName(e.Name) {
		return fmt.Errorf("invalid name %s", inventory.Clip(e.Name, 80))
	}
	if devVersion(e.Version) {
		// A branch, not a release: no advisory names it.
		r.c.log.Debug("php: skipped development version", "path", r.file, "name", e.Name, "version", inventory.Clip(e.Version, 80))
		return nil
	}
	v := normalizeVersion(e.Version)
	if !validVersion(v) {
		return fmt.Errorf("package %s: invalid version %s", e.Name, inventory.Clip(e.Version, 80))
	}
	p := inventory.Package{Name: e.Name, Version: v, Type: inventory.TypeComposer, Path: r.file}
	lic, err := licenses(e.License)
	if err != nil {
		// The package stands; only its licences are lost.
		r.bad = append(r.bad, fmt.Errorf("package %s: license: %w", e.Name, err))
	}
	p.Licenses = lic
	r.pkgs = append(r.pkgs, p)
	return nil
}

// normalizeVersion drops the "v" of a tag-derived version ("v5.4.1"):
// Packagist advisories and Composer's own normalized versions write
// "5.4.1".
func normalizeVersion(v string) string {
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && v[1] >= '0' && v[1] <= '9' {
		return v[1:]
	}
	return v
}

// devVersion reports a development branch: "dev-main", "2.x-dev".
func devVersion(v string) bool {
	return strings.HasPrefix(v, "dev-") || strings.HasSuffix(v, "-dev")
}

// maxLicense caps one licence string and maxLicenses their number.
const (
	maxLicense  = 256
	maxLicenses = 16
)

// licenses reads "license": an array of SPDX identifiers or expressions, or
// (old packages) one string.
func licenses(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil, err
		}
		list = []string{one}
	}
	var out []string
	for _, l := range list {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if len(l) > maxLicense || strings.ContainsFunc(l, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return nil, fmt.Errorf("invalid licence %s", inventory.Clip(l, 80))
		}
		if len(out) == maxLicenses {
			return nil, fmt.Errorf("more than %d licences", maxLicenses)
		}
		out = append(out, l)
	}
	return out, nil
}
