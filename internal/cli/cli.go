// Package cli is vigil's command line: it parses flags, environment and
// files into each package's Config, calls one function and prints the result.
// Nothing imports it.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Exit codes, the same for every command.
const (
	ExitOK       = 0
	ExitError    = 1
	ExitUsage    = 2
	ExitFindings = 3
)

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// usageError marks a mistake in how vigil was called (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitError ends a run that worked with a chosen exit status (scan
// --exit-code): nothing is printed for it.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// globals are the flags every command shares.
type globals struct {
	cacheDir string
	db       string
	verbose  int
	quiet    bool
	log      *slog.Logger
}

// Main runs vigil with args (without the program name) and returns the exit code.
func Main(ctx context.Context, args []string, stdio IO) int {
	g := &globals{}
	root := &cobra.Command{
		Use:           "vigil",
		Short:         "Container security from build to runtime",
		Long:          "vigil inventories container images and root file systems, finds what is vulnerable or risky in them, and enforces what may run.",
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			level := slog.LevelWarn
			switch {
			case g.quiet:
				level = slog.LevelError
			case g.verbose == 1:
				level = slog.LevelInfo
			case g.verbose > 1:
				level = slog.LevelDebug
			}
			g.log = slog.New(slog.NewTextHandler(stdio.Err, &slog.HandlerOptions{Level: level}))
			if g.cacheDir == "" {
				dir, err := defaultCacheDir()
				if err != nil {
					return err
				}
				g.cacheDir = dir
			}
			return nil
		},
	}
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.cacheDir, "cache-dir", os.Getenv("VIGIL_CACHE_DIR"), "cache directory (default $VIGIL_CACHE_DIR, else the user cache directory)/vigil")
	pf.StringVar(&g.db, "db", os.Getenv("VIGIL_DB"), "vulnerability database file (default $VIGIL_DB, else <cache dir>/db/vulndb.bolt)")
	pf.CountVarP(&g.verbose, "verbose", "v", "log more (-v info, -vv debug)")
	pf.BoolVarP(&g.quiet, "quiet", "q", false, "no progress display, errors only")

	root.AddCommand(sbomCommand(g, stdio), scanCommand(g, stdio), dbCommand(g, stdio),
		keyCommand(g, stdio), signCommand(g, stdio), verifyCommand(g, stdio), attestCommand(g, stdio),
		checkCommand(g, stdio), pushCommand(g, stdio), policyCommand(g, stdio))

	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(stdio.Err, "vigil: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintln(stdio.Err, "Run 'vigil --help' for usage.")
		return ExitUsage
	}
	return ExitError
}

// isCobraUsage recognises cobra's own argument errors, which it returns unwrapped.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument"} {
		if len(msg) >= len(p) && (msg[:len(p)] == p) {
			return true
		}
	}
	return false
}

func defaultCacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a cache directory (set --cache-dir or VIGIL_CACHE_DIR): %w", err)
	}
	return filepath.Join(base, "vigil"), nil
}

// exactArgs is cobra.ExactArgs with a usage error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("expected %s, got %d arguments", what, len(args))
		}
		return nil
	}
}

func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}
