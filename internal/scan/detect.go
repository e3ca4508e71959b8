package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/image"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/misconfig/files"
	"github.com/vigil-sec/vigil/internal/misconfig/imageconfig"
	"github.com/vigil-sec/vigil/internal/secrets"
)

// Detectors are the checks an image scan runs besides the inventory, in the
// same walk: every layer's entries pass through them once while the layer
// streams (image.Inspector), and their per-layer results are cached with the
// layer.
type Detectors struct {
	// Secrets scans every file of every layer (within its size and binary
	// limits), files that a later layer deletes included, and the image
	// config's Env, Labels, Cmd, Entrypoint and history. Nil: no secret scan.
	Secrets *secrets.Scanner
	// Files checks every layer's entries: setuid and setgid files,
	// world-writable files and directories, package-manager caches. Nil:
	// none.
	Files *files.Checker
	// Config runs the image configuration checks (user, HEALTHCHECK, SSH,
	// ADD from a URL, credentials in ENV and build arguments, tag and
	// digest). Nil: none.
	Config *imageconfig.Options
}

func (d Detectors) inspects() bool { return d.Secrets != nil || d.Files != nil }

// Stats says how much the detectors read.
type Stats struct {
	// SecretFiles and SecretBytes count the files the secret scanner read
	// (binary files it skipped after a look included).
	SecretFiles int64 `json:"secretFiles"`
	SecretBytes int64 `json:"secretBytes"`
	// TooLarge counts files over the secret scanner's size limit, not read.
	TooLarge int64 `json:"tooLarge"`
	// SkippedDir counts files in the secret scanner's skipped directories.
	SkippedDir int64 `json:"skippedDir"`
}

// Result is what an image scan found before vulnerability matching.
type Result struct {
	Inventory *inventory.Inventory
	// Secrets and Misconfigurations are sorted by severity (highest
	// first), then by location; empty, not nil, when the detector ran and
	// found nothing.
	Secrets           []finding.Finding
	Misconfigurations []finding.Finding
	Stats             Stats
	// Config is the image config (created time, labels, user); nil for a
	// directory.
	Config *v1.ConfigFile
}

// inspectorVersion changes when what the inspector stores per layer changes.
const inspectorVersion = 2

// inspector runs the file detectors over each layer's entries.
type inspector struct {
	d   Detectors
	key string
}

func newInspector(d Detectors) *inspector {
	key := fmt.Sprintf("vigil-detect/%d", inspectorVersion)
	if d.Secrets != nil {
		key += " " + d.Secrets.Key()
	}
	if d.Files != nil {
		key += " " + d.Files.Key()
	}
	return &inspector{d: d, key: key}
}

func (in *inspector) Key() string { return in.key }

func (in *inspector) Layer(_ int, diffID string) image.LayerInspector {
	l := &layerInspector{sec: in.d.Secrets, diffID: diffID}
	if in.d.Files != nil {
		l.files = in.d.Files.Layer(diffID)
	}
	return l
}

// layerResult is what a layer inspection stores in the cache.
type layerResult struct {
	Findings  []finding.Finding `json:"findings"` // secrets
	Files     []finding.Finding `json:"files,omitempty"`
	Whiteouts []string          `json:"whiteouts,omitempty"`
	Opaques   []string          `json:"opaques,omitempty"`
	Stats     Stats             `json:"stats"`

	// whiteouts and opaques as sets, built by index after decoding.
	whiteoutSet, opaqueSet map[string]struct{}
}

func (r *layerResult) index() {
	r.whiteoutSet = make(map[string]struct{}, len(r.Whiteouts))
	for _, p := range r.Whiteouts {
		r.whiteoutSet[p] = struct{}{}
	}
	r.opaqueSet = make(map[string]struct{}, len(r.Opaques))
	for _, p := range r.Opaques {
		r.opaqueSet[p] = struct{}{}
	}
}

type layerInspector struct {
	sec    *secrets.Scanner
	files  *files.Layer
	diffID string
	res    layerResult
}

func (l *layerInspector) Want(e image.EntryInfo) bool {
	if l.sec == nil || e.Size == 0 {
		return false
	}
	if l.sec.SkipPath(e.Path) {
		l.res.Stats.SkippedDir++
		return false
	}
	if l.sec.Skip(e.Size) {
		l.res.Stats.TooLarge++
		return false
	}
	return true
}

func (l *layerInspector) Entry(ctx context.Context, e image.EntryInfo, content io.Reader) error {
	if l.files != nil {
		l.files.Entry(e)
	}
	switch e.Type {
	case image.EntryWhiteout:
		l.res.Whiteouts = append(l.res.Whiteouts, e.Path)
	case image.EntryOpaque:
		l.res.Opaques = append(l.res.Opaques, e.Path)
	}
	if content == nil {
		return nil
	}
	l.res.Stats.SecretFiles++
	cr := countReader{r: content}
	fs, err := l.sec.Scan(ctx, &cr, finding.Location{Layer: l.diffID, Path: e.Path})
	l.res.Stats.SecretBytes += cr.n
	if errors.Is(err, secrets.ErrTooLarge) {
		// The header said it fit; the content did not.
		l.res.Stats.TooLarge++
		return nil
	}
	if err != nil {
		return err
	}
	l.res.Findings = append(l.res.Findings, fs...)
	return nil
}

func (l *layerInspector) Result() ([]byte, error) {
	if l.files != nil {
		l.res.Files = l.files.Findings()
	}
	return json.Marshal(&l.res)
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// layerFindings decodes the inspection results of every layer of v, marks
// the findings whose file a later layer deletes, and adds up the stats. It
// returns the secrets and the file check findings; of the latter, a path a
// higher layer reports again under the same rule is reported once, in the
// higher layer (a directory is listed again by every layer that adds
// something below it).
func layerFindings(v *image.View) (sec, fil []finding.Finding, _ Stats, _ error) {
	n := v.NumLayers()
	res := make([]layerResult, n)
	for i := range n {
		b := v.Inspected(i)
		if b == nil {
			return nil, nil, Stats{}, fmt.Errorf("layer %d has no inspection result", i)
		}
		if err := json.Unmarshal(b, &res[i]); err != nil {
			return nil, nil, Stats{}, fmt.Errorf("layer %d: inspection result: %w", i, err)
		}
		res[i].index()
	}
	var st Stats
	type ruleAt struct{ rule, path string }
	top := map[ruleAt]int{} // highest layer reporting a file finding
	for i, r := range res {
		for _, f := range r.Files {
			if f.Location.Path != "" && f.RuleID != files.RulePkgCache {
				top[ruleAt{f.RuleID, f.Location.Path}] = i
			}
		}
	}
	for i, r := range res {
		st.SecretFiles += r.Stats.SecretFiles
		st.SecretBytes += r.Stats.SecretBytes
		st.TooLarge += r.Stats.TooLarge
		st.SkippedDir += r.Stats.SkippedDir
		for _, f := range r.Findings {
			f.Location.Deleted = deletedAbove(res[i+1:], f.Location.Path)
			sec = append(sec, f)
		}
		for _, f := range r.Files {
			if j, ok := top[ruleAt{f.RuleID, f.Location.Path}]; ok && j != i {
				continue
			}
			if f.Location.Path != "" {
				f.Location.Deleted = deletedAbove(res[i+1:], f.Location.Path)
			}
			fil = append(fil, f)
		}
	}
	return sec, fil, st, nil
}

// deletedAbove reports whether one of the higher layers deletes p: a
// whiteout of p or of a directory above it, or an opaque directory above
// it. (A file replaced by a higher layer's file of the same name is not
// marked: both are reported, each in its layer.)
func deletedAbove(higher []layerResult, p string) bool {
	for i := range higher {
		r := &higher[i]
		for a := p; a != "." && a != "/" && a != ""; a = path.Dir(a) {
			if _, ok := r.whiteoutSet[a]; ok {
				return true
			}
			if _, ok := r.opaqueSet[a]; ok && a != p {
				return true
			}
		}
		if _, ok := r.opaqueSet["."]; ok {
			return true
		}
	}
	return false
}

// configFindings runs the image configuration checks and the secret scan of
// the config's values.
func configFindings(img *image.Image, d Detectors) (sec, mis []finding.Finding) {
	if img.Config == nil {
		return nil, nil
	}
	if d.Secrets != nil {
		sec = configSecrets(img, d.Secrets)
	}
	if d.Config != nil {
		ref := ""
		if img.Source == "registry" {
			ref = img.Name
		}
		for _, f := range imageconfig.Check(img.Config, ref, *d.Config) {
			// A value the secret scanner recognised says more than a name.
			if (f.RuleID == imageconfig.RuleSecretEnv || f.RuleID == imageconfig.RuleSecretArg) && coveredBy(sec, f.Location) {
				continue
			}
			mis = append(mis, f)
		}
	}
	return sec, mis
}

func coveredBy(sec []finding.Finding, loc finding.Location) bool {
	for _, s := range sec {
		if s.Location.Path == loc.Path && (loc.Line == 0 || s.Location.Line == loc.Line) {
			return true
		}
	}
	return false
}

// configSecrets scans the values of the image config: each Env entry, label,
// Cmd and Entrypoint argument and history line. Line is the entry's
// 1-based index in its list (labels in key order).
func configSecrets(img *image.Image, s *secrets.Scanner) []finding.Finding {
	c := &img.Config.Config
	var out []finding.Finding
	scan := func(p string, i int, v string) {
		for _, f := range s.ScanString(v, finding.Location{Path: p}) {
			f.Location.Line, f.Location.Column, f.Location.EndLine = i+1, 0, 0
			out = append(out, f)
		}
	}
	for i, kv := range c.Env {
		scan("config:Env", i, kv)
	}
	keys := make([]string, 0, len(c.Labels))
	for k := range c.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		scan("config:Labels", i, k+"="+c.Labels[k])
	}
	scan("config:Cmd", 0, strings.Join(c.Cmd, " "))
	scan("config:Entrypoint", 0, strings.Join(c.Entrypoint, " "))
	for i, h := range img.Config.History {
		scan(fmt.Sprintf("config:history[%d]", i), 0, h.CreatedBy)
	}
	return out
}

// logStats tells what the secret scan skipped.
func logStats(log *slog.Logger, st Stats, s *secrets.Scanner) {
	if s == nil {
		return
	}
	log.Debug("secret scan", "files", st.SecretFiles, "bytes", st.SecretBytes, "tooLarge", st.TooLarge, "skippedDir", st.SkippedDir)
	if st.TooLarge > 0 {
		log.Info("secret scan skipped files over the size limit (--secret-max-size changes it)", "files", st.TooLarge)
	}
}
