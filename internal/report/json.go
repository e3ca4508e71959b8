package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// JSON writes inv as indented JSON: the inventory itself, packages in report
// order, "packages" an empty list (never null) when there are none.
func JSON(w io.Writer, inv *inventory.Inventory) error {
	if inv == nil {
		return fmt.Errorf("JSON report: no inventory")
	}
	out := *inv
	out.Packages = sortedPackages(inv)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}
