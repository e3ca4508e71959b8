// Package secrets finds credentials in files and in image configuration
// values: cloud keys (Azure storage keys, SAS tokens, connection strings,
// Entra ID client secrets, AWS, GCP), private keys, GitHub, GitLab, npm,
// PyPI, Slack and Stripe tokens, JWTs, passwords in URLs and generic
// high-entropy assignments such as password = "...".
//
// Usage:
//
//	s, err := secrets.New(secrets.Config{}) // Default() rules, 10 MiB cap, binaries skipped
//	fs, err := s.Scan(ctx, r, finding.Location{Layer: diffID, Path: "etc/app.env"})
//	fs = s.ScanString(envEntry, finding.Location{Path: "config:Env"})
//
// Every finding has Kind finding.KindSecret, a stable rule ID
// ("VGL-SEC-..."), the line and column of the secret, and a redacted Match
// (at most its first four characters, then asterisks, 16 characters in all).
// The secret itself never appears in any field, the Message included.
//
// # Rules
//
// The rules are written here (rules.go) rather than taken from
// github.com/zricethezav/gitleaks/v8: used as a library gitleaks brings a
// large dependency tree (viper, zerolog, its own regexp engine) and loads its
// rules from TOML at run time, and its rule IDs are not ours to keep stable.
// Our rules are plain Go values with IDs we own; a caller may pass its own
// list (Config.Rules); Merge(Default(), user) lets a user rule replace the
// built-in one with the same ID.
//
// Each rule has lower-case keywords. A block of input is lower-cased once
// and searched for every distinct keyword; a rule's regular expression (RE2,
// Go regexp) runs only on the lines that hold one of its keywords, plus
// Rule.Lines following lines for multi-line secrets (PEM bodies, GCP key
// files). A match is dropped when its secret is shorter than MinLength, has
// less Shannon entropy than MinEntropy, or contains an allowlisted
// placeholder ("example", "xxxx", "<your", "changeme", "${", "test", ...).
// Where two rules match the same text, the one earlier in the list wins, so
// an npm token in "_authToken=npm_..." is reported once, as an npm token.
//
// # Limits
//
// A rule's pattern runs on a window around each keyword (Rule.Before bytes
// before it, 512 after, or the whole line), so the work stays linear in the
// input even for lines packed with keywords.
//
// Scan reads 256 KiB at a time and keeps only that block, so memory is
// bounded whatever the input size. A line longer than 256 KiB is cut into
// pieces scanned separately; a secret across a cut, or a multi-line secret
// across a block boundary, is missed. Inputs with a NUL byte in their first
// 8 KiB are treated as binary and skipped unless Config.ScanBinary; inputs
// over Config.MaxFileSize give ErrTooLarge (Skip tells callers that know
// the size beforehand). At most 1000 findings are reported per input.
//
// The tests build their fake credentials at run time (concatenation and a
// seeded generator), so this repository holds no string that looks like a
// real secret to other scanners.
package secrets
