package scan

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/image"
	"github.com/vigil-sec/vigil/internal/inventory"
)

// Config is what the inventory stage needs.
type Config struct {
	// Walk bounds the layer walk and names the cache directory.
	Walk image.Config
	// Catalogers to run; see catalogers.Default.
	Catalogers []inventory.Cataloger
	// Detect are the secret and configuration checks run in the same walk
	// (Image only; Inventory runs none).
	Detect Detectors
}

// Observer receives logs and progress; both may be nil.
type Observer = image.Observer

// Inventory walks img once and lists its packages and distribution.
func Inventory(ctx context.Context, img *image.Image, cfg Config, obs Observer) (*inventory.Inventory, error) {
	cfg.Detect = Detectors{}
	res, err := Image(ctx, img, cfg, obs)
	if err != nil {
		return nil, err
	}
	return res.Inventory, nil
}

// Image walks img once: it lists its packages and distribution and runs
// cfg.Detect over every layer and the image config.
func Image(ctx context.Context, img *image.Image, cfg Config, obs Observer) (*Result, error) {
	log := obs.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	keep := KeepGlobs(cfg.Catalogers)
	walk := cfg.Walk
	walk.Markers = KeepMarkers(cfg.Catalogers)
	if cfg.Detect.inspects() {
		walk.Inspector = newInspector(cfg.Detect)
	}
	view, err := image.Walk(ctx, img, keep, walk, obs)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", img.Name, err)
	}
	defer func() {
		if err := view.Close(); err != nil {
			log.Warn("removing temporary files", "err", err)
		}
	}()
	top := view.NumLayers() - 1
	distro, err := inventory.DetectDistro(view.FS(top))
	if err != nil {
		return nil, fmt.Errorf("detect distribution of %s: %w", img.Name, err)
	}
	pkgs, err := inventory.Catalog(ctx, view, cfg.Catalogers, distro, log)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", img.Name, err)
	}
	if pkgs == nil {
		pkgs = []inventory.Package{}
	}
	res := &Result{Inventory: &inventory.Inventory{Source: SourceOf(img), Distro: distro, Packages: pkgs}, Config: img.Config}
	if walk.Inspector != nil {
		sec, fil, st, err := layerFindings(view)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", img.Name, err)
		}
		res.Secrets, res.Misconfigurations, res.Stats = sec, fil, st
		logStats(log, st, cfg.Detect.Secrets)
	}
	sec, mis := configFindings(img, cfg.Detect)
	res.Secrets = append(res.Secrets, sec...)
	res.Misconfigurations = append(res.Misconfigurations, mis...)
	if cfg.Detect.Secrets != nil && res.Secrets == nil {
		res.Secrets = []finding.Finding{}
	}
	if (cfg.Detect.Config != nil || cfg.Detect.Files != nil) && res.Misconfigurations == nil {
		res.Misconfigurations = []finding.Finding{}
	}
	finding.Sort(res.Secrets)
	finding.Sort(res.Misconfigurations)
	return res, nil
}

// KeepGlobs is the union of the files the catalogers and distribution
// detection read: all that a layer walk needs to keep.
func KeepGlobs(cats []inventory.Cataloger) []string {
	keep := slices.Clone(inventory.DistroGlobs())
	for _, c := range cats {
		keep = append(keep, c.Globs()...)
	}
	slices.Sort(keep)
	return slices.Compact(keep)
}

// KeepMarkers lists the content markers of the catalogers that read
// executables found by content (inventory.ContentCataloger); empty markers
// are left out. image.Walk sorts and deduplicates them.
func KeepMarkers(cats []inventory.Cataloger) [][]byte {
	var out [][]byte
	for _, c := range cats {
		if cc, ok := c.(inventory.ContentCataloger); ok {
			for _, m := range cc.Markers() {
				if len(m) > 0 {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// SourceOf describes img for reports.
func SourceOf(img *image.Image) inventory.Source {
	s := inventory.Source{Kind: img.Source, Name: img.Name, Digest: img.Digest, Platform: img.Platform}
	for _, l := range img.Layers {
		s.Layers = append(s.Layers, inventory.LayerInfo{Digest: l.Digest, DiffID: l.DiffID, MediaType: l.MediaType, Size: l.Size})
	}
	return s
}
