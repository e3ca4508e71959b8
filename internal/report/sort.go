package report

import (
	"cmp"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// sortedPackages returns the packages in report order, without changing inv.
func sortedPackages(inv *inventory.Inventory) []inventory.Package {
	pkgs := slices.Clone(inv.Packages)
	if pkgs == nil {
		pkgs = []inventory.Package{}
	}
	slices.SortStableFunc(pkgs, func(a, b inventory.Package) int {
		return cmp.Or(
			strings.Compare(a.Type, b.Type),
			strings.Compare(a.Name, b.Name),
			strings.Compare(a.Version, b.Version),
			strings.Compare(a.Arch, b.Arch),
			strings.Compare(a.Layer, b.Layer),
			strings.Compare(a.Path, b.Path),
		)
	})
	return pkgs
}
