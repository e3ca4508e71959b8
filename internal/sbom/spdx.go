package sbom

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/vigil-sec/vigil/internal/inventory"
)

const noAssertion = "NOASSERTION"

// EncodeSPDX writes inv as an SPDX 2.3 JSON document.
func EncodeSPDX(w io.Writer, inv *inventory.Inventory, opts Options) error {
	doc, err := buildSPDX(inv, opts)
	if err != nil {
		return err
	}
	if err := spdxjson.Write(doc, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return fmt.Errorf("write SPDX: %w", err)
	}
	return nil
}

// buildSPDX builds the SPDX 2.3 document for inv.
func buildSPDX(inv *inventory.Inventory, opts Options) (*spdx.Document, error) {
	if inv == nil {
		return nil, fmt.Errorf("SPDX: no inventory")
	}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("SPDX options: %w", err)
	}
	p := prepare(inv)
	created := opts.created()
	uuid, err := opts.documentUUID("spdx", created, p.digest)
	if err != nil {
		return nil, err
	}
	sub := describeSource(inv.Source)

	creators := []common.Creator{{CreatorType: "Tool", Creator: opts.tool()}}
	if opts.Organization != "" {
		creators = append(creators, common.Creator{CreatorType: "Organization", Creator: opts.Organization})
	}
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      sub.name,
		DocumentNamespace: strings.TrimRight(opts.NamespaceBase, "/") + "/" + sanitizeID(sub.short, 64) + "-" + uuid,
		CreationInfo: &spdx.CreationInfo{
			Creators: creators,
			Created:  created.Format(time.RFC3339),
		},
		Packages:      make([]*spdx.Package, 0, len(p.entries)+2),
		Relationships: make([]*spdx.Relationship, 0, len(p.entries)+2),
	}
	if doc.DocumentName == "" {
		doc.DocumentName = sub.short
	}

	root := spdxSubject(sub, inv.Source)
	doc.Packages = append(doc.Packages, root)
	doc.Relationships = append(doc.Relationships, relationship("DOCUMENT", root.PackageSPDXIdentifier, "DESCRIBES"))
	if d := inv.Distro; d != nil && d.ID != "" {
		osp := spdxDistro(d)
		doc.Packages = append(doc.Packages, osp)
		doc.Relationships = append(doc.Relationships, relationship(root.PackageSPDXIdentifier, osp.PackageSPDXIdentifier, "CONTAINS"))
	}

	texts := map[string]string{} // LicenseRef -> extracted text
	for i := range p.entries {
		e := &p.entries[i]
		pkg := spdxPackage(e)
		for _, l := range e.licenses {
			switch l.kind {
			case licenseText:
				texts[licenseRef(l.value)] = l.value
			case licenseExpr:
				for _, r := range l.refs {
					if _, ok := texts[r]; !ok {
						texts[r] = r
					}
				}
			}
		}
		doc.Packages = append(doc.Packages, pkg)
		doc.Relationships = append(doc.Relationships, relationship(root.PackageSPDXIdentifier, pkg.PackageSPDXIdentifier, "CONTAINS"))
	}
	refs := make([]string, 0, len(texts))
	for r := range texts {
		refs = append(refs, r)
	}
	slices.Sort(refs)
	for _, r := range refs {
		ol := &spdx.OtherLicense{LicenseIdentifier: r, ExtractedText: texts[r]}
		if texts[r] == r {
			ol.LicenseComment = "declared by the package database as this LicenseRef, without its text"
		} else {
			ol.LicenseName = firstLine(texts[r], 120)
			ol.LicenseComment = "free-text licence as declared by the package database"
		}
		doc.OtherLicenses = append(doc.OtherLicenses, ol)
	}
	return doc, nil
}

func relationship(a, b common.ElementID, typ string) *spdx.Relationship {
	return &spdx.Relationship{
		RefA:         common.MakeDocElementID("", string(a)),
		RefB:         common.MakeDocElementID("", string(b)),
		Relationship: typ,
	}
}

func spdxSubject(sub subject, src inventory.Source) *spdx.Package {
	p := &spdx.Package{
		PackageName:               sub.name,
		PackageSupplier:           &common.Supplier{Supplier: noAssertion},
		PackageDownloadLocation:   noAssertion,
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageLicenseConcluded:   noAssertion,
		PackageLicenseDeclared:    noAssertion,
		PackageCopyrightText:      noAssertion,
	}
	if p.PackageName == "" {
		p.PackageName = sub.short
	}
	if sub.image {
		p.PackageSPDXIdentifier = common.ElementID("DocumentRoot-Image-" + sanitizeID(sub.short, 64))
		p.PrimaryPackagePurpose = "CONTAINER"
		p.PackageVersion = sub.digest
		if sub.hexDigest != "" {
			p.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: sub.hexDigest}}
		}
		if sub.purl != "" {
			p.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: sub.purl}}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s image", src.Kind)
		if src.Platform != "" {
			fmt.Fprintf(&b, " for %s", src.Platform)
		}
		if len(src.Layers) > 0 {
			b.WriteString("; layers (diff IDs, base first):")
			for _, l := range src.Layers {
				b.WriteString(" ")
				b.WriteString(l.DiffID)
			}
		}
		p.PackageComment = b.String()
	} else {
		p.PackageSPDXIdentifier = common.ElementID("DocumentRoot-Directory-" + sanitizeID(sub.short, 64))
		p.PrimaryPackagePurpose = "FILE"
		p.PackageComment = "root file system directory"
	}
	return p
}

func spdxDistro(d *inventory.Distro) *spdx.Package {
	p := &spdx.Package{
		PackageName:               d.ID,
		PackageSPDXIdentifier:     common.ElementID("OperatingSystem-" + sanitizeID(d.ID, 64)),
		PackageVersion:            d.VersionID,
		PackageSupplier:           &common.Supplier{Supplier: noAssertion},
		PackageDownloadLocation:   noAssertion,
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageLicenseConcluded:   noAssertion,
		PackageLicenseDeclared:    noAssertion,
		PackageCopyrightText:      noAssertion,
		PrimaryPackagePurpose:     "OPERATING_SYSTEM",
		PackageDescription:        d.PrettyName,
	}
	if d.Path != "" {
		p.PackageSourceInfo = "read from " + d.Path
	}
	return p
}

func spdxPackage(e *entry) *spdx.Package {
	pkg := e.pkg
	p := &spdx.Package{
		PackageName:               pkg.Name,
		PackageSPDXIdentifier:     common.ElementID("Package-" + e.ref),
		PackageVersion:            pkg.Version,
		PackageSupplier:           &common.Supplier{Supplier: noAssertion},
		PackageDownloadLocation:   noAssertion,
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageLicenseConcluded:   noAssertion,
		PackageLicenseDeclared:    noAssertion,
		PackageCopyrightText:      noAssertion,
		PrimaryPackagePurpose:     "LIBRARY",
		PackageSourceInfo:         spdxSourceInfo(e),
	}
	if expr := e.licenses.spdxExpression(); expr != "" {
		p.PackageLicenseDeclared = expr
	}
	if pkg.PURL != "" {
		p.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: pkg.PURL}}
	}
	p.PackageComment = spdxComment(pkg)
	return p
}

// spdxComment carries, one "key: value" line each, what SPDX 2.3 has no
// field for: the source package of a binary, the OS package that installed
// a language package, a low confidence, and every place a package was
// found ("found at: LAYER PATH").
func spdxComment(pkg *inventory.Package) string {
	var lines []string
	if pkg.SourceName != "" && (pkg.SourceName != pkg.Name || pkg.SourceVersion != "" && pkg.SourceVersion != pkg.Version) {
		src := pkg.SourceName
		if pkg.SourceVersion != "" {
			src += " " + pkg.SourceVersion
		}
		lines = append(lines, "source package: "+src)
	}
	if pkg.OwnedBy != "" {
		lines = append(lines, "owned by: "+pkg.OwnedBy)
	}
	if pkg.Confidence != "" {
		lines = append(lines, "confidence: "+pkg.Confidence)
	}
	for _, l := range pkg.Locations {
		lines = append(lines, "found at: "+l.Layer+" "+l.Path)
	}
	return strings.Join(lines, "\n")
}

// spdxSourceInfo says where the package was found: its database file and the
// layer that introduced it.
func spdxSourceInfo(e *entry) string {
	var b strings.Builder
	b.WriteString("acquired package info from ")
	if e.pkg.Type != "" {
		b.WriteString(e.pkg.Type)
		b.WriteString(" ")
	}
	b.WriteString("database ")
	if e.pkg.Path != "" {
		b.WriteString("/")
		b.WriteString(e.pkg.Path)
	} else {
		b.WriteString("(unknown path)")
	}
	if e.pkg.Layer != "" {
		b.WriteString(" in layer ")
		if e.layer >= 0 {
			b.WriteString("#")
			b.WriteString(strconv.Itoa(e.layer))
			b.WriteString(" ")
		}
		b.WriteString(e.pkg.Layer)
	}
	return b.String()
}

// firstLine is the first line of s, cut to at most max bytes on a rune boundary.
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(s, "\n")
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		if s[i]&0xc0 != 0x80 {
			return s[:i]
		}
	}
	return ""
}
