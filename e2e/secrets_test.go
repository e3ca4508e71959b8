package e2e_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/report"
)

// secretsScan runs `vigil scan image` with args and --format json, requires
// exit 0 and decodes the document strictly; the secrets list must be
// present and the summary must count it.
func secretsScan(t *testing.T, args ...string) (*report.VulnDocument, []byte) {
	t.Helper()
	r := vigil(t, nil, append(append([]string{"scan", "image"}, args...), "--format", "json")...)
	if r.code != 0 {
		t.Fatalf("vigil scan image %s: %v", strings.Join(args, " "), r)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.stdout, &raw); err != nil {
		t.Fatalf("decode scan JSON: %v\n%.2000s", err, r.stdout)
	}
	if _, ok := raw["secrets"]; !ok {
		t.Fatalf("scan JSON has no \"secrets\" list:\n%.2000s", r.stdout)
	}
	var doc report.VulnDocument
	dec := json.NewDecoder(bytes.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode scan JSON: %v\n%.2000s", err, r.stdout)
	}
	if !slices.Contains(doc.Scanners, "secret") {
		t.Errorf("scanners %q without secret", doc.Scanners)
	}
	if doc.Summary.Secrets != len(doc.Secrets) {
		t.Errorf("summary counts %d secrets, the list has %d", doc.Summary.Secrets, len(doc.Secrets))
	}
	for _, w := range doc.Warnings {
		t.Logf("scan warning: %s", w)
	}
	return &doc, r.stdout
}

// secKey is what a secret finding must match.
type secKey struct {
	Rule, Layer, Path string
	Line, Column      int
	Deleted           bool
}

func (k secKey) String() string {
	return fmt.Sprintf("%s %s:%d:%d layer=%s deleted=%v", k.Rule, k.Path, k.Line, k.Column, k.Layer, k.Deleted)
}

func keyOfFinding(f finding.Finding) secKey {
	k := secKey{Rule: f.RuleID, Layer: f.Location.Layer, Path: f.Location.Path,
		Line: f.Location.Line, Column: f.Location.Column, Deleted: f.Location.Deleted}
	return k
}

func (si *secretsImage) keyOfPlant(p plant) secKey {
	k := secKey{Rule: p.rule, Path: p.path, Line: p.line, Column: p.column, Deleted: p.deleted}
	if p.layer >= 0 {
		k.Layer = si.diffID[p.layer]
	}
	return k
}

// want is the sorted keys of the plants found with the given extra modes
// ("size", "binary").
func (si *secretsImage) want(modes ...string) []secKey {
	var ks []secKey
	for _, p := range si.plants {
		if p.only == "" || slices.Contains(modes, p.only) {
			ks = append(ks, si.keyOfPlant(p))
		}
	}
	return sortedSecKeys(ks)
}

func sortedSecKeys(ks []secKey) []secKey {
	slices.SortFunc(ks, func(a, b secKey) int { return strings.Compare(a.String(), b.String()) })
	return ks
}

// got checks each secret finding (kind, redaction) and returns the sorted
// keys of those outside the base layer; findings in the base layer are
// TestSecretsCleanBases' business and only logged here.
func (si *secretsImage) got(t *testing.T, doc *report.VulnDocument) []secKey {
	t.Helper()
	var ks []secKey
	for _, f := range doc.Secrets {
		if f.Kind != finding.KindSecret {
			t.Errorf("secret finding of kind %q: %+v", f.Kind, f)
		}
		if f.Match == "" || len([]rune(f.Match)) > 16 || len([]rune(strings.TrimRight(f.Match, "*"))) > 4 {
			t.Errorf("%s at %s: Match %q is not redacted to at most 4 shown characters", f.RuleID, f.Location.Path, f.Match)
		}
		if !strings.HasPrefix(f.RuleID, "VGL-SEC-") {
			t.Errorf("secret finding with rule %q", f.RuleID)
		}
		if f.Location.Layer == si.diffID[0] {
			t.Logf("finding in the Alpine base layer (see TestSecretsCleanBases): %s", keyOfFinding(f))
			continue
		}
		ks = append(ks, keyOfFinding(f))
	}
	return sortedSecKeys(ks)
}

// noSecretIn fails when any planted secret, or 8 bytes in a row of its
// generated part, appears in out.
func (si *secretsImage) noSecretIn(t *testing.T, what string, out []byte) {
	t.Helper()
	for _, p := range si.plants {
		if bytes.Contains(out, []byte(p.secret)) {
			t.Errorf("%s holds the %s secret of %s", what, p.rule, p.path)
			continue
		}
		for i := 0; i+8 <= len(p.random); i++ {
			if bytes.Contains(out, []byte(p.random[i:i+8])) {
				t.Errorf("%s holds 8 bytes in a row (offset %d) of the %s secret of %s", what, i, p.rule, p.path)
				break
			}
		}
	}
}

// TestSecretsPlanted scans an image with credentials planted in its files
// (one deleted by a later layer, one over the size limit, one in a binary)
// and in its config, from an OCI layout, a docker archive and a registry,
// in JSON, table and SARIF.
func TestSecretsPlanted(t *testing.T) {
	t.Parallel()
	si := buildSecretsImage(t)
	layout := "oci:" + ociLayout(t, si.img)

	t.Run("oci-layout", func(t *testing.T) {
		t.Parallel()
		doc, out := secretsScan(t, "--scanners", "secret,misconfig", layout)
		if diff := gocmp.Diff(si.want(), si.got(t, doc)); diff != "" {
			t.Errorf("secret findings (-want +got):\n%s", diff)
		}
		si.noSecretIn(t, "JSON output", out)
		for _, f := range doc.Misconfigurations {
			t.Logf("misconfiguration: %s %s %s", f.RuleID, f.Location.Path, f.Message)
		}
	})
	t.Run("registry", func(t *testing.T) {
		t.Parallel()
		reg := anonRegistry(t)
		const tag = "e2e/secrets:planted"
		if _, err := reg.push(t.Context(), tag, si.img); err != nil {
			t.Fatal(err)
		}
		doc, out := secretsScan(t, "--scanners", "secret,misconfig", "--insecure", reg.ref(tag))
		if diff := gocmp.Diff(si.want(), si.got(t, doc)); diff != "" {
			t.Errorf("secret findings (-want +got):\n%s", diff)
		}
		si.noSecretIn(t, "JSON output (registry)", out)
	})
	t.Run("docker-archive", func(t *testing.T) {
		t.Parallel()
		doc, out := secretsScan(t, "--scanners", "secret", "docker-archive:"+dockerArchive(t, si.img, "e2e/secrets:planted"))
		if diff := gocmp.Diff(si.want(), si.got(t, doc)); diff != "" {
			t.Errorf("secret findings (-want +got):\n%s", diff)
		}
		si.noSecretIn(t, "JSON output (docker archive)", out)
	})
	t.Run("size-limit", func(t *testing.T) {
		t.Parallel()
		doc, out := secretsScan(t, "--scanners", "secret", "--secret-max-size", strconv.Itoa(12<<20), layout)
		if diff := gocmp.Diff(si.want("size"), si.got(t, doc)); diff != "" {
			t.Errorf("secret findings with --secret-max-size 12 MiB (-want +got):\n%s", diff)
		}
		si.noSecretIn(t, "JSON output", out)
		// Under a 64-byte limit only the config values and the files of at
		// most 64 bytes are scanned.
		doc, _ = secretsScan(t, "--scanners", "secret", "--secret-max-size", "64", layout)
		var want []secKey
		for _, p := range si.plants {
			if p.layer < 0 {
				want = append(want, si.keyOfPlant(p))
			}
		}
		if diff := gocmp.Diff(sortedSecKeys(want), si.got(t, doc)); diff != "" {
			t.Errorf("secret findings with --secret-max-size 64 (-want +got):\n%s", diff)
		}
	})
	t.Run("binary", func(t *testing.T) {
		t.Parallel()
		doc, out := secretsScan(t, "--scanners", "secret", "--secret-scan-binary", layout)
		if diff := gocmp.Diff(si.want("binary"), si.got(t, doc)); diff != "" {
			t.Errorf("secret findings with --secret-scan-binary (-want +got):\n%s", diff)
		}
		si.noSecretIn(t, "JSON output", out)
	})
	t.Run("layer-cache", func(t *testing.T) {
		t.Parallel()
		// The per-layer results are cached: a second run must give the same
		// findings, and a run with other scanners or other secret flags must
		// not reuse the cached ones.
		cache := t.TempDir()
		// A run without the secret scanner fills the cache first.
		r := vigil(t, nil, "scan", "image", "--scanners", "misconfig", "--cache-dir", cache, "--format", "json", layout)
		if r.code != 0 {
			t.Fatalf("vigil scan image --scanners misconfig: %v", r)
		}
		si.noSecretIn(t, "misconfig-only JSON output", r.stdout)
		for i, run := range []struct {
			flags []string
			modes []string
		}{
			{nil, nil},
			{nil, nil},
			{[]string{"--secret-max-size", strconv.Itoa(12 << 20)}, []string{"size"}},
			{[]string{"--secret-scan-binary"}, []string{"binary"}},
			{nil, nil},
		} {
			args := append([]string{"--scanners", "secret", "--cache-dir", cache}, run.flags...)
			doc, _ := secretsScan(t, append(args, layout)...)
			if diff := gocmp.Diff(si.want(run.modes...), si.got(t, doc)); diff != "" {
				t.Errorf("run %d %q: secret findings (-want +got):\n%s", i, run.flags, diff)
			}
		}
	})
	for _, format := range []string{"table", "sarif"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			r := vigil(t, nil, "scan", "image", "--scanners", "secret,misconfig", "--format", format, layout)
			if r.code != 0 {
				t.Fatalf("vigil scan image --format %s: %v", format, r)
			}
			si.noSecretIn(t, format+" output", r.stdout)
			si.noSecretIn(t, format+" stderr", r.stderr)
			if format == "sarif" && !json.Valid(r.stdout) {
				t.Errorf("SARIF output is not JSON:\n%.2000s", r.stdout)
			}
			for _, p := range si.plants {
				if p.only == "" && !bytes.Contains(r.stdout, []byte(p.rule)) {
					t.Errorf("%s output does not name rule %s (planted in %s)", format, p.rule, p.path)
				}
			}
		})
	}
	t.Run("exit-code", func(t *testing.T) {
		t.Parallel()
		r := vigil(t, nil, "scan", "image", "--scanners", "secret", "--exit-code", "3", layout)
		if r.code != 3 {
			t.Errorf("--exit-code 3 on the planted image: %v", r)
		}
		si.noSecretIn(t, "table output", r.stdout)
		// --severity keeps the secrets of those severities, and --exit-code
		// counts only them.
		all, _ := secretsScan(t, "--scanners", "secret", layout)
		for _, sev := range []string{"critical", "low"} {
			var want []secKey
			for _, f := range all.Secrets {
				if f.Severity.String() == sev {
					want = append(want, keyOfFinding(f))
				}
			}
			doc, _ := secretsScan(t, "--scanners", "secret", "--severity", sev, layout)
			var got []secKey
			for _, f := range doc.Secrets {
				got = append(got, keyOfFinding(f))
			}
			if diff := gocmp.Diff(sortedSecKeys(want), sortedSecKeys(got)); diff != "" {
				t.Errorf("--severity %s (-want +got):\n%s", sev, diff)
			}
			wantCode := 0
			if len(want) > 0 {
				wantCode = 3
			}
			if r := vigil(t, nil, "scan", "image", "--scanners", "secret", "--severity", sev, "--exit-code", "3", layout); r.code != wantCode {
				t.Errorf("--severity %s --exit-code 3 with %d such secrets: %v", sev, len(want), r)
			}
		}
	})
	t.Run("ignorefile", func(t *testing.T) {
		t.Parallel()
		// One rule ignored everywhere, one only under a path; an unused
		// entry is warned about.
		ign := filepath.Join(t.TempDir(), "ignore.yaml")
		doc := "ignore:\n" +
			"  - id: VGL-SEC-JWT\n    reason: test tokens\n" +
			"  - id: VGL-SEC-GITHUB-TOKEN\n    reason: CI token, rotated\n    path: app/**\n" +
			"  - id: VGL-SEC-NEVER-SEEN\n    reason: unused\n"
		if err := os.WriteFile(ign, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		all, _ := secretsScan(t, "--scanners", "secret", layout)
		got, out := secretsScan(t, "--scanners", "secret", "--ignorefile", ign, layout)
		var wantKept, wantSup []secKey
		for _, f := range all.Secrets {
			if f.RuleID == "VGL-SEC-JWT" || f.RuleID == "VGL-SEC-GITHUB-TOKEN" && strings.HasPrefix(f.Location.Path, "app/") {
				wantSup = append(wantSup, keyOfFinding(f))
			} else {
				wantKept = append(wantKept, keyOfFinding(f))
			}
		}
		if len(wantSup) < 2 {
			t.Fatalf("the planted image has %d JWT and app/ GitHub findings; want at least 2", len(wantSup))
		}
		var kept, sup []secKey
		for _, f := range got.Secrets {
			kept = append(kept, keyOfFinding(f))
		}
		for _, s := range got.SuppressedChecks {
			sup = append(sup, keyOfFinding(s.Finding))
			if s.Reason == "" || s.File != ign {
				t.Errorf("suppressed %s without its reason or file: %+v", s.Finding.RuleID, s)
			}
		}
		if diff := gocmp.Diff(sortedSecKeys(wantKept), sortedSecKeys(kept)); diff != "" {
			t.Errorf("kept (-want +got):\n%s", diff)
		}
		if diff := gocmp.Diff(sortedSecKeys(wantSup), sortedSecKeys(sup)); diff != "" {
			t.Errorf("suppressed (-want +got):\n%s", diff)
		}
		si.noSecretIn(t, "JSON output with suppressions", out)
		if !slices.ContainsFunc(got.Warnings, func(w string) bool { return strings.Contains(w, "VGL-SEC-NEVER-SEEN") }) {
			t.Errorf("no warning about the unused entry: %q", got.Warnings)
		}
	})
}

// TestSecretsCleanBases scans the Debian and Alpine base images for secrets
// only: none may be found, and --exit-code 3 must exit 0.
func TestSecretsCleanBases(t *testing.T) {
	t.Parallel()
	t.Run("debian-bookworm", func(t *testing.T) {
		t.Parallel()
		d := debian(t)
		checkCleanImage(t, d.img, d.layers)
	})
	for _, version := range []string{"3.20.3", "3.18.9"} {
		t.Run("alpine-"+version, func(t *testing.T) {
			t.Parallel()
			a := alpine(t, version)
			checkCleanImage(t, a.img, []v1.Layer{a.layer})
		})
	}
}

func checkCleanImage(t *testing.T, img v1.Image, layers []v1.Layer) {
	t.Helper()
	ref := "oci:" + ociLayout(t, img)
	doc, _ := secretsScan(t, "--scanners", "secret", ref)
	for _, f := range doc.Secrets {
		t.Errorf("secret in a clean base image: %s (%s, match %s)", keyOfFinding(f), f.Title, f.Match)
	}
	st, err := scannableFiles(layers, 10<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("text files up to 10 MiB in the layers: %d (%d bytes); binary %d (%d bytes); larger %d",
		st.files, st.bytes, st.binFiles, st.binBytes, st.large)
	r := vigil(t, nil, "-vv", "scan", "image", "--scanners", "secret", "--exit-code", "3", ref)
	if r.code != 0 {
		t.Errorf("--exit-code 3 on a clean image: %v", r)
	}
	for _, line := range strings.Split(string(r.stderr), "\n") {
		if strings.Contains(line, "secret scan") {
			t.Logf("vigil -vv: %s", line)
		}
	}
}

// scanStats counts what a secret scan with the default flags reads: regular
// files up to the size limit that do not look binary (NUL in the first 8 KiB).
type scanStats struct {
	files, bytes       int64
	binFiles, binBytes int64
	large              int64
}

func scannableFiles(layers []v1.Layer, limit int64) (scanStats, error) {
	var st scanStats
	probe := make([]byte, 8<<10)
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			return st, err
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rc.Close()
				return st, err
			}
			if h.Typeflag != tar.TypeReg {
				continue
			}
			if h.Size > limit {
				st.large++
				continue
			}
			n, err := io.ReadFull(tr, probe)
			if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
				rc.Close()
				return st, err
			}
			if bytes.IndexByte(probe[:n], 0) >= 0 {
				st.binFiles++
				st.binBytes += h.Size
			} else {
				st.files++
				st.bytes += h.Size
			}
		}
		rc.Close()
	}
	return st, nil
}
