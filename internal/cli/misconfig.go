package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/misconfig/dockerfile"
	"github.com/vigil-sec/vigil/internal/misconfig/k8s"
	"github.com/vigil-sec/vigil/internal/report"
)

// checkFlags are the flags of the configuration checks (scan dockerfile,
// scan k8s).
type checkFlags struct {
	format     string
	output     string
	severities []string
	exitCode   int
}

func (f *checkFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVarP(&f.format, "format", "f", "table", "output format: table, json, sarif")
	fl.StringVarP(&f.output, "output", "o", "", "write to this file instead of standard output")
	fl.StringSliceVar(&f.severities, "severity", nil, "report only these severities (comma-separated: critical,high,medium,low,unknown)")
	fl.IntVar(&f.exitCode, "exit-code", 0, "exit with this status when any finding remains (0: never)")
}

// report filters, writes and turns remaining findings into the exit code.
func (f *checkFlags) report(stdout io.Writer, target string, fs []finding.Finding) error {
	var keep map[finding.Severity]bool
	for _, s := range f.severities {
		sev, ok := finding.ParseSeverity(strings.TrimSpace(s))
		if !ok {
			return usagef("--severity: unknown severity %q (critical, high, medium, low, unknown)", s)
		}
		if keep == nil {
			keep = map[finding.Severity]bool{}
		}
		keep[sev] = true
	}
	if keep != nil {
		fs = slices.DeleteFunc(slices.Clone(fs), func(x finding.Finding) bool { return !keep[x.Severity] })
	}
	opts := report.FindingsOptions{Target: target}
	var write func(io.Writer) error
	switch f.format {
	case "table":
		write = func(w io.Writer) error { return report.FindingsTable(w, fs, opts) }
	case "json":
		write = func(w io.Writer) error { return report.FindingsJSON(w, fs, opts) }
	case "sarif":
		write = func(w io.Writer) error { return report.FindingsSARIF(w, fs, opts, version()) }
	default:
		return usagef("--format %q: want table, json or sarif", f.format)
	}
	if err := writeOutput(f.output, stdout, write); err != nil {
		return err
	}
	if f.exitCode != 0 && len(fs) > 0 {
		return exitError{code: f.exitCode}
	}
	return nil
}

func dockerfileCommand(g *globals, stdio IO) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "dockerfile FILE",
		Short: "Check a Dockerfile: root user, secrets in ENV/ARG, unpinned base images, ADD from URLs, caches left behind, ...",
		Example: `  vigil scan dockerfile Dockerfile
  vigil scan dockerfile --severity critical,high --exit-code 4 build/Dockerfile`,
		Args: exactArgs(1, "one Dockerfile"),
		RunE: func(cmd *cobra.Command, args []string) error {
			file, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("open Dockerfile: %w", err)
			}
			defer file.Close()
			fs, err := dockerfile.Check(cmd.Context(), file, filepath.ToSlash(args[0]), dockerfile.DefaultOptions())
			if err != nil {
				return fmt.Errorf("check %s: %w", args[0], err)
			}
			return f.report(stdio.Out, args[0], fs)
		},
	}
	f.add(cmd)
	return cmd
}

func k8sCommand(g *globals, stdio IO) *cobra.Command {
	var (
		f       checkFlags
		allowed []string
	)
	cmd := &cobra.Command{
		Use:   "k8s FILE|DIR",
		Short: "Check Kubernetes manifests: Pod Security Standards and least privilege",
		Long: `Check Kubernetes manifests (YAML or JSON, several documents, Helm output, Lists;
a directory is read for *.yaml, *.yml and *.json) against the Pod Security
Standards (baseline and restricted, by k8s.io/pod-security-admission) and
least-privilege checks: privileged, privilege escalation, capabilities,
root, host namespaces and paths, read-only root file system, service account
tokens, seccomp and AppArmor, resource limits, image digests and registries,
secrets in plain env values.`,
		Example: `  helm template ./chart | vigil scan k8s -
  vigil scan k8s --allowed-registry myacr.azurecr.io --exit-code 5 deploy/`,
		Args: exactArgs(1, "one file, directory, or '-' for standard input"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := k8s.DefaultConfig()
			cfg.AllowedRegistries = allowed
			fs, err := checkManifests(cmd.Context(), g, stdio, args[0], cfg)
			if err != nil {
				return err
			}
			return f.report(stdio.Out, args[0], fs)
		},
	}
	f.add(cmd)
	cmd.Flags().StringSliceVar(&allowed, "allowed-registry", nil, "registries images may come from (repeatable; none: not checked)")
	return cmd
}

// checkManifests checks one file, standard input ("-") or every manifest
// file under a directory; a document that does not decode is a warning.
func checkManifests(ctx context.Context, g *globals, stdio IO, arg string, cfg k8s.Config) ([]finding.Finding, error) {
	one := func(r io.Reader, name string) ([]finding.Finding, error) {
		res, err := k8s.Check(ctx, r, name, cfg)
		for _, de := range res.Errors {
			g.log.Warn("manifest document skipped", "err", de)
		}
		if err != nil {
			return res.Findings, fmt.Errorf("check %s: %w", name, err)
		}
		return res.Findings, nil
	}
	if arg == "-" {
		return one(stdio.In, "-")
	}
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, fmt.Errorf("open manifests: %w", err)
	}
	if !fi.IsDir() {
		file, err := os.Open(arg)
		if err != nil {
			return nil, fmt.Errorf("open manifests: %w", err)
		}
		defer file.Close()
		return one(file, filepath.ToSlash(arg))
	}
	var all []finding.Finding
	err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		file, err := os.Open(p)
		if err != nil {
			return err
		}
		defer file.Close()
		fs, err := one(file, filepath.ToSlash(p))
		all = append(all, fs...)
		if err != nil && errors.Is(err, k8s.ErrLimit) {
			g.log.Warn("manifest file skipped", "err", err)
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("check manifests in %s: %w", arg, err)
	}
	return all, nil
}
