package dotnet

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/nesting"
)

// runtimePackPrefix starts the library name of a runtime pack in the
// deps.json of a self-contained app; what follows is the NuGet package ID
// of the runtime (Microsoft.NETCore.App.Runtime.linux-x64) that the app
// bundles, which is what .NET runtime advisories name.
const runtimePackPrefix = "runtimepack."

// parseDeps reads a deps.json: its "libraries" object maps "ID/Version" to
// {"type": ...}. Libraries of type "package" are reported, and of type
// "runtimepack" under the runtime pack's package ID; "project" (the app and
// its project references), "reference" (reference assemblies) and any other
// type name no NuGet package. The "targets" section repeats the libraries
// with their dependency edges and is not needed.
//
// It returns the packages, one error per malformed library, and an error
// when the file as a whole cannot be read.
func (c *Cataloger) parseDeps(b []byte, file string) ([]inventory.Package, []error, error) {
	if err := nesting.JSON(b, c.cfg.MaxDepth); err != nil {
		return nil, nil, err
	}
	var doc struct {
		Libraries map[string]json.RawMessage `json:"libraries"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, err
	}
	if len(doc.Libraries) > c.cfg.MaxEntries {
		return nil, nil, fmt.Errorf("%d libraries, more than %d", len(doc.Libraries), c.cfg.MaxEntries)
	}
	var (
		pkgs []inventory.Package
		bad  []error
	)
	for _, key := range slices.Sorted(maps.Keys(doc.Libraries)) {
		var lib struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(doc.Libraries[key], &lib); err != nil {
			bad = append(bad, fmt.Errorf("library %s: %w", inventory.Clip(key, 80), err))
			continue
		}
		name, version, ok := strings.Cut(key, "/")
		switch lib.Type {
		case "package":
		case "runtimepack":
			name = strings.TrimPrefix(name, runtimePackPrefix)
		default:
			continue
		}
		if !ok || !validID(name) || !validVersion(version) {
			bad = append(bad, fmt.Errorf("library %s: not \"ID/version\"", inventory.Clip(key, 80)))
			continue
		}
		pkgs = append(pkgs, inventory.Package{Name: name, Version: version, Type: inventory.TypeNuGet, Path: file})
	}
	return dedupe(pkgs), bad, nil
}

// parseLock reads NuGet's packages.lock.json (format versions 1 and 2):
// "dependencies" maps each target framework (and framework/runtime pair) to
// the packages resolved for it, {"ID": {"type": ..., "resolved": "1.2.3"}}.
// Every entry but type "Project" (a project reference) is reported: Direct,
// Transitive and CentralTransitive alike; one package resolved for several
// frameworks is reported once.
func (c *Cataloger) parseLock(b []byte, file string) ([]inventory.Package, []error, error) {
	if err := nesting.JSON(b, c.cfg.MaxDepth); err != nil {
		return nil, nil, err
	}
	var doc struct {
		Dependencies map[string]json.RawMessage `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, err
	}
	var (
		pkgs []inventory.Package
		bad  []error
		n    int
	)
	for _, tfm := range slices.Sorted(maps.Keys(doc.Dependencies)) {
		var entries map[string]json.RawMessage
		if err := json.Unmarshal(doc.Dependencies[tfm], &entries); err != nil {
			bad = append(bad, fmt.Errorf("target %s: %w", inventory.Clip(tfm, 80), err))
			continue
		}
		if n += len(entries); n > c.cfg.MaxEntries {
			return nil, nil, fmt.Errorf("more than %d entries", c.cfg.MaxEntries)
		}
		for _, id := range slices.Sorted(maps.Keys(entries)) {
			var e struct {
				Type     string `json:"type"`
				Resolved string `json:"resolved"`
			}
			if err := json.Unmarshal(entries[id], &e); err != nil {
				bad = append(bad, fmt.Errorf("target %s: package %s: %w", inventory.Clip(tfm, 80), inventory.Clip(id, 80), err))
				continue
			}
			if strings.EqualFold(e.Type, "Project") {
				continue
			}
			if !validID(id) || !validVersion(e.Resolved) {
				bad = append(bad, fmt.Errorf("target %s: package %s: invalid ID or resolved version %s",
					inventory.Clip(tfm, 80), inventory.Clip(id, 80), inventory.Clip(e.Resolved, 80)))
				continue
			}
			pkgs = append(pkgs, inventory.Package{Name: id, Version: e.Resolved, Type: inventory.TypeNuGet, Path: file})
		}
	}
	return dedupe(pkgs), bad, nil
}

// dedupe sorts pkgs and drops repeats of one name and version.
func dedupe(pkgs []inventory.Package) []inventory.Package {
	inventory.SortPackages(pkgs)
	return slices.CompactFunc(pkgs, func(a, b inventory.Package) bool {
		return a.Name == b.Name && a.Version == b.Version
	})
}
