package source

import (
	"fmt"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DefaultPlatform is the platform chosen from a multi-platform index when
// Options.Platform is empty.
const DefaultPlatform = "linux/amd64"

// platform is a requested platform: os/arch[/variant].
type platform struct {
	os, arch, variant string
	// explicit is true when the caller asked for it; a single-platform image
	// of another platform is then an error instead of accepted.
	explicit bool
}

func parsePlatform(s string) (platform, error) {
	explicit := s != ""
	if s == "" {
		s = DefaultPlatform
	}
	p, err := v1.ParsePlatform(s)
	if err != nil {
		return platform{}, fmt.Errorf("platform %q: %w", s, err)
	}
	if p.OS == "" || p.Architecture == "" || p.OSVersion != "" {
		return platform{}, fmt.Errorf("platform %q: want os/arch[/variant], such as linux/arm64", s)
	}
	return platform{os: p.OS, arch: p.Architecture, variant: normVariant(p.Architecture, p.Variant), explicit: explicit}, nil
}

// normVariant makes equivalent variants equal: arm64 is v8 unless stated.
func normVariant(arch, variant string) string {
	if arch == "arm64" && variant == "v8" {
		return ""
	}
	return variant
}

// matches reports whether an image of os/arch/variant satisfies p. An empty
// requested variant accepts any variant.
func (p platform) matches(os, arch, variant string) bool {
	if os != p.os || arch != p.arch {
		return false
	}
	return p.variant == "" || p.variant == normVariant(arch, variant)
}

func (p platform) String() string { return formatPlatform(p.os, p.arch, p.variant) }

func formatPlatform(os, arch, variant string) string {
	s := os + "/" + arch
	if variant != "" {
		s += "/" + variant
	}
	return s
}

// configPlatform is the platform an image config states ("" when it states none).
func configPlatform(cfg *v1.ConfigFile) string {
	if cfg.OS == "" && cfg.Architecture == "" {
		return ""
	}
	return formatPlatform(cfg.OS, cfg.Architecture, cfg.Variant)
}

// checkSingle applies the rule for an image that is not chosen from an index:
// when the caller asked for a platform explicitly and the config states
// another, that is an error.
func (p platform) checkSingle(cfg *v1.ConfigFile) error {
	if !p.explicit || (cfg.OS == "" && cfg.Architecture == "") {
		return nil
	}
	if !p.matches(cfg.OS, cfg.Architecture, cfg.Variant) {
		return fmt.Errorf("platform %s requested, but the image is %s and has no other platform", p, configPlatform(cfg))
	}
	return nil
}

// noPlatformError lists the platforms that were available.
func noPlatformError(p platform, available []string) error {
	seen := map[string]bool{}
	var list []string
	for _, a := range available {
		if !seen[a] {
			seen[a] = true
			list = append(list, a)
		}
	}
	sort.Strings(list)
	if len(list) == 0 {
		return fmt.Errorf("platform %s not found: the index lists no image manifests", p)
	}
	return fmt.Errorf("platform %s not found; available: %s", p, strings.Join(list, ", "))
}
