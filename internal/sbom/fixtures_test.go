package sbom_test

import (
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/sbom/sbomtest"
)

// created is the fixed creation time of every golden document.
var created = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func testOptions() sbom.Options {
	o := sbom.DefaultOptions()
	o.ToolVersion = "1.0.0-test"
	o.Created = created
	return o
}

func fixtures() map[string]*inventory.Inventory { return sbomtest.Fixtures() }

func manyPackages(n int) *inventory.Inventory { return sbomtest.ManyPackages(n) }
