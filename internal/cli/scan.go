package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/misconfig/files"
	"github.com/vigil-sec/vigil/internal/misconfig/imageconfig"
	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/secrets"
	"github.com/vigil-sec/vigil/internal/suppress"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// defaultIgnoreFile is read from the working directory when --ignorefile
// is not given and the file exists.
const defaultIgnoreFile = ".vigilignore.yaml"

// scanFlags are the flags of the scan commands.
type scanFlags struct {
	image         imageFlags
	format        string
	output        string
	severities    []string
	ignoreUnfixed bool
	exitCode      int
	ignoreFile    string
	vex           []string
	maxAge        time.Duration
	scanners      []string
	secretMaxSize int64
	secretBinary  bool
	secretSkip    []string
}

func scanCommand(g *globals, stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Find vulnerabilities, secrets and risky configuration in an image, a root file system or an SBOM",
		Long: `Find the known vulnerabilities of every package, matched against the local
database ('vigil db update' or 'vigil db import' fills it; nothing is fetched
during a scan), and, in images and root file systems, secrets in every file of
every layer (files a later layer deletes included) and in the image config,
and risky image configuration (root user, setuid files, world-writable
directories, package caches, no HEALTHCHECK, SSH, ...).

--scanners picks them: vuln, secret, misconfig (all three by default; an SBOM
has only vuln). Without vuln no database is needed.

Exit status: 0 when the scan ran (whatever it found), unless --exit-code N is
given: then N when any finding remains after --severity, --ignore-unfixed,
--ignorefile and --vex. 1 on errors, 2 on usage mistakes.`,
	}
	var f scanFlags
	defaults := defaultScanFlags()
	addFlags := func(c *cobra.Command) {
		fl := c.Flags()
		fl.StringVarP(&f.format, "format", "f", "table", "output format: "+strings.Join(scanFormatNames(), ", "))
		fl.StringVarP(&f.output, "output", "o", "", "write to this file instead of standard output")
		fl.StringSliceVar(&f.severities, "severity", nil, "report only these severities (comma-separated: critical,high,medium,low,negligible,unknown)")
		fl.BoolVar(&f.ignoreUnfixed, "ignore-unfixed", false, "leave out vulnerabilities that have no fixed version")
		fl.IntVar(&f.exitCode, "exit-code", 0, "exit with this status when any finding remains (0: never)")
		fl.StringVar(&f.ignoreFile, "ignorefile", "", "ignore file (YAML: id, package, reason, expires); default "+defaultIgnoreFile+" when present")
		fl.StringSliceVar(&f.vex, "vex", nil, "OpenVEX or CycloneDX VEX document whose not_affected statements suppress findings (repeatable)")
		fl.DurationVar(&f.maxAge, "max-db-age", defaults.maxAge, "warn when a source's data is older than this (0: never)")
	}
	addImageFlags := func(c *cobra.Command) {
		fl := c.Flags()
		fl.StringSliceVar(&f.scanners, "scanners", defaults.scanners, "what to look for (comma-separated): vuln, secret, misconfig")
		fl.Int64Var(&f.secretMaxSize, "secret-max-size", defaults.secretMaxSize, "skip files larger than this many bytes in the secret scan (-1: no limit)")
		fl.BoolVar(&f.secretBinary, "secret-scan-binary", false, "scan files that look binary for secrets too")
		fl.StringSliceVar(&f.secretSkip, "secret-skip-dir", defaults.secretSkip,
			"directories (a name or a run of them, anywhere in a path) whose files the secret scan skips; 'none' skips none")
	}
	imageCmd := &cobra.Command{
		Use:   "image REF",
		Short: "Scan a container image",
		Long: `Scan a container image: its inventory, layer by layer, matched against the
local vulnerability database. REF is as for 'vigil sbom image'.`,
		Example: `  vigil scan image --severity critical,high --exit-code 3 myacr.azurecr.io/app:1.2
  vigil scan image --format sarif -o vigil.sarif ./app.tar`,
		Args: exactArgs(1, "one image reference"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, g, stdio, f, func(d scan.Detectors) (*scan.Result, error) {
				return takeImage(cmd.Context(), g, stdio, args[0], f.image, d)
			})
		},
	}
	addFlags(imageCmd)
	addImageFlags(imageCmd)
	imageCmd.Flags().StringVar(&f.image.platform, "platform", "linux/amd64", "platform to pick from a multi-platform image (os/arch[/variant])")
	imageCmd.Flags().BoolVar(&f.image.insecure, "insecure", false, "UNSAFE: allow plain HTTP and unverified TLS to the registry")
	imageCmd.Flags().BoolVar(&f.image.noCache, "no-cache", false, "walk every layer even when its result is cached")

	rootfsCmd := &cobra.Command{
		Use:     "rootfs DIR",
		Short:   "Scan a root file system directory",
		Example: "  vigil scan rootfs /\n  vigil scan rootfs --format json ./rootfs",
		Args:    exactArgs(1, "one directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := rootfsRef(args[0])
			if err != nil {
				return err
			}
			return runScan(cmd, g, stdio, f, func(d scan.Detectors) (*scan.Result, error) {
				return takeImage(cmd.Context(), g, stdio, ref, f.image, d)
			})
		},
	}
	addFlags(rootfsCmd)
	addImageFlags(rootfsCmd)

	sbomCmd := &cobra.Command{
		Use:   "sbom FILE",
		Short: "Match a stored SBOM (CycloneDX or SPDX, from vigil or other tools) without the image",
		Example: `  vigil sbom image -f cyclonedx -o app.cdx.json app:1.2
  vigil scan sbom app.cdx.json`,
		Args: exactArgs(1, "one SBOM file ('-' for standard input)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			sf := f
			sf.scanners = []string{match.ScannerVuln} // an SBOM has no files or config
			return runScan(cmd, g, stdio, sf, func(scan.Detectors) (*scan.Result, error) {
				inv, err := readSBOM(args[0], stdio.In)
				if err != nil {
					return nil, err
				}
				return &scan.Result{Inventory: inv}, nil
			})
		},
	}
	addFlags(sbomCmd)
	cmd.AddCommand(imageCmd, rootfsCmd, sbomCmd, dockerfileCommand(g, stdio), k8sCommand(g, stdio))
	return cmd
}

// rootfsRef checks that dir is a directory and returns its source reference.
func rootfsRef(dir string) (string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("rootfs: %w", err)
	}
	if !fi.IsDir() {
		return "", usagef("rootfs: %s is not a directory", dir)
	}
	return "dir:" + dir, nil
}

func readSBOM(path string, stdin io.Reader) (*inventory.Inventory, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read SBOM: %w", err)
		}
		defer f.Close()
		r = f
	}
	inv, err := sbom.Decode(r, path)
	if err != nil {
		return nil, fmt.Errorf("read SBOM %s: %w", path, err)
	}
	return inv, nil
}

func runScan(cmd *cobra.Command, g *globals, stdio IO, f scanFlags, take func(scan.Detectors) (*scan.Result, error)) error {
	enc, ok := scanEncoder(f.format)
	if !ok {
		return usagef("unknown format %q (want one of %s)", f.format, strings.Join(scanFormatNames(), ", "))
	}
	res, err := performScan(cmd.Context(), g, f, take)
	if err != nil {
		return err
	}
	err = writeOutput(f.output, stdio.Out, func(w io.Writer) error {
		return enc(w, res, scanOutputOptions{color: f.output == "" && isTerminal(stdio.Out), width: terminalWidth(stdio.Out)})
	})
	if err != nil {
		return err
	}
	if f.exitCode != 0 && len(res.Findings)+len(res.Secrets)+len(res.Misconfigurations) > 0 {
		return exitError{code: f.exitCode}
	}
	return nil
}

// allScanners are the scanners in their fixed order.
func allScanners() []string {
	return []string{match.ScannerVuln, match.ScannerSecret, match.ScannerMisconfig}
}

// defaultScanFlags are the scan flags' defaults: the scan commands' flag
// defaults, and the settings of commands that scan without offering every
// scan flag (attest, check, push).
func defaultScanFlags() scanFlags {
	return scanFlags{
		maxAge:        7 * 24 * time.Hour,
		scanners:      allScanners(),
		secretMaxSize: secrets.DefaultMaxFileSize,
		secretSkip:    secrets.DefaultSkipDirs(),
	}
}

// performScan runs a scan as f describes and returns its result: the
// vulnerabilities, secrets and misconfigurations after filters and
// suppressions; warnings are logged.
func performScan(ctx context.Context, g *globals, f scanFlags, take func(scan.Detectors) (*scan.Result, error)) (*match.Result, error) {
	scanners, err := parseScanners(f.scanners)
	if err != nil {
		return nil, err
	}
	cfg := scan.VulnConfig{Filter: match.FilterOptions{IgnoreUnfixed: f.ignoreUnfixed}, MaxAge: f.maxAge}
	var checkSev []finding.Severity
	for _, s := range f.severities {
		sev, err := match.ParseSeverity(s)
		if err != nil {
			return nil, usagef("--severity: %v", err)
		}
		cfg.Filter.Severities = append(cfg.Filter.Severities, sev)
		if fs, ok := finding.ParseSeverity(s); ok {
			checkSev = append(checkSev, fs)
		}
	}
	detect, err := detectors(scanners, f)
	if err != nil {
		return nil, err
	}
	rules, err := loadRules(f)
	if err != nil {
		return nil, err
	}
	cfg.Rules = rules
	var db *vulndb.DB
	if slices.Contains(scanners, match.ScannerVuln) {
		// Open the database before the (slower) inventory so that a
		// missing database fails fast.
		if db, err = openDB(g); err != nil {
			return nil, err
		}
		defer db.Close()
	}

	started := time.Now()
	taken, err := take(detect)
	if err != nil {
		return nil, err
	}
	res := &match.Result{Inventory: taken.Inventory, Findings: []match.Finding{}}
	if db != nil {
		if res, err = scan.Vulnerabilities(ctx, taken.Inventory, db, cfg); err != nil {
			return nil, err
		}
	}
	res.Scanned = started.UTC().Truncate(time.Second)
	res.Scanners = scanners
	res.Secrets = filterChecks(taken.Secrets, checkSev, len(f.severities) > 0)
	res.Misconfigurations = filterChecks(taken.Misconfigurations, checkSev, len(f.severities) > 0)
	if rules != nil && (res.Secrets != nil || res.Misconfigurations != nil) {
		src := taken.Inventory.Source
		kept, sup, warn := rules.ForTarget(src.Name, src.Digest).ApplyChecks(slices.Concat(res.Secrets, res.Misconfigurations), time.Now())
		res.Secrets, res.Misconfigurations = splitChecks(kept, res.Secrets != nil, res.Misconfigurations != nil)
		res.SuppressedChecks = sup
		res.Warnings = append(res.Warnings, warn...)
	}
	for _, w := range res.Warnings {
		g.log.Warn(w)
	}
	return res, nil
}

// openDB opens the vulnerability database, saying how to make one.
func openDB(g *globals) (*vulndb.DB, error) {
	db, err := vulndb.Open(g.dbFile())
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w (run 'vigil db update', or 'vigil db import PATH' offline)", err)
		}
		if errors.Is(err, vulndb.ErrSchema) {
			return nil, fmt.Errorf("%w (written by another vigil version: run 'vigil db update', or 'vigil db import PATH' offline, to rebuild it)", err)
		}
		return nil, err
	}
	return db, nil
}

// parseScanners checks --scanners and returns them in a fixed order.
func parseScanners(names []string) ([]string, error) {
	all := allScanners()
	var out []string
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if !slices.Contains(all, n) {
			return nil, usagef("--scanners: unknown scanner %q (want vuln, secret or misconfig)", n)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, usagef("--scanners: name at least one of vuln, secret, misconfig")
	}
	var sorted []string
	for _, a := range all {
		if slices.Contains(out, a) {
			sorted = append(sorted, a)
		}
	}
	return sorted, nil
}

// detectors builds the secret and configuration checks --scanners asks for.
func detectors(scanners []string, f scanFlags) (scan.Detectors, error) {
	var d scan.Detectors
	if slices.Contains(scanners, match.ScannerSecret) {
		if f.secretMaxSize == 0 || f.secretMaxSize < -1 {
			return d, usagef("--secret-max-size must be positive, or -1 for no limit")
		}
		skip := f.secretSkip
		if len(skip) == 1 && skip[0] == "none" || skip == nil {
			skip = []string{}
		}
		s, err := secrets.New(secrets.Config{MaxFileSize: f.secretMaxSize, ScanBinary: f.secretBinary, SkipDirs: skip})
		if err != nil {
			return d, usagef("--secret-skip-dir: %v", err)
		}
		d.Secrets = s
	}
	if slices.Contains(scanners, match.ScannerMisconfig) {
		d.Config = &imageconfig.Options{}
		c, err := files.New(files.Options{})
		if err != nil {
			return d, err
		}
		d.Files = c
	}
	return d, nil
}

// splitChecks parts findings into secrets and the rest; a list whose
// scanner ran is [] rather than nil.
func splitChecks(fs []finding.Finding, secretsRan, misconfigRan bool) (sec, mis []finding.Finding) {
	if secretsRan {
		sec = []finding.Finding{}
	}
	if misconfigRan {
		mis = []finding.Finding{}
	}
	for _, f := range fs {
		if f.Kind == finding.KindSecret {
			sec = append(sec, f)
		} else {
			mis = append(mis, f)
		}
	}
	return sec, mis
}

// filterChecks keeps the findings of the --severity list (when given).
func filterChecks(fs []finding.Finding, sev []finding.Severity, filter bool) []finding.Finding {
	if !filter || fs == nil {
		return fs
	}
	out := []finding.Finding{}
	for _, f := range fs {
		if slices.Contains(sev, f.Severity) {
			out = append(out, f)
		}
	}
	return out
}

// loadRules reads the ignore file and the VEX documents.
func loadRules(f scanFlags) (*suppress.Rules, error) {
	var sets []*suppress.Rules
	path := f.ignoreFile
	if path == "" {
		if _, err := os.Stat(defaultIgnoreFile); err == nil {
			path = defaultIgnoreFile
		}
	}
	if path != "" {
		r, err := parseFile(path, suppress.ParseIgnoreFile)
		if err != nil {
			return nil, err
		}
		sets = append(sets, r)
	}
	for _, v := range f.vex {
		r, err := parseFile(v, suppress.ParseVEX)
		if err != nil {
			return nil, err
		}
		sets = append(sets, r)
	}
	if len(sets) == 0 {
		return nil, nil
	}
	return suppress.Merge(sets...), nil
}

func parseFile(path string, parse func(io.Reader, string) (*suppress.Rules, error)) (*suppress.Rules, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	return parse(f, path)
}

type scanOutputOptions struct {
	color bool
	width int
}

// scanEncoder returns the writer of a scan --format.
func scanEncoder(name string) (func(io.Writer, *match.Result, scanOutputOptions) error, bool) {
	switch name {
	case "table":
		return func(w io.Writer, res *match.Result, o scanOutputOptions) error {
			return report.VulnTable(w, res, report.VulnTableOptions{Color: o.color, Width: o.width, Now: time.Now()})
		}, true
	case "json":
		return func(w io.Writer, res *match.Result, _ scanOutputOptions) error {
			return report.VulnJSON(w, res)
		}, true
	case "sarif":
		return func(w io.Writer, res *match.Result, _ scanOutputOptions) error {
			return report.SARIF(w, res, report.SARIFOptions{ToolVersion: version()})
		}, true
	case "cyclonedx", "cyclonedx-json":
		return func(w io.Writer, res *match.Result, _ scanOutputOptions) error {
			opts := sbom.DefaultOptions()
			opts.ToolVersion = version()
			return report.CycloneDXVulns(w, res, opts)
		}, true
	case "junit":
		return func(w io.Writer, res *match.Result, _ scanOutputOptions) error {
			return report.JUnit(w, res)
		}, true
	}
	return nil, false
}

func scanFormatNames() []string { return []string{"table", "json", "sarif", "cyclonedx", "junit"} }
