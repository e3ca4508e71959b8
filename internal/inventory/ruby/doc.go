// Package ruby catalogs Ruby gems.
//
// It reads two kinds of file wherever they are:
//
//   - the gemspecs RubyGems writes for every installed gem
//     ("**/specifications/*.gemspec", and the default gems that ship with
//     Ruby, "**/specifications/default/*.gemspec"): system gems, Bundler's
//     vendor/bundle and /usr/local/bundle alike. A gemspec is Ruby code;
//     it is never run. A line reader takes the assignments needed,
//     "<var>.name", "<var>.version" and "<var>.license(s)", whatever the
//     block variable is called ("s" as RubyGems writes it, "spec" as
//     Bundler's template does), when their value is a literal: a string in
//     either quote style, optionally .freeze'd, Gem::Version.new("...") for
//     the version, an array of strings or %w[...] for licences. The first
//     assignment of each counts. The "# stub: name version ..." comment
//     stands in for a name or version that is not assigned. A gemspec whose
//     name or version is not a literal (Foo::VERSION, as source gemspecs
//     write it) is logged and skipped; unreadable licences lose only the
//     licences.
//   - Bundler's Gemfile.lock ("**/Gemfile.lock"): the gems under "  specs:"
//     in the GEM, GIT and PATH sections, each "    name (version)" line
//     indented by exactly four spaces (six-space lines are dependency
//     constraints). A platform gem, "    nokogiri (1.13.10-x86_64-linux)",
//     has its version cut at the first "-" (RubyGems versions have none),
//     so a gem locked for several platforms is reported once. GIT and PATH
//     gems, built from a repository or a local directory (the app itself
//     among them), are reported like the others: their names and versions
//     are what Bundler installed, and a name that collides with a public
//     gem would be matched as that gem.
//
// Gems are reported with the name and version as written; platforms are not
// recorded (Arch is empty), so one gem in a gemspec and a lock file merges.
//
// Usage:
//
//	c := ruby.New(logger)
//	pkgs, err := c.Catalog(ctx, fsys)
//
// Finding the files: the globs start with "**/", so Catalog walks fsys and
// reads the regular files they match. On an image view that walk is cheap
// (the view holds only the files some cataloger keeps); on a root file
// system directory it visits every directory once.
//
// Hostile input: files are read by lines through a buffer of at most
// Config.MaxLine bytes (no larger than the file), so an endless line costs
// no memory; bytes per file (Config.MaxFileSize), specs per lock file
// (Config.MaxEntries) and files per Catalog (Config.MaxFiles) are capped.
// A line longer than the buffer is an error only where it holds a value
// read. A malformed or oversized file is logged with its path and skipped;
// a malformed spec line loses only itself (the first ten of a file are
// logged, the rest counted). Catalog fails only when ctx ends or fsys fails.
//
// Not read: the gemspecs inside gem source trees ("gems/x-1.0/x.gemspec",
// code that computes its version); Gemfile (constraints); the "PLUGIN
// SOURCE" section of Gemfile.lock (Bundler plugins, not application gems);
// "BUNDLED WITH" (the Bundler that wrote the file; Bundler itself is found
// by its gemspec when installed); the Ruby interpreter (an OS package or a
// binary). PURLs, layers and locations are filled by inventory.Catalog.
package ruby
