// Package python catalogs Python distributions: those installed in an image
// (site-packages, dist-packages) and those that lock and pinned requirements
// files name.
//
// Usage:
//
//	c := python.New(logger)
//	pkgs, err := c.Catalog(ctx, fsys)
//
// Every package has Type inventory.TypePyPI, Name as the file declares it
// ("PyYAML", "typing_extensions"; matching normalizes per PEP 503) and Path
// the file it was read from. Formats, by glob:
//
//   - **/*.dist-info/METADATA, **/*.egg-info/PKG-INFO and **/*.egg-info when
//     it is a regular file (old setuptools writes one PKG-INFO-format file;
//     an *.egg-info directory is not read as a file): core metadata, read
//     as Python's email.parser reads the header section. Name and Version;
//     Licenses from License-Expression (metadata 2.4) when present, else a
//     short one-line License field (not "UNKNOWN", not a licence text) and
//     the licence classifiers as text ("License :: OSI Approved :: BSD
//     License" is "BSD License"), mapped to an SPDX ID only where the
//     classifier names exactly one licence ("MIT License" is "MIT"). A
//     dist-info and an egg-info of one project are two places; Catalog merges.
//   - **/poetry.lock (lock-version 1.x and 2.x): every [[package]], whatever
//     its source.
//   - **/uv.lock: every [[package]] except those whose source is editable,
//     virtual or directory: the project being locked, its workspace members
//     and local projects, which are not index distributions and often have
//     no version.
//   - **/Pipfile.lock: the "default" and "develop" entries pinned with "=="
//     or "==="; git, path and editable entries carry no version and are
//     skipped.
//   - **/requirements*.txt and **/requirements/*.txt: exact pins only
//     ("name==1.2.3", "name===1.2.3", "name[extra]==1" with environment
//     markers after ';', --hash and other per-requirement options, trailing
//     comments, backslash continuations). Skipped on purpose: option lines
//     (-r, -c, -e, --index-url and the rest; included files are not
//     followed), URL, path and VCS requirements ("name @ https://...",
//     "git+https://..."), ranges (">=", "~=", "!=", several clauses),
//     wildcards ("==1.*") and unversioned names: none names one version.
//
// What is deliberately not read: the description body of core metadata
// (the header is read through a 4 KiB buffer and reading stops at the first
// empty line, so a METADATA costs a few KiB however long its description);
// RECORD, top_level.txt and other dist-info files; pyproject.toml,
// setup.py, setup.cfg and Pipfile (ranges, not versions); wheel and egg
// archives; the site-packages of a Python install not under a glob above.
//
// Hostile input: every file is capped (Config.MaxHeaderBytes,
// MaxLockBytes, MaxRequirementsBytes), as are lines, lines per file,
// packages per file, the files and the bytes of one Catalog, and the
// nesting of TOML and JSON (brackets, and the parts of TOML dotted keys),
// checked with package nesting before parsing. A malformed, oversized
// or hostile file is logged (Warn with its path and the reason) and skipped;
// a malformed entry of a lock or requirements file is logged (the first ten
// of a file) and skipped, the rest still read. Catalog fails only when ctx
// ends or fsys itself fails.
//
// Packages are deduplicated within one file only; PURLs, layers, locations
// and owning OS packages are filled by inventory.Catalog.
package python
