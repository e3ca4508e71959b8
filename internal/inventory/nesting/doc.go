// Package nesting bounds how deeply a JSON or TOML document nests before a
// parser sees it.
//
// encoding/json recurses once per array or object and allows 10,000 levels;
// github.com/BurntSushi/toml recurses once per array or inline table with no
// limit at all, and spends minutes on 100,000 nested arrays. A lock file read
// from an image is untrusted, so the catalogers that parse one (php, dotnet,
// python, rust) first run JSON or TOML over its bytes with a limit far above
// any real file (real lock files nest 2 to 6 deep) and skip the file when it
// is deeper.
//
// Usage:
//
//	if err := nesting.JSON(b, cfg.MaxDepth); err != nil {
//		log.Warn("skipped file", "path", p, "err", err)
//		return
//	}
//	err = json.Unmarshal(b, &doc)
//
// What counts: every "[" and "{" outside strings (and, for TOML, outside
// comments) opens a level, every "]" and "}" closes one. TOML table headers
// count too ("[[package]]" is two levels for the length of the header), and
// so do the dots of a TOML key: "a.b.c = 1" and "[a.b.c]" make nested
// tables without brackets, and BurntSushi/toml takes time quadratic in the
// parts of a key (a key of 10,000 parts, 20 KB, costs it 23 seconds).
// Syntax is not checked: that is the parser's job. A stray closing bracket
// never lowers the depth below zero and an unterminated string ends the scan
// of its line (TOML) or of the document (JSON), so malformed input is
// over-counted rather than under-counted: whatever passes cannot make the
// parser recurse deeper than the limit.
//
// Cost: one pass over the bytes, no allocation (see BenchmarkJSON and
// BenchmarkTOML).
package nesting
