// Package catalogers holds the list of catalogers vigil runs by default: one
// line per cataloger, no registration. A new cataloger is a package under
// internal/inventory and one line in Default.
package catalogers

import (
	"log/slog"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/apk"
	"github.com/vigil-sec/vigil/internal/inventory/dotnet"
	"github.com/vigil-sec/vigil/internal/inventory/dpkg"
	"github.com/vigil-sec/vigil/internal/inventory/gobin"
	"github.com/vigil-sec/vigil/internal/inventory/java"
	"github.com/vigil-sec/vigil/internal/inventory/npm"
	"github.com/vigil-sec/vigil/internal/inventory/php"
	"github.com/vigil-sec/vigil/internal/inventory/python"
	"github.com/vigil-sec/vigil/internal/inventory/rpm"
	"github.com/vigil-sec/vigil/internal/inventory/ruby"
	"github.com/vigil-sec/vigil/internal/inventory/rust"
)

// Config is what the default catalogers need from the caller.
type Config struct {
	// TempDir is a directory inside vigil's cache directory for the files a
	// cataloger must copy out of an image (rpm databases); removed by the caller.
	TempDir string
	// Log receives warnings about malformed records; nil discards them.
	Log *slog.Logger
}

// Default returns the catalogers for OS packages and for the packages of
// every language ecosystem vigil knows.
func Default(cfg Config) []inventory.Cataloger {
	return []inventory.Cataloger{
		dpkg.New(cfg.Log),
		apk.New(cfg.Log),
		rpm.New(cfg.TempDir, cfg.Log),
		gobin.New(cfg.Log),
		npm.New(cfg.Log),
		python.New(cfg.Log),
		java.New(cfg.Log),
		dotnet.New(cfg.Log),
		rust.New(cfg.Log),
		ruby.New(cfg.Log),
		php.New(cfg.Log),
	}
}
