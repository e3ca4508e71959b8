package report

import (
	"crypto/sha1"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/sbom"
)

// CycloneDX property names of a vulnerability, in vigil's namespace.
const (
	PropVulnStatus       = "vigil:vulnerability:status"
	PropVulnFixedVersion = "vigil:vulnerability:fixed-version"
	PropVulnKEV          = "vigil:vulnerability:kev"
	PropVulnKEVDateAdded = "vigil:vulnerability:kev:date-added"
	PropVulnEcosystem    = "vigil:vulnerability:ecosystem"
	PropVulnWhy          = "vigil:vulnerability:why"
	PropVulnSuppressedBy = "vigil:vulnerability:suppressed-by"
)

// CycloneDXVulns writes res as a CycloneDX 1.6 JSON document: the
// inventory as sbom.EncodeCycloneDX writes it, and one vulnerability per
// finding (suppressed ones included) with its source, ratings (severity
// and CVSS score, vector and method), the advisory, aliases as references,
// the affected component by bom-ref and vigil properties (status, fixed
// version, KEV). A suppressed finding carries an analysis: not_affected
// (or resolved, false_positive as its VEX statement says) with the
// justification mapped to CycloneDX's and the reason as detail, and its
// affected version is marked unaffected.
//
// The serial number is derived from the one the inventory alone would get
// and the findings, unless opts.RandomIDs; so the same result at the same
// time gives the same bytes.
func CycloneDXVulns(w io.Writer, res *match.Result, opts sbom.Options) error {
	if res == nil {
		return fmt.Errorf("CycloneDX vulnerability report: no result")
	}
	inv := resultInventory(res)
	bom, err := sbom.CycloneDXBOM(inv, opts)
	if err != nil {
		return err
	}

	refs := make(map[string]string)
	byPURL := make(map[string]string)
	if bom.Components != nil {
		for _, c := range *bom.Components {
			if c.Type != cdx.ComponentTypeLibrary {
				continue
			}
			var typ, layer, path string
			if c.Properties != nil {
				for _, p := range *c.Properties {
					switch p.Name {
					case sbom.PropType:
						typ = p.Value
					case sbom.PropLayerDigest:
						layer = p.Value
					case sbom.PropPath:
						path = p.Value
					}
				}
			}
			k := pkgKey(typ, c.Name, c.Version, c.PackageURL, layer, path)
			if _, ok := refs[k]; !ok {
				refs[k] = c.BOMRef
			}
			if _, ok := byPURL[c.PackageURL]; c.PackageURL != "" && !ok {
				byPURL[c.PackageURL] = c.BOMRef
			}
		}
	}
	// refOf finds the component of a finding's package, adding one when the
	// inventory does not hold it.
	refOf := func(p *match.PackageRef) string {
		k := refKey(p)
		if r, ok := refs[k]; ok {
			return r
		}
		if r, ok := byPURL[p.PURL]; ok && p.PURL != "" {
			return r
		}
		r := "vuln-pkg-" + hashHex(k)[:16]
		refs[k] = r
		props := []cdx.Property{}
		for _, kv := range [][2]string{{sbom.PropType, p.Type}, {sbom.PropSourceName, p.SourceName},
			{sbom.PropSourceVersion, p.SourceVersion}, {sbom.PropLayerDigest, p.Layer}, {sbom.PropPath, p.Path}} {
			if kv[1] != "" {
				props = append(props, cdx.Property{Name: kv[0], Value: kv[1]})
			}
		}
		c := cdx.Component{BOMRef: r, Type: cdx.ComponentTypeLibrary, Name: p.Name, Version: p.Version, PackageURL: p.PURL, Properties: &props}
		if bom.Components == nil {
			bom.Components = &[]cdx.Component{}
		}
		*bom.Components = append(*bom.Components, c)
		return r
	}

	vulns := make([]cdx.Vulnerability, 0, len(res.Findings)+len(res.Suppressed))
	seen := make(map[string]int)
	add := func(f *match.Finding, sp *match.Suppressed) {
		comp := refOf(&f.Package)
		ref := "vuln:" + f.ID + ":" + comp
		if n := seen[ref]; n > 0 {
			seen[ref] = n + 1
			ref += ":" + strconv.Itoa(n+1)
		} else {
			seen[ref] = 1
		}
		vulns = append(vulns, cdxVulnerability(f, sp, ref, comp))
	}
	for i := range res.Findings {
		add(&res.Findings[i], nil)
	}
	for i := range res.Suppressed {
		add(&res.Suppressed[i].Finding, &res.Suppressed[i])
	}
	bom.Vulnerabilities = &vulns

	if !opts.RandomIDs {
		h := sha1.New()
		h.Write([]byte(bom.SerialNumber))
		for i := range vulns {
			v := &vulns[i]
			h.Write(appendLen(nil, v.BOMRef, v.Description))
			if v.Ratings != nil {
				for _, r := range *v.Ratings {
					h.Write(appendLen(nil, string(r.Severity), r.Vector))
				}
			}
			if v.Analysis != nil {
				h.Write(appendLen(nil, string(v.Analysis.State), v.Analysis.Detail))
			}
		}
		bom.SerialNumber = "urn:uuid:" + uuid5(h.Sum(nil))
	}
	return sbom.WriteCycloneDX(w, bom)
}

func cdxVulnerability(f *match.Finding, sp *match.Suppressed, ref, comp string) cdx.Vulnerability {
	u := advisoryURL(f.ID, f.Sources)
	v := cdx.Vulnerability{
		BOMRef:      ref,
		ID:          f.ID,
		Source:      &cdx.Source{Name: vulnSourceName(f), URL: u},
		Description: f.Summary,
		Affects: &[]cdx.Affects{{Ref: comp, Range: &[]cdx.AffectedVersions{{
			Version: f.Package.Version, Status: cdx.VulnerabilityStatusAffected}}}},
	}
	rating := cdx.VulnerabilityRating{Severity: cdxSeverity(f.Severity), Method: cdx.ScoringMethodOther}
	if f.SeveritySource != "" {
		rating.Source = &cdx.Source{Name: f.SeveritySource}
	}
	if f.CVSS > 0 || f.CVSSVector != "" {
		if f.CVSS > 0 {
			score := f.CVSS
			rating.Score = &score
		}
		rating.Vector = f.CVSSVector
		rating.Method = cvssMethod(f.CVSSVector)
	}
	v.Ratings = &[]cdx.VulnerabilityRating{rating}
	if len(f.Aliases) > 0 {
		refs := make([]cdx.VulnerabilityReference, len(f.Aliases))
		for i, a := range f.Aliases {
			refs[i] = cdx.VulnerabilityReference{ID: a, Source: &cdx.Source{URL: advisoryURL(a, f.Sources)}}
		}
		v.References = &refs
	}
	advisories := []cdx.Advisory{{Title: f.ID, URL: u}}
	for _, a := range f.Aliases {
		advisories = append(advisories, cdx.Advisory{Title: a, URL: advisoryURL(a, f.Sources)})
	}
	v.Advisories = &advisories
	if f.FixedVersion != "" {
		v.Recommendation = "Upgrade " + f.Package.Name + " to " + f.FixedVersion + " or later."
	}

	props := []cdx.Property{{Name: PropVulnStatus, Value: string(f.Status)}}
	addProp := func(name, value string) {
		if value != "" {
			props = append(props, cdx.Property{Name: name, Value: value})
		}
	}
	addProp(PropVulnFixedVersion, f.FixedVersion)
	if f.KEV {
		addProp(PropVulnKEV, "true")
		addProp(PropVulnKEVDateAdded, f.KEVDateAdded)
	}
	addProp(PropVulnEcosystem, f.Ecosystem)
	addProp(PropVulnWhy, f.Why)
	if sp != nil {
		addProp(PropVulnSuppressedBy, strings.TrimSpace(sp.Kind+" "+sp.File))
		v.Analysis = cdxAnalysis(sp)
		(*(*v.Affects)[0].Range)[0].Status = cdx.VulnerabilityStatusNotAffected
	}
	v.Properties = &props
	return v
}

// cdxAnalysis maps a suppression onto a CycloneDX impact analysis.
func cdxAnalysis(sp *match.Suppressed) *cdx.VulnerabilityAnalysis {
	a := &cdx.VulnerabilityAnalysis{State: cdx.IASNotAffected}
	switch strings.ToLower(strings.ReplaceAll(sp.Status, "-", "_")) {
	case "fixed", "resolved":
		a.State = cdx.IASResolved
	case "false_positive":
		a.State = cdx.IASFalsePositive
	}
	if a.State == cdx.IASNotAffected {
		a.Justification = cdxJustification(sp.Justification)
	}
	var detail []string
	if sp.Reason != "" {
		detail = append(detail, sp.Reason)
	}
	if sp.Justification != "" && a.Justification == "" {
		detail = append(detail, "justification: "+sp.Justification)
	}
	src := "suppressed by " + strings.TrimSpace(sp.Kind+" "+sp.File)
	if !sp.Expires.IsZero() {
		src += ", until " + sp.Expires.UTC().Format(time.RFC3339)
	}
	a.Detail = strings.Join(append(detail, src), "; ")
	return a
}

// cdxJustification maps an OpenVEX justification (or a CycloneDX one,
// passed through) to CycloneDX's; "" when it has no counterpart.
func cdxJustification(j string) cdx.ImpactAnalysisJustification {
	switch j {
	case "component_not_present", "vulnerable_code_not_present":
		return cdx.IAJCodeNotPresent
	case "vulnerable_code_not_in_execute_path":
		return cdx.IAJCodeNotReachable
	case "vulnerable_code_cannot_be_controlled_by_adversary":
		return cdx.IAJRequiresEnvironment
	case "inline_mitigations_already_exist":
		return cdx.IAJProtectedByMitigatingControl
	}
	switch c := cdx.ImpactAnalysisJustification(j); c {
	case cdx.IAJCodeNotPresent, cdx.IAJCodeNotReachable, cdx.IAJRequiresConfiguration, cdx.IAJRequiresDependency,
		cdx.IAJRequiresEnvironment, cdx.IAJProtectedByCompiler, cdx.IAJProtectedAtRuntime,
		cdx.IAJProtectedAtPerimeter, cdx.IAJProtectedByMitigatingControl:
		return c
	}
	return ""
}

func cdxSeverity(s match.Severity) cdx.Severity {
	switch s {
	case match.SeverityCritical:
		return cdx.SeverityCritical
	case match.SeverityHigh:
		return cdx.SeverityHigh
	case match.SeverityMedium:
		return cdx.SeverityMedium
	case match.SeverityLow:
		return cdx.SeverityLow
	case match.SeverityNegligible:
		return cdx.SeverityInfo
	}
	return cdx.SeverityUnknown
}

// cvssMethod names the CVSS version of a vector.
func cvssMethod(vector string) cdx.ScoringMethod {
	switch {
	case strings.HasPrefix(vector, "CVSS:4."):
		return cdx.ScoringMethodCVSSv4
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		return cdx.ScoringMethodCVSSv31
	case strings.HasPrefix(vector, "CVSS:3."):
		return cdx.ScoringMethodCVSSv3
	case strings.HasPrefix(vector, "AV:"), strings.HasPrefix(vector, "(AV:"):
		return cdx.ScoringMethodCVSSv2
	}
	return cdx.ScoringMethodOther
}

// vulnSourceName is the feed a finding came from, for the vulnerability's
// source: its first source, else the source part of its first advisory key.
func vulnSourceName(f *match.Finding) string {
	if len(f.Sources) > 0 {
		return f.Sources[0]
	}
	if len(f.Advisories) > 0 {
		s, _, _ := strings.Cut(f.Advisories[0], "/")
		return s
	}
	return ""
}

func hashHex(s string) string {
	h := sha1.Sum([]byte(s))
	return fmt.Sprintf("%x", h[:])
}

// uuid5 formats a SHA-1 sum as a name-based (version 5) UUID.
func uuid5(sum []byte) string {
	var u [16]byte
	copy(u[:], sum)
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
