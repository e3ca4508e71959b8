package scan_test

import (
	"archive/tar"
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/misconfig/files"
	"github.com/vigil-sec/vigil/internal/misconfig/imageconfig"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/secrets"
)

// fakeToken is a GitHub-token-shaped string built at run time, so the
// repository holds nothing that looks like a credential.
func fakeToken() string {
	return "gh" + "p_" + randomString(36, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
}

// randomString is n characters of alphabet from a fixed seed.
func randomString(n int, alphabet string) string {
	r := rand.New(rand.NewPCG(7, 11))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

type ent struct {
	name, body string
	mode       int64
	dir        bool
}

func tarOf(t *testing.T, ents ...ent) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range ents {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if e.dir {
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		}
		if e.mode != 0 {
			h.Mode = e.mode
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImageDetectors(t *testing.T) {
	t.Parallel()
	tok := fakeToken()
	layers := [][]byte{
		tarOf(t, ent{name: "etc/os-release", body: osRelease},
			ent{name: "usr/bin/su", body: "su", mode: 0o4755},
			ent{name: "srv/", dir: true, mode: 0o777}),
		tarOf(t, ent{name: "app/.env", body: "# app\nGITHUB_TOKEN=" + tok + "\n"},
			ent{name: "app/deploy.env", body: "TOKEN=" + tok + "\n"},
			ent{name: "srv/", dir: true, mode: 0o777},
			ent{name: "var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease", body: "lists"}),
		tarOf(t, ent{name: "app/.wh.deploy.env"}),
	}
	resolved := ociImage(t, layers, func(cf *v1.ConfigFile) {
		cf.Config.Env = []string{"PATH=/usr/bin", "GH_TOKEN=" + tok}
		cf.History = []v1.History{{CreatedBy: "RUN echo hi"}}
	})
	ctx := context.Background()
	sec, err := secrets.New(secrets.Config{})
	if err != nil {
		t.Fatal(err)
	}
	fc, err := files.New(files.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	cfg := config(t, cache)
	cfg.Detect = scan.Detectors{Secrets: sec, Files: fc, Config: &imageconfig.Options{}}
	res, err := scan.Image(ctx, resolved, cfg, scan.Observer{})
	if err != nil {
		t.Fatal(err)
	}
	ids := resolved.Layers
	type key struct {
		Rule, Layer, Path string
		Line              int
		Deleted           bool
	}
	keys := func(fs []finding.Finding) []key {
		var out []key
		for _, f := range fs {
			out = append(out, key{f.RuleID, f.Location.Layer, f.Location.Path, f.Location.Line, f.Location.Deleted})
			if strings.Contains(f.Match+f.Message+f.Title, tok) {
				t.Errorf("%s at %s holds the secret", f.RuleID, f.Location.Path)
			}
		}
		return out
	}
	wantSec := []key{
		{"VGL-SEC-GITHUB-TOKEN", ids[1].DiffID, "app/.env", 2, false},
		{"VGL-SEC-GITHUB-TOKEN", ids[1].DiffID, "app/deploy.env", 1, true},
		{"VGL-SEC-GITHUB-TOKEN", "", "config:Env", 2, false},
	}
	if d := cmp.Diff(wantSec, keys(res.Secrets)); d != "" {
		t.Errorf("secrets (-want +got):\n%s", d)
	}
	got := map[string]key{}
	for _, k := range keys(res.Misconfigurations) {
		if _, dup := got[k.Rule+" "+k.Path]; dup {
			t.Errorf("%s %s reported twice", k.Rule, k.Path)
		}
		got[k.Rule+" "+k.Path] = k
	}
	for _, want := range []key{
		{Rule: files.RuleSetuid, Layer: ids[0].DiffID, Path: "usr/bin/su"},
		{Rule: files.RuleWorldWritableDir, Layer: ids[1].DiffID, Path: "srv"}, // the higher layer only
		{Rule: files.RulePkgCache, Layer: ids[1].DiffID, Path: "var/lib/apt/lists"},
		{Rule: imageconfig.RuleRootUser, Path: "config:User"},
	} {
		if g := got[want.Rule+" "+want.Path]; g != want {
			t.Errorf("%s %s: got %+v, want %+v", want.Rule, want.Path, g, want)
		}
	}
	// The secret in GH_TOKEN is reported by value, not again by name.
	if _, ok := got[imageconfig.RuleSecretEnv+" config:Env"]; ok {
		t.Error("GH_TOKEN reported both as a secret and as a credential-named variable")
	}
	if res.Stats.SecretFiles < 3 || res.Stats.SecretBytes == 0 {
		t.Errorf("stats %+v", res.Stats)
	}

	// A second scan from the cache opens no layer and finds the same.
	for i := range resolved.Layers {
		resolved.Layers[i].Open = nil
	}
	again, err := scan.Image(ctx, resolved, cfg, scan.Observer{})
	if err != nil {
		t.Fatalf("cached scan: %v", err)
	}
	if d := cmp.Diff(res, again); d != "" {
		t.Errorf("cached scan differs (-first +second):\n%s", d)
	}
	// The inventory alone runs no detector.
	inv, err := scan.Inventory(ctx, resolved, config(t, cache), scan.Observer{})
	if err == nil {
		t.Errorf("an inventory without detectors was served from the detectors' cache entries (%d packages)", len(inv.Packages))
	}
}
