package sbom

import (
	"fmt"
	"io"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// CycloneDXBOM builds the CycloneDX 1.6 document that [EncodeCycloneDX]
// writes, for callers that add to it (a vulnerability report adds its
// vulnerabilities) before writing it with [WriteCycloneDX]. Each package is
// a component whose properties (PropType, PropLayerDigest, PropPath) with
// its name, version and purl identify it.
func CycloneDXBOM(inv *inventory.Inventory, opts Options) (*cdx.BOM, error) {
	return buildCycloneDX(inv, opts)
}

// WriteCycloneDX writes bom as CycloneDX JSON the way [EncodeCycloneDX]
// does: indented, without HTML escaping.
func WriteCycloneDX(w io.Writer, bom *cdx.BOM) error {
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(bom); err != nil {
		return fmt.Errorf("write CycloneDX: %w", err)
	}
	return nil
}
