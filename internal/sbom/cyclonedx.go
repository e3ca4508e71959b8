package sbom

import (
	"fmt"
	"io"
	"strconv"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// CycloneDX property names (https://cyclonedx.org/docs/1.6/json/#components_items_properties),
// in vigil's namespace.
const (
	PropLayerDigest   = "vigil:layer:digest"
	PropLayerIndex    = "vigil:layer:index"
	PropPath          = "vigil:package:path"
	PropSourceName    = "vigil:package:source-name"
	PropSourceVersion = "vigil:package:source-version"
	PropType          = "vigil:package:type"
	PropArch          = "vigil:package:arch"
	// PropOwnedBy is the package URL of the OS package that installed a
	// language package (inventory.Package.OwnedBy).
	PropOwnedBy = "vigil:package:owned-by"
	// PropConfidence is "low" for a package identity inferred from a file
	// name (inventory.Package.Confidence).
	PropConfidence = "vigil:package:confidence"
	// PropLocation is one place a package was found, "<layer> <path>" (the
	// layer empty for a directory); repeated, in order, when the package
	// was found in several places (inventory.Package.Locations).
	PropLocation   = "vigil:package:location"
	PropSourceKind = "vigil:source:kind"
	PropPlatform   = "vigil:image:platform"
	PropImageLayer = "vigil:image:layer"
	PropDistroName = "vigil:distro:pretty-name"
	PropDistroCode = "vigil:distro:codename"
	PropDistroPath = "vigil:distro:path"
)

// cdxSchema is the JSON schema of the CycloneDX version written.
const cdxSchema = "http://cyclonedx.org/schema/bom-1.6.schema.json"

// EncodeCycloneDX writes inv as a CycloneDX 1.6 JSON document.
func EncodeCycloneDX(w io.Writer, inv *inventory.Inventory, opts Options) error {
	bom, err := CycloneDXBOM(inv, opts)
	if err != nil {
		return err
	}
	return WriteCycloneDX(w, bom)
}

// buildCycloneDX builds the CycloneDX 1.6 document for inv.
func buildCycloneDX(inv *inventory.Inventory, opts Options) (*cdx.BOM, error) {
	if inv == nil {
		return nil, fmt.Errorf("CycloneDX: no inventory")
	}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("CycloneDX options: %w", err)
	}
	p := prepare(inv)
	created := opts.created()
	serial, err := opts.documentUUID("cyclonedx", created, p.digest)
	if err != nil {
		return nil, err
	}
	sub := describeSource(inv.Source)

	root := cdxSubject(sub, inv.Source)
	components := make([]cdx.Component, 0, len(p.entries)+1)
	dependsOn := make([]string, 0, len(p.entries)+1)
	if d := inv.Distro; d != nil && d.ID != "" {
		osc := cdxDistro(d)
		components = append(components, osc)
		dependsOn = append(dependsOn, osc.BOMRef)
	}
	for i := range p.entries {
		c := cdxPackage(&p.entries[i])
		components = append(components, c)
		dependsOn = append(dependsOn, c.BOMRef)
	}

	bom := &cdx.BOM{
		JSONSchema:   cdxSchema,
		BOMFormat:    cdx.BOMFormat,
		SpecVersion:  cdx.SpecVersion1_6,
		SerialNumber: "urn:uuid:" + serial,
		Version:      1,
		Metadata: &cdx.Metadata{
			Timestamp: created.Format(time.RFC3339),
			Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
				Type:    cdx.ComponentTypeApplication,
				Name:    opts.ToolName,
				Version: opts.ToolVersion,
			}}},
			Component: &root,
		},
		Components:   &components,
		Dependencies: &[]cdx.Dependency{{Ref: root.BOMRef, Dependencies: &dependsOn}},
	}
	return bom, nil
}

func cdxSubject(sub subject, src inventory.Source) cdx.Component {
	c := cdx.Component{Name: sub.name, PackageURL: sub.purl}
	props := []cdx.Property{{Name: PropSourceKind, Value: src.Kind}}
	if sub.image {
		c.Type = cdx.ComponentTypeContainer
		c.BOMRef = "image"
		c.Version = sub.digest
		if sub.hexDigest != "" {
			c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: sub.hexDigest}}
		}
		if src.Platform != "" {
			props = append(props, cdx.Property{Name: PropPlatform, Value: src.Platform})
		}
		for _, l := range src.Layers {
			props = append(props, cdx.Property{Name: PropImageLayer, Value: l.DiffID})
		}
	} else {
		c.Type = cdx.ComponentTypeFile
		c.BOMRef = "rootfs"
	}
	c.Properties = &props
	return c
}

func cdxDistro(d *inventory.Distro) cdx.Component {
	c := cdx.Component{
		BOMRef:  "os-" + sanitizeID(d.ID, 64),
		Type:    cdx.ComponentTypeOS,
		Name:    d.ID,
		Version: d.VersionID,
	}
	var props []cdx.Property
	for _, kv := range [][2]string{{PropDistroName, d.PrettyName}, {PropDistroCode, d.Codename}, {PropDistroPath, d.Path}} {
		if kv[1] != "" {
			props = append(props, cdx.Property{Name: kv[0], Value: kv[1]})
		}
	}
	if len(props) > 0 {
		c.Properties = &props
	}
	return c
}

func cdxPackage(e *entry) cdx.Component {
	p := e.pkg
	c := cdx.Component{
		BOMRef:     e.ref,
		Type:       cdx.ComponentTypeLibrary,
		Name:       p.Name,
		Version:    p.Version,
		PackageURL: p.PURL,
	}
	if l := cdxLicenses(e.licenses); l != nil {
		c.Licenses = &l
	}
	props := make([]cdx.Property, 0, 7)
	add := func(name, value string) {
		if value != "" {
			props = append(props, cdx.Property{Name: name, Value: value})
		}
	}
	add(PropType, p.Type)
	add(PropArch, p.Arch)
	add(PropSourceName, p.SourceName)
	add(PropSourceVersion, p.SourceVersion)
	add(PropLayerDigest, p.Layer)
	if e.layer >= 0 {
		add(PropLayerIndex, strconv.Itoa(e.layer))
	}
	add(PropPath, p.Path)
	add(PropOwnedBy, p.OwnedBy)
	add(PropConfidence, p.Confidence)
	for _, l := range p.Locations {
		props = append(props, cdx.Property{Name: PropLocation, Value: l.Layer + " " + l.Path})
	}
	c.Properties = &props
	return c
}

// cdxLicenses maps declared licences to CycloneDX's licence choice, which
// is either a list of licences (by id or name) or one expression: a lone
// expression stays one; several licences with at least one expression and
// no free text become one expression joined by AND; otherwise each is a
// licence (an expression mixed with free text is kept as a name, verbatim).
func cdxLicenses(d declared) cdx.Licenses {
	if len(d) == 0 {
		return nil
	}
	if d.hasExpr() && !d.hasText() {
		return cdx.Licenses{{Expression: d.spdxExpression()}}
	}
	out := make(cdx.Licenses, len(d))
	for i, l := range d {
		if l.kind == licenseID {
			out[i] = cdx.LicenseChoice{License: &cdx.License{ID: l.value}}
		} else {
			out[i] = cdx.LicenseChoice{License: &cdx.License{Name: l.value}}
		}
	}
	return out
}
