package report

import (
	"slices"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// sortedPackages returns the packages in report order, without changing inv.
func sortedPackages(inv *inventory.Inventory) []inventory.Package {
	pkgs := slices.Clone(inv.Packages)
	if pkgs == nil {
		pkgs = []inventory.Package{}
	}
	inventory.SortPackages(pkgs)
	return pkgs
}
