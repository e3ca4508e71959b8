// Package dotnet catalogs the NuGet packages of .NET applications.
//
// It reads two files wherever they are (globs "**/*.deps.json" and
// "**/packages.lock.json"):
//
//   - *.deps.json, the dependency manifest `dotnet publish` writes beside an
//     app: its "libraries" object maps "ID/Version" to {"type": ...}.
//     Type "package" is a NuGet package and is reported. Type "runtimepack"
//     is the .NET runtime a self-contained app bundles; it is reported under
//     the runtime pack's NuGet ID, the library name without its
//     "runtimepack." prefix (Microsoft.NETCore.App.Runtime.linux-x64 8.0.1),
//     since that is the package .NET runtime advisories name. Types
//     "project" (the app and its project references), "reference" and
//     "referenceassembly" are not NuGet packages and are skipped, as is any
//     type not named here.
//   - packages.lock.json, NuGet's lock file (format versions 1 and 2), left
//     in images that copy the source tree: "dependencies" maps each target
//     framework to {"ID": {"type", "resolved"}}. Every entry but type
//     "Project" is reported (Direct, Transitive, CentralTransitive), with
//     its resolved version; one package resolved alike for several target
//     frameworks is reported once.
//
// Names are the package IDs as written (NuGet IDs are case-insensitive;
// matching folds case). Versions are kept as written. Neither file states
// licences, so none are filled.
//
// Usage:
//
//	c := dotnet.New(logger)
//	pkgs, err := c.Catalog(ctx, fsys)
//
// Finding the files: the globs start with "**/", so Catalog walks fsys and
// reads the regular files they match. On an image view that walk is cheap
// (the view holds only the files some cataloger keeps); on a root file
// system directory it visits every directory once.
//
// Hostile input: each file is read whole up to Config.MaxFileSize, its JSON
// nesting is checked against Config.MaxDepth before decoding (encoding/json
// alone allows 10,000 levels), and its entries are capped
// (Config.MaxEntries); so are the files read per Catalog (Config.MaxFiles).
// Each library and lock entry is decoded on its own, so one of the wrong
// type, with an invalid ID (NuGet's characters, at most 256 bytes) or
// version, loses only itself. A file that breaks a limit or is not JSON is
// logged with its path and skipped; the first ten bad entries of a file are
// logged, the rest counted. Catalog fails only when ctx ends or fsys fails.
//
// Not read: the "targets" section of deps.json (dependency edges);
// *.runtimeconfig.json (the framework an app needs, not what it ships);
// project.assets.json and *.csproj / packages.config (build inputs, not
// what was published); the assemblies themselves (a DLL's file version is
// not its package's version). PURLs, layers and locations are filled by
// inventory.Catalog.
package dotnet
