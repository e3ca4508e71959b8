package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/image"
	"github.com/vigil-sec/vigil/internal/image/source"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/catalogers"
	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/scan"
)

// sbomFlags are the flags of the sbom commands.
type sbomFlags struct {
	format   string
	output   string
	platform string
	insecure bool
	noCache  bool
}

func sbomCommand(g *globals, stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sbom",
		Short: "List the packages in an image or a root file system",
	}
	var f sbomFlags
	addOutputFlags := func(c *cobra.Command) {
		c.Flags().StringVarP(&f.format, "format", "f", "table", "output format: "+strings.Join(formatNames(), ", "))
		c.Flags().StringVarP(&f.output, "output", "o", "", "write to this file instead of standard output")
		c.Flags().BoolVar(&f.noCache, "no-cache", false, "walk every layer even when its result is cached")
	}
	imageCmd := &cobra.Command{
		Use:   "image REF",
		Short: "List the packages in a container image",
		Long: `List the packages in a container image.

REF is a registry reference (registry.example.com/app:1.2, credentials from the
Docker config and its credential helpers), a docker-save tarball, an OCI archive,
or an OCI layout directory. A prefix forces the kind: registry:, docker-archive:,
oci-archive:, oci:.`,
		Example: `  vigil sbom image alpine:3.20
  vigil sbom image --format cyclonedx -o app.cdx.json myacr.azurecr.io/app@sha256:...
  vigil sbom image --insecure 127.0.0.1:5000/app:dev
  vigil sbom image ./app.tar`,
		Args: exactArgs(1, "one image reference"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSBOM(cmd, g, stdio, f, args[0])
		},
	}
	addOutputFlags(imageCmd)
	imageCmd.Flags().StringVar(&f.platform, "platform", "linux/amd64", "platform to pick from a multi-platform image (os/arch[/variant])")
	imageCmd.Flags().BoolVar(&f.insecure, "insecure", false, "UNSAFE: allow plain HTTP and unverified TLS to the registry")

	rootfsCmd := &cobra.Command{
		Use:     "rootfs DIR",
		Short:   "List the packages in a root file system directory",
		Example: "  vigil sbom rootfs /\n  vigil sbom rootfs --format spdx-json ./rootfs",
		Args:    exactArgs(1, "one directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := rootfsRef(args[0])
			if err != nil {
				return err
			}
			return runSBOM(cmd, g, stdio, f, ref)
		},
	}
	addOutputFlags(rootfsCmd)
	cmd.AddCommand(imageCmd, rootfsCmd)
	return cmd
}

func runSBOM(cmd *cobra.Command, g *globals, stdio IO, f sbomFlags, ref string) error {
	enc, ok := encoder(f.format)
	if !ok {
		return usagef("unknown format %q (want one of %s)", f.format, strings.Join(formatNames(), ", "))
	}
	inv, err := takeInventory(cmd.Context(), g, stdio, ref, imageFlags{platform: f.platform, insecure: f.insecure, noCache: f.noCache})
	if err != nil {
		return err
	}
	return writeOutput(f.output, stdio.Out, func(w io.Writer) error {
		return enc(w, inv, outputOptions{color: f.output == "" && isTerminal(stdio.Out)})
	})
}

// imageFlags are how an image is read.
type imageFlags struct {
	platform string
	insecure bool
	noCache  bool
}

// takeInventory resolves ref and lists its packages, with a progress line
// on a terminal.
func takeInventory(ctx context.Context, g *globals, stdio IO, ref string, f imageFlags) (*inventory.Inventory, error) {
	res, err := takeImage(ctx, g, stdio, ref, f, scan.Detectors{})
	if err != nil {
		return nil, err
	}
	return res.Inventory, nil
}

// takeImage resolves ref, lists its packages and runs detect over its
// layers and config in the same walk, with a progress line on a terminal.
func takeImage(ctx context.Context, g *globals, stdio IO, ref string, f imageFlags, detect scan.Detectors) (*scan.Result, error) {
	if err := os.MkdirAll(g.cacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("create cache directory: %w", err)
	}
	tmpRoot := filepath.Join(g.cacheDir, "tmp")
	if err := os.MkdirAll(tmpRoot, 0o700); err != nil {
		return nil, fmt.Errorf("create cache directory: %w", err)
	}
	tmp, err := os.MkdirTemp(tmpRoot, "run-")
	if err != nil {
		return nil, fmt.Errorf("create temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	img, err := source.Resolve(ctx, ref, source.Options{Platform: f.platform, InsecureUnsafe: f.insecure})
	if err != nil {
		return nil, err
	}
	walk := image.DefaultConfig()
	walk.CacheDir = g.cacheDir
	walk.NoCache = f.noCache
	cfg := scan.Config{Walk: walk, Catalogers: catalogers.Default(catalogers.Config{TempDir: tmp, Log: g.log}), Detect: detect}

	obs := scan.Observer{Log: g.log}
	if !g.quiet && isTerminal(stdio.Err) && img.Source != "dir" {
		p := newProgress(stdio.Err, len(img.Layers))
		obs.Progress = p.update
		defer p.stop()
	}
	start := time.Now()
	res, err := scan.Image(ctx, img, cfg, obs)
	if err != nil {
		return nil, err
	}
	g.log.Info("inventory done", "image", img.Name, "packages", len(res.Inventory.Packages), "elapsed", time.Since(start).Round(time.Millisecond))
	return res, nil
}

type outputOptions struct {
	color bool
}

// encoder returns the output encoder for a --format name.
func encoder(name string) (func(io.Writer, *inventory.Inventory, outputOptions) error, bool) {
	switch name {
	case "table":
		return func(w io.Writer, inv *inventory.Inventory, o outputOptions) error {
			return report.Table(w, inv, report.TableOptions{Color: o.color})
		}, true
	case "json":
		return func(w io.Writer, inv *inventory.Inventory, _ outputOptions) error {
			return report.JSON(w, inv)
		}, true
	case "cyclonedx", "cyclonedx-json":
		return func(w io.Writer, inv *inventory.Inventory, _ outputOptions) error {
			opts := sbom.DefaultOptions()
			opts.ToolVersion = version()
			return sbom.EncodeCycloneDX(w, inv, opts)
		}, true
	case "spdx-json", "spdx":
		return func(w io.Writer, inv *inventory.Inventory, _ outputOptions) error {
			opts := sbom.DefaultOptions()
			opts.ToolVersion = version()
			return sbom.EncodeSPDX(w, inv, opts)
		}, true
	}
	return nil, false
}

func formatNames() []string { return []string{"table", "json", "cyclonedx", "spdx-json"} }
