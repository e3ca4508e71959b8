// Package scan is the one pipeline every entry point calls: image source ->
// layer walk -> inventory (and, as they arrive, matching, secrets and
// misconfiguration). It composes the stages; it owns no format and prints
// nothing.
package scan
