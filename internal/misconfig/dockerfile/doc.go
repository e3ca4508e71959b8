// Package dockerfile checks a Dockerfile, parsed with BuildKit's own parser
// (github.com/moby/buildkit/frontend/dockerfile/parser), for the same
// concerns as the image configuration checks, at build time: the final
// stage's user is root or unset, credentials in ENV or ARG defaults, ADD from
// a URL or where COPY suffices, unpinned base images, no HEALTHCHECK, EXPOSE
// 22, package-manager caches left in a layer, sudo, and piping a download
// into a shell.
//
// Usage:
//
//	fs, err := dockerfile.Check(ctx, f, "Dockerfile", dockerfile.DefaultOptions())
//
// Every finding has Kind finding.KindDockerfile, the path given and the
// instruction's first and last line. A credential's value never appears in
// a finding: only the variable's name does.
//
// Multi-stage builds: checks about the resulting image (USER, HEALTHCHECK,
// EXPOSE, package caches) look at the final stage only; checks about the
// build itself (credentials, ADD, base images, sudo, curl | sh) look at every
// stage. A final stage built FROM an earlier stage inherits that stage's
// USER and HEALTHCHECK. A FROM naming an earlier stage, "scratch", or a reference still
// holding a variable after global ARG defaults are applied is not judged.
//
// Limits: shell commands are split on &&, ||, ;, | and newlines without a
// shell parser, so quoting can hide or invent a command; input is capped at
// Options.MaxBytes (ErrTooLarge) and BuildKit rejects lines over 64 KiB.
package dockerfile
