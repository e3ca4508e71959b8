// Package imageconfig checks an image's configuration (the OCI/Docker config
// file and the reference it was pulled by) for risky settings, in the spirit
// of the CIS Docker Benchmark: running as root, credentials in ENV or build
// arguments, ADD from a URL, no HEALTHCHECK, a `latest` tag or no digest, and
// an SSH server.
//
// Usage:
//
//	fs := imageconfig.Check(cfg, "registry.example/app:1.2", imageconfig.DefaultOptions())
//
// Every finding has Kind finding.KindImage and a pseudo path such as
// "config:User", "config:Env" or "config:history[3]". A credential's value
// never appears in a finding: only the variable's name does.
//
// Limits: checks that need the image's files (setuid/setgid files,
// world-writable directories, package-manager caches left behind) are not
// here; they belong to a detector over the image file view. Secret values
// are judged by the variable name only; internal/secrets judges values.
package imageconfig
