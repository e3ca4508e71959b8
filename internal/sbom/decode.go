package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/package-url/packageurl-go"
	spdxjson "github.com/spdx/tools-golang/json"
	spdxall "github.com/spdx/tools-golang/spdx"
	spdxtv "github.com/spdx/tools-golang/tagvalue"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Caps of Decode: a larger document, or one with more components or
// packages, is an error.
const (
	MaxDecodeBytes    = 64 << 20
	MaxDecodePackages = 200_000
)

// SourceKindSBOM is the inventory.Source.Kind of a decoded document whose
// producer did not say what it scanned (any producer but vigil).
const SourceKindSBOM = "sbom"

// Format names what Decode read.
const (
	FormatCycloneDXJSON = "cyclonedx-json"
	FormatCycloneDXXML  = "cyclonedx-xml"
	FormatSPDXJSON      = "spdx-json"
	FormatSPDXTagValue  = "spdx-tag-value"
)

// Decode reads a software bill of materials, detecting its format by its
// content: CycloneDX JSON or XML (any spec version cyclonedx-go reads),
// SPDX 2.1-2.3 JSON or tag-value. name names the document in errors and
// is the Source.Name when the document does not name its subject.
//
// Each component or package with a package URL becomes an
// [inventory.Package]; components without one (files, applications, the
// subject itself) are skipped, except those vigil wrote with its
// package-type property. Fields:
//
//   - Documents vigil wrote (CycloneDX PropType property, SPDX creator
//     "Tool: vigil-..."): every field the encoder wrote is read back as it
//     was: name, version, type, arch, source package, layer, path (SPDX:
//     from its comment and sourceInfo).
//   - Others: Type is the purl type; Name the purl name, joined to its
//     namespace as advisories spell it ("group:artifact" for Maven,
//     "namespace/name" for Go, npm and others; the namespace of deb, apk
//     and rpm is the distribution, not part of the name); Version the
//     purl version with the "epoch" qualifier put back for deb and rpm;
//     Arch the "arch" qualifier; SourceName and SourceVersion from trivy's
//     SrcName/SrcVersion/SrcRelease/SrcEpoch properties (CycloneDX) or
//     "built package from:" sourceInfo (SPDX), syft's metadata
//     properties, else the purl "upstream" qualifier ("openssl",
//     "glibc@2.36-9", or a source rpm "openssl-3.0.7-1.el9.src.rpm");
//     Layer and Path from syft's location and trivy's LayerDiffID and
//     FilePath properties.
//   - Licenses: each CycloneDX licence ID, name or expression; SPDX's
//     declared licence (a lone LicenseRef replaced by its extracted text).
//   - Distro: an operating-system component (CycloneDX) or package (SPDX
//     primaryPackagePurpose OPERATING-SYSTEM), its name mapped to the
//     os-release ID ("cbl-mariner" is "mariner"); else the "distro"
//     qualifier of the first OS package ("debian-11", "alpine-3.20.3").
//   - Source: Kind is SourceKindSBOM unless vigil wrote the document;
//     Name is the subject's name (CycloneDX metadata component, SPDX
//     document name), else name; Digest the version of a pkg:oci subject.
//
// Inputs larger than MaxDecodeBytes or with more than MaxDecodePackages
// components or packages are refused whole.
func Decode(r io.Reader, name string) (*inventory.Inventory, error) {
	inv, _, err := DecodeFormat(r, name)
	return inv, err
}

// DecodeFormat is Decode that also returns the format it detected.
func DecodeFormat(r io.Reader, name string) (*inventory.Inventory, string, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxDecodeBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("read SBOM %s: %w", name, err)
	}
	if len(b) > MaxDecodeBytes {
		return nil, "", fmt.Errorf("read SBOM %s: larger than %d bytes", name, MaxDecodeBytes)
	}
	body := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(body) == 0 {
		return nil, "", fmt.Errorf("SBOM %s: empty", name)
	}
	var (
		inv    *inventory.Inventory
		format string
	)
	switch body[0] {
	case '{':
		var probe struct {
			BOMFormat   string `json:"bomFormat"`
			SPDXVersion string `json:"spdxVersion"`
		}
		if err := json.Unmarshal(body, &probe); err != nil {
			return nil, "", fmt.Errorf("SBOM %s: JSON: %w", name, err)
		}
		switch {
		case probe.BOMFormat == "CycloneDX":
			format = FormatCycloneDXJSON
			var bom cdx.BOM
			if err := json.Unmarshal(body, &bom); err != nil {
				return nil, format, fmt.Errorf("SBOM %s: CycloneDX JSON: %w", name, err)
			}
			inv, err = fromCycloneDX(&bom, name)
		case strings.HasPrefix(probe.SPDXVersion, "SPDX-"):
			format = FormatSPDXJSON
			doc, rerr := spdxjson.Read(bytes.NewReader(body))
			if rerr != nil {
				return nil, format, fmt.Errorf("SBOM %s: SPDX JSON: %w", name, rerr)
			}
			inv, err = fromSPDX(doc, name)
		default:
			return nil, "", fmt.Errorf("SBOM %s: JSON that is neither CycloneDX (bomFormat) nor SPDX (spdxVersion)", name)
		}
	case '<':
		head := body[:min(len(body), 4096)]
		switch {
		case bytes.Contains(head, []byte("cyclonedx.org/schema/bom")):
			format = FormatCycloneDXXML
			var bom cdx.BOM
			if err := cdx.NewBOMDecoder(bytes.NewReader(body), cdx.BOMFileFormatXML).Decode(&bom); err != nil {
				return nil, format, fmt.Errorf("SBOM %s: CycloneDX XML: %w", name, err)
			}
			inv, err = fromCycloneDX(&bom, name)
		case bytes.Contains(head, []byte("spdx.org/rdf")):
			return nil, "", fmt.Errorf("SBOM %s: SPDX RDF/XML is not supported; use SPDX JSON or tag-value", name)
		default:
			return nil, "", fmt.Errorf("SBOM %s: XML that is not CycloneDX", name)
		}
	default:
		if !spdxTagValue.Match(body[:min(len(body), 64<<10)]) {
			return nil, "", fmt.Errorf("SBOM %s: neither CycloneDX, SPDX JSON nor SPDX tag-value", name)
		}
		format = FormatSPDXTagValue
		doc, rerr := spdxtv.Read(bytes.NewReader(body))
		if rerr != nil {
			return nil, format, fmt.Errorf("SBOM %s: SPDX tag-value: %w", name, rerr)
		}
		inv, err = fromSPDX(doc, name)
	}
	if err != nil {
		return nil, format, fmt.Errorf("SBOM %s: %w", name, err)
	}
	return inv, format, nil
}

var spdxTagValue = regexp.MustCompile(`(?m)^SPDXVersion:\s*SPDX-`)

// Component and package properties other producers write.
const (
	syftLayer     = "syft:location:0:layerID"
	syftPath      = "syft:location:0:path"
	syftDistroID  = "syft:distro:id"
	syftDistroVer = "syft:distro:versionID"
	syftDistroCN  = "syft:distro:versionCodename"
	syftDistroPN  = "syft:distro:prettyName"
	trivyPrefix   = "aquasecurity:trivy:"
)

func props(c *cdx.Component) map[string]string {
	if c.Properties == nil || len(*c.Properties) == 0 {
		return nil
	}
	m := make(map[string]string, len(*c.Properties))
	for _, p := range *c.Properties {
		if _, dup := m[p.Name]; !dup {
			m[p.Name] = p.Value
		}
	}
	return m
}

func fromCycloneDX(bom *cdx.BOM, name string) (*inventory.Inventory, error) {
	inv := &inventory.Inventory{Source: inventory.Source{Kind: SourceKindSBOM, Name: name}, Packages: []inventory.Package{}}
	var all []*cdx.Component
	var walk func(cs *[]cdx.Component, depth int) error
	walk = func(cs *[]cdx.Component, depth int) error {
		if cs == nil {
			return nil
		}
		if depth > 32 {
			return errors.New("components nested more than 32 deep")
		}
		for i := range *cs {
			c := &(*cs)[i]
			if len(all) >= MaxDecodePackages {
				return fmt.Errorf("more than %d components", MaxDecodePackages)
			}
			all = append(all, c)
			if err := walk(c.Components, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if m := bom.Metadata; m != nil && m.Component != nil {
		cdxSource(m.Component, &inv.Source, name)
		if err := walk(m.Component.Components, 1); err != nil {
			return nil, err
		}
	}
	if err := walk(bom.Components, 0); err != nil {
		return nil, err
	}
	for _, c := range all {
		pr := props(c)
		switch c.Type {
		case cdx.ComponentTypeOS:
			if inv.Distro == nil {
				inv.Distro = cdxOS(c, pr)
			}
			continue
		case cdx.ComponentTypeContainer:
			continue
		}
		p, ok := cdxToPackage(c, pr)
		if ok {
			inv.Packages = append(inv.Packages, p)
		}
	}
	if inv.Distro == nil {
		inv.Distro = distroFromPURLs(inv.Packages)
	}
	return inv, nil
}

// cdxSource reads the subject of the document: vigil's properties, or an
// OCI package URL's digest.
func cdxSource(c *cdx.Component, s *inventory.Source, name string) {
	pr := props(c)
	if c.Name != "" {
		s.Name = c.Name
	}
	if kind := pr[PropSourceKind]; kind != "" {
		s.Kind = kind
		if c.Type == cdx.ComponentTypeContainer && isDigest(c.Version) {
			s.Digest = c.Version
		}
		s.Platform = pr[PropPlatform]
		if c.Properties != nil {
			for _, p := range *c.Properties {
				if p.Name == PropImageLayer && p.Value != "" {
					s.Layers = append(s.Layers, inventory.LayerInfo{DiffID: p.Value})
				}
			}
		}
	}
	if s.Digest == "" && c.PackageURL != "" {
		if u, err := packageurl.FromString(c.PackageURL); err == nil && u.Type == "oci" && isDigest(u.Version) {
			s.Digest = u.Version
		}
	}
	if s.Name == "" {
		s.Name = name
	}
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

func isDigest(s string) bool { return digestRE.MatchString(s) }

func cdxOS(c *cdx.Component, pr map[string]string) *inventory.Distro {
	d := &inventory.Distro{
		ID:         normDistroID(or(pr[syftDistroID], c.Name)),
		VersionID:  or(pr[syftDistroVer], c.Version),
		Codename:   or(pr[PropDistroCode], pr[syftDistroCN]),
		PrettyName: or(pr[PropDistroName], pr[syftDistroPN]),
		Path:       pr[PropDistroPath],
	}
	if d.ID == "" {
		return nil
	}
	return d
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// cdxToPackage maps one component; ok is false for a component that names
// no package (no purl and no vigil package type).
func cdxToPackage(c *cdx.Component, pr map[string]string) (inventory.Package, bool) {
	vigilType := pr[PropType]
	var u *packageurl.PackageURL
	if c.PackageURL != "" {
		if x, err := packageurl.FromString(c.PackageURL); err == nil {
			u = &x
		}
	}
	if u == nil && vigilType == "" {
		return inventory.Package{}, false
	}
	var p inventory.Package
	if vigilType != "" {
		// Written by vigil: the fields are the inventory's own.
		p = inventory.Package{
			Name: c.Name, Version: c.Version, Type: vigilType, PURL: c.PackageURL,
			Arch: pr[PropArch], SourceName: pr[PropSourceName], SourceVersion: pr[PropSourceVersion],
			Layer: pr[PropLayerDigest], Path: pr[PropPath],
			OwnedBy: pr[PropOwnedBy], Confidence: pr[PropConfidence],
		}
		for _, prop := range *c.Properties {
			if prop.Name == PropLocation {
				layer, path, _ := strings.Cut(prop.Value, " ")
				p.Locations = append(p.Locations, inventory.Location{Layer: layer, Path: path})
			}
		}
	} else {
		p = fromPURL(u, c.PackageURL)
		if p.Version == "" {
			p.Version = c.Version
		}
		if p.Name == "" {
			p.Name = c.Name
		}
		switch {
		case pr[trivyPrefix+"SrcName"] != "":
			p.SourceName, p.SourceVersion = pr[trivyPrefix+"SrcName"], trivySourceVersion(pr)
		case pr["syft:metadata:source"] != "": // deb
			p.SourceName, p.SourceVersion = pr["syft:metadata:source"], pr["syft:metadata:sourceVersion"]
		case pr["syft:metadata:originPackage"] != "": // apk
			p.SourceName, p.SourceVersion = pr["syft:metadata:originPackage"], ""
		}
		p.Layer = or(pr[syftLayer], pr[trivyPrefix+"LayerDiffID"])
		p.Path = strings.TrimPrefix(or(pr[syftPath], pr[trivyPrefix+"FilePath"]), "/")
	}
	p.Licenses = cdxLicenseStrings(c.Licenses)
	return p, true
}

// trivySourceVersion joins trivy's SrcEpoch, SrcVersion and SrcRelease
// into one version in the ecosystem's syntax.
func trivySourceVersion(pr map[string]string) string {
	v := pr[trivyPrefix+"SrcVersion"]
	if v == "" {
		return ""
	}
	if r := pr[trivyPrefix+"SrcRelease"]; r != "" {
		v += "-" + r
	}
	if e := pr[trivyPrefix+"SrcEpoch"]; e != "" && e != "0" {
		v = e + ":" + v
	}
	return v
}

func cdxLicenseStrings(ls *cdx.Licenses) []string {
	if ls == nil {
		return nil
	}
	var out []string
	for _, l := range *ls {
		switch {
		case l.Expression != "":
			out = append(out, l.Expression)
		case l.License != nil && l.License.ID != "":
			out = append(out, l.License.ID)
		case l.License != nil && l.License.Name != "":
			out = append(out, l.License.Name)
		}
	}
	return out
}

// osPURLTypes are the purl types of OS packages: their namespace is the
// distribution, not part of the name.
var osPURLTypes = map[string]bool{"deb": true, "apk": true, "rpm": true, "alpm": true}

// fromPURL maps a package URL to a package: the name as the ecosystem's
// advisories spell it ("group:artifact" for Maven, "namespace/name" for Go,
// npm scopes and Composer), the version with the epoch qualifier put back
// for deb and rpm, the arch qualifier, and the source package from the
// upstream qualifier.
func fromPURL(u *packageurl.PackageURL, raw string) inventory.Package {
	q := u.Qualifiers.Map()
	p := inventory.Package{Type: u.Type, Name: u.Name, Version: u.Version, Arch: q["arch"], PURL: raw}
	switch {
	case osPURLTypes[u.Type] || u.Namespace == "":
	case u.Type == "maven":
		p.Name = u.Namespace + ":" + u.Name
	default:
		p.Name = u.Namespace + "/" + u.Name
	}
	if e := q["epoch"]; e != "" && (u.Type == "rpm" || u.Type == "deb") && p.Version != "" && !strings.Contains(p.Version, ":") {
		p.Version = e + ":" + p.Version
	}
	if up := q["upstream"]; up != "" && osPURLTypes[u.Type] {
		p.SourceName, p.SourceVersion = parseUpstream(up)
		if p.SourceVersion != "" && q["epoch"] != "" && u.Type == "rpm" && !strings.Contains(p.SourceVersion, ":") {
			p.SourceVersion = q["epoch"] + ":" + p.SourceVersion
		}
	}
	return p
}

// parseUpstream reads a purl "upstream" qualifier: "openssl",
// "glibc@2.36-9" (vigil, syft) or "openssl-3.0.7-1.el9.src.rpm" (a source
// rpm: name, then version and release, which hold no '-').
func parseUpstream(s string) (name, version string) {
	for _, suf := range []string{".src.rpm", ".nosrc.rpm"} {
		if base, ok := strings.CutSuffix(s, suf); ok {
			rel := strings.LastIndexByte(base, '-')
			if rel <= 0 {
				return base, ""
			}
			ver := strings.LastIndexByte(base[:rel], '-')
			if ver <= 0 {
				return base, ""
			}
			return base[:ver], base[ver+1:]
		}
	}
	name, version, _ = strings.Cut(s, "@")
	return name, version
}

// distroFromPURLs reads the distro qualifier ("debian-11", "alpine-3.20.3",
// "ubuntu-24.04") of the first OS package that has one.
func distroFromPURLs(pkgs []inventory.Package) *inventory.Distro {
	for i := range pkgs {
		if !osPURLTypes[pkgs[i].Type] || pkgs[i].PURL == "" {
			continue
		}
		u, err := packageurl.FromString(pkgs[i].PURL)
		if err != nil {
			continue
		}
		if d := parseDistroQualifier(u.Qualifiers.Map()["distro"]); d != nil {
			return d
		}
	}
	return nil
}

func parseDistroQualifier(s string) *inventory.Distro {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if i := strings.LastIndexByte(s, '-'); i > 0 && i+1 < len(s) {
		id, rest := s[:i], s[i+1:]
		if rest[0] >= '0' && rest[0] <= '9' {
			return &inventory.Distro{ID: normDistroID(id), VersionID: rest}
		}
		if id == "debian" || id == "ubuntu" {
			return &inventory.Distro{ID: id, Codename: rest}
		}
	}
	return &inventory.Distro{ID: normDistroID(s)}
}

// normDistroID maps the distribution names other producers write (trivy's
// OS families) to os-release IDs.
func normDistroID(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "cbl-mariner":
		return "mariner"
	case "amazon":
		return "amzn"
	case "redhat":
		return "rhel"
	case "oracle":
		return "ol"
	case "alma":
		return "almalinux"
	case "opensuse.leap":
		return "opensuse-leap"
	}
	return s
}

// SPDX.

func fromSPDX(doc *spdxall.Document, name string) (*inventory.Inventory, error) {
	if doc == nil {
		return nil, errors.New("no SPDX document")
	}
	if len(doc.Packages) > MaxDecodePackages {
		return nil, fmt.Errorf("more than %d packages", MaxDecodePackages)
	}
	inv := &inventory.Inventory{Source: inventory.Source{Kind: SourceKindSBOM, Name: name}, Packages: []inventory.Package{}}
	vigil := false
	if ci := doc.CreationInfo; ci != nil {
		for _, c := range ci.Creators {
			if c.CreatorType == "Tool" && (c.Creator == "vigil" || strings.HasPrefix(c.Creator, "vigil-")) {
				vigil = true
			}
		}
	}
	described := map[string]bool{}
	for _, r := range doc.Relationships {
		if r != nil && r.Relationship == "DESCRIBES" && r.RefA.ElementRefID == "DOCUMENT" {
			described[string(r.RefB.ElementRefID)] = true
		}
	}
	var sourceSeen bool
	for _, sp := range doc.Packages {
		if sp == nil {
			continue
		}
		purpose := strings.ReplaceAll(strings.ToUpper(sp.PrimaryPackagePurpose), "_", "-")
		purl := ""
		for _, ref := range sp.PackageExternalReferences {
			if ref != nil && strings.EqualFold(ref.RefType, "purl") && ref.Locator != "" {
				purl = ref.Locator
				break
			}
		}
		switch {
		case purpose == "OPERATING-SYSTEM":
			if inv.Distro == nil {
				inv.Distro = spdxOS(sp, vigil)
			}
			continue
		case purpose == "CONTAINER" || described[string(sp.PackageSPDXIdentifier)] && !sourceSeen:
			if !sourceSeen {
				sourceSeen = true
				spdxSource(sp, purl, vigil, &inv.Source, or(doc.DocumentName, name))
			}
			continue
		}
		if purl == "" {
			continue
		}
		u, err := packageurl.FromString(purl)
		if err != nil {
			continue
		}
		if u.Type == "oci" {
			continue
		}
		p := fromPURL(&u, purl)
		if vigil {
			p.Name, p.Version = sp.PackageName, sp.PackageVersion
			p.SourceName, p.SourceVersion = "", ""
			readVigilComment(sp.PackageComment, &p)
			if p.SourceName == "" {
				if q := u.Qualifiers.Map(); q["upstream"] != "" {
					p.SourceName, p.SourceVersion = parseUpstream(q["upstream"])
				}
			}
			if m := vigilSourceInfo.FindStringSubmatch(sp.PackageSourceInfo); m != nil {
				if m[1] != "(unknown path)" {
					p.Path = strings.TrimPrefix(m[1], "/")
				}
				p.Layer = m[2]
			}
		} else {
			if p.Name == "" {
				p.Name = sp.PackageName
			}
			if p.Version == "" {
				p.Version = sp.PackageVersion
			}
			// trivy: "built package from: openssl 3.0.13-0ubuntu3.1" and
			// an attribution text "LayerDiffID: sha256:...".
			if src, ok := strings.CutPrefix(sp.PackageSourceInfo, "built package from: "); ok {
				p.SourceName, p.SourceVersion, _ = strings.Cut(strings.TrimSpace(src), " ")
			}
			for _, a := range sp.PackageAttributionTexts {
				if l, ok := strings.CutPrefix(a, "LayerDiffID: "); ok {
					p.Layer = strings.TrimSpace(l)
				}
			}
		}
		if l := spdxLicense(doc, sp.PackageLicenseDeclared); l != "" {
			p.Licenses = []string{l}
		}
		inv.Packages = append(inv.Packages, p)
	}
	if inv.Distro == nil {
		inv.Distro = distroFromPURLs(inv.Packages)
	}
	return inv, nil
}

// readVigilComment reads the package comment lines vigil writes
// (spdxComment): "source package: NAME [VERSION]", "owned by: PURL",
// "confidence: low", "found at: LAYER PATH".
func readVigilComment(comment string, p *inventory.Package) {
	for line := range strings.SplitSeq(comment, "\n") {
		switch k, v, _ := strings.Cut(line, ": "); k {
		case "source package":
			p.SourceName, p.SourceVersion, _ = strings.Cut(v, " ")
		case "owned by":
			p.OwnedBy = v
		case "confidence":
			p.Confidence = v
		case "found at":
			layer, path, _ := strings.Cut(v, " ")
			p.Locations = append(p.Locations, inventory.Location{Layer: layer, Path: path})
		}
	}
}

// vigilSourceInfo reads the sourceInfo vigil writes (spdxSourceInfo).
var vigilSourceInfo = regexp.MustCompile(`^acquired package info from (?:\S+ )?database (/.*?|\(unknown path\))(?: in layer (?:#\d+ )?(\S+))?$`)

func spdxOS(sp *spdxall.Package, vigil bool) *inventory.Distro {
	d := &inventory.Distro{ID: normDistroID(sp.PackageName), VersionID: sp.PackageVersion}
	if vigil {
		d.PrettyName = sp.PackageDescription
		d.Path, _ = strings.CutPrefix(sp.PackageSourceInfo, "read from ")
	}
	if d.ID == "" {
		return nil
	}
	return d
}

// vigilImageComment reads the comment vigil writes on an image's root package.
var vigilImageComment = regexp.MustCompile(`^(\S+) image(?: for (\S+))?(?:; layers \(diff IDs, base first\):((?: \S+)*))?$`)

func spdxSource(sp *spdxall.Package, purl string, vigil bool, s *inventory.Source, name string) {
	s.Name = or(name, sp.PackageName)
	if vigil {
		if m := vigilImageComment.FindStringSubmatch(sp.PackageComment); m != nil {
			s.Kind, s.Platform = m[1], m[2]
			for _, l := range strings.Fields(m[3]) {
				s.Layers = append(s.Layers, inventory.LayerInfo{DiffID: l})
			}
			if isDigest(sp.PackageVersion) {
				s.Digest = sp.PackageVersion
			}
		} else if sp.PackageComment == "root file system directory" {
			s.Kind = "dir"
		}
	}
	if s.Digest == "" && purl != "" {
		if u, err := packageurl.FromString(purl); err == nil && u.Type == "oci" && isDigest(u.Version) {
			s.Digest = u.Version
		}
	}
}

// spdxLicense is a package's declared licence, "" for NOASSERTION or
// NONE; a lone LicenseRef is replaced by its extracted text.
func spdxLicense(doc *spdxall.Document, l string) string {
	l = strings.TrimSpace(l)
	switch l {
	case "", noAssertion, "NONE":
		return ""
	}
	if strings.HasPrefix(l, "LicenseRef-") && !strings.ContainsAny(l, " ()") {
		for _, o := range doc.OtherLicenses {
			if o != nil && o.LicenseIdentifier == l && o.ExtractedText != "" {
				return o.ExtractedText
			}
		}
	}
	return l
}
