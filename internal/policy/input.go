package policy

import (
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/match"
)

// Input is everything a policy decides on. Its JSON field names are the
// names rules see: in CEL, image, packages, vulnerabilities, findings,
// signatures, attestations and workload are top-level variables holding
// this data (see doc.go for every field). Input is plain data; Evaluate
// never modifies it.
type Input struct {
	Image           Image           `json:"image"`
	Packages        []Package       `json:"packages"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities"`
	Findings        []Finding       `json:"findings"`
	Signatures      []Signature     `json:"signatures"`
	Attestations    []Attestation   `json:"attestations"`
	// Workload is nil outside admission.
	Workload *Workload `json:"workload"`
}

// Image describes the image under decision.
type Image struct {
	// Ref is the reference as given ("myacr.azurecr.io/team/app:1.2" or a path).
	Ref string `json:"ref"`
	// Registry is the registry host[:port], "docker.io" for Docker Hub; empty
	// for an image not addressed through a registry (archive, layout, dir).
	Registry string `json:"registry"`
	// Repository is the path inside the registry ("library/nginx").
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
	// Digest is the manifest digest ("sha256:...").
	Digest string `json:"digest"`
	// Created is the image config's creation time; zero when unknown.
	Created  time.Time         `json:"created"`
	Labels   map[string]string `json:"labels"`
	User     string            `json:"user"`
	Platform string            `json:"platform"`
}

// Package is one package of the image's inventory (its SBOM).
type Package struct {
	Type     string   `json:"type"`
	Name     string   `json:"name"`
	Version  string   `json:"version"`
	PURL     string   `json:"purl"`
	Licenses []string `json:"licenses"`
}

// Vulnerability is one vulnerability finding.
type Vulnerability struct {
	ID           string         `json:"id"`
	Aliases      []string       `json:"aliases"`
	Severity     match.Severity `json:"severity"`
	CVSS         float64        `json:"cvss"`
	FixedVersion string         `json:"fixedVersion"`
	// Fixable is true when a fixed version exists.
	Fixable bool          `json:"fixable"`
	Package VulnerablePkg `json:"package"`
	// KEV is true when the vulnerability is in CISA's Known Exploited Vulnerabilities catalog.
	KEV bool `json:"kev"`
}

// VulnerablePkg names the package a vulnerability is about.
type VulnerablePkg struct {
	Type    string `json:"type"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Finding is a secret or misconfiguration finding.
type Finding struct {
	RuleID string `json:"ruleID"`
	// Kind is "secret", "image", "dockerfile" or "kubernetes".
	Kind     finding.Kind     `json:"kind"`
	Severity finding.Severity `json:"severity"`
	Title    string           `json:"title"`
	Path     string           `json:"path"`
}

// Signature is one verified signature of the image's digest. Callers list
// verified signatures only.
type Signature struct {
	// KeyID is the hex SHA-256 of the signing public key's PKIX DER encoding.
	KeyID string `json:"keyID"`
	// Signer is the policy signer's name whose key matched; empty when none did.
	Signer string `json:"signer"`
}

// Attestation is one verified attestation of the image's digest.
type Attestation struct {
	PredicateType string    `json:"predicateType"`
	KeyID         string    `json:"keyID"`
	Signer        string    `json:"signer"`
	Created       time.Time `json:"created"`
}

// Workload is the Kubernetes object being admitted.
type Workload struct {
	Kind        string            `json:"kind"`
	Namespace   string            `json:"namespace"`
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels"`
	PodSecurity PodSecurity       `json:"podSecurity"`
}

// PodSecurity lists the Pod Security Standards checks the workload fails,
// by check ID, at each level.
type PodSecurity struct {
	Baseline   []string `json:"baseline"`
	Restricted []string `json:"restricted"`
}

// NewInput fills Image (from res.Inventory.Source), Packages,
// Vulnerabilities and Findings (secrets, then misconfigurations) from a scan
// result. The caller adds Image.Created, Labels and User, Signatures,
// Attestations and Workload, and calls Image.SetRef when the image is judged
// under another name (the destination of a push). res may be nil.
func NewInput(res *match.Result) *Input {
	in := &Input{}
	if res == nil {
		return in
	}
	if inv := res.Inventory; inv != nil {
		src := inv.Source
		if src.Kind == "registry" {
			in.Image.SetRef(src.Name)
		} else {
			in.Image.Ref = src.Name
		}
		if src.Digest != "" {
			in.Image.Digest = src.Digest
		}
		in.Image.Platform = src.Platform
		in.Packages = make([]Package, 0, len(inv.Packages))
		for _, p := range inv.Packages {
			in.Packages = append(in.Packages, Package{Type: p.Type, Name: p.Name, Version: p.Version, PURL: p.PURL, Licenses: p.Licenses})
		}
	}
	in.Vulnerabilities = make([]Vulnerability, 0, len(res.Findings))
	for _, f := range res.Findings {
		in.Vulnerabilities = append(in.Vulnerabilities, Vulnerability{
			ID:           f.ID,
			Aliases:      f.Aliases,
			Severity:     f.Severity,
			CVSS:         f.CVSS,
			FixedVersion: f.FixedVersion,
			Fixable:      f.Status == match.StatusFixed && f.FixedVersion != "",
			Package:      VulnerablePkg{Type: f.Package.Type, Name: f.Package.Name, Version: f.Package.Version},
			KEV:          f.KEV,
		})
	}
	in.Findings = make([]Finding, 0, len(res.Secrets)+len(res.Misconfigurations))
	for _, group := range [][]finding.Finding{res.Secrets, res.Misconfigurations} {
		for _, f := range group {
			in.Findings = append(in.Findings, Finding{RuleID: f.RuleID, Kind: f.Kind, Severity: f.Severity, Title: f.Title, Path: f.Location.Path})
		}
	}
	return in
}

// SetRef sets Ref to ref and Registry, Repository, Tag and Digest from it,
// normalized as Docker does: "nginx" is docker.io/library/nginx, a first
// component with a dot or a colon, or "localhost", is a registry host.
// Digest is kept when ref has none. It never fails: a ref that is not an
// image reference leaves Registry and Repository empty.
func (im *Image) SetRef(ref string) {
	im.Ref = ref
	im.Registry, im.Repository, im.Tag = "", "", ""
	rest := ref
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		im.Digest = rest[i+1:]
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.Contains(rest[i+1:], "/") {
		im.Tag = rest[i+1:]
		rest = rest[:i]
	}
	if rest == "" || strings.ContainsAny(rest, " \t\n") {
		im.Tag = ""
		return
	}
	host, path, found := strings.Cut(rest, "/")
	if !found || !(strings.ContainsAny(host, ".:") || host == "localhost") {
		host, path = "docker.io", rest
	}
	if host == "index.docker.io" || host == "registry-1.docker.io" {
		host = "docker.io"
	}
	if host == "docker.io" && !strings.Contains(path, "/") {
		path = "library/" + path
	}
	im.Registry, im.Repository = host, path
}
