package cli

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/image/source"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/policy"
	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/sign"
)

// defaultDenyExitCode is the exit status of check and push when the policy
// denies the image (1 stays "error", 2 "usage").
const defaultDenyExitCode = 3

func loadPolicy(file string) (*policy.Policy, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	defer f.Close()
	return policy.Parse(f, file)
}

// policyFlags are the flags of check and push.
type policyFlags struct {
	policy   string
	insecure bool
	format   string
	exitCode int
	maxDBAge time.Duration
}

func (f *policyFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.policy, "policy", "", "policy file (YAML; see 'vigil policy --help')")
	fl.BoolVar(&f.insecure, "insecure", false, "UNSAFE: allow plain HTTP and unverified TLS to the registry")
	fl.StringVarP(&f.format, "format", "f", "table", "output format: table, json")
	fl.IntVar(&f.exitCode, "exit-code", defaultDenyExitCode, "exit status when the policy denies the image")
	fl.DurationVar(&f.maxDBAge, "max-db-age", defaultScanFlags().maxAge, "warn when a source's data is older than this (0: never)")
	_ = c.MarkFlagRequired("policy")
}

func policyCommand(g *globals, stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with policy files (the one policy 'check', 'push' and admission enforce)",
		Long: `A policy file is YAML: allowed registries and repositories, required signers,
vulnerability limits, denied CVEs, maximum image age, required labels, Pod
Security level, and custom CEL rules over the documented input (image,
packages, vulnerabilities, findings, signatures, attestations, workload). The
same file is evaluated by 'vigil check', 'vigil push', the registry watcher and
the admission webhook. 'vigil policy example' prints a complete, commented
policy using every rule.`,
	}
	example := &cobra.Command{
		Use:   "example",
		Short: "Print a complete, commented policy using every rule",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(stdio.Out, policy.Example)
			return err
		},
	}
	var file string
	test := &cobra.Command{
		Use:   "test --policy FILE CASES...",
		Short: "Run a policy against fixture inputs and compare with the expected decisions",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPolicy(file)
			if err != nil {
				return err
			}
			failed := 0
			for _, a := range args {
				r, err := os.Open(a)
				if err != nil {
					return fmt.Errorf("read cases: %w", err)
				}
				cases, err := policy.ParseTests(r, a)
				r.Close()
				if err != nil {
					return err
				}
				for _, res := range policy.RunTests(p, cases, time.Now()) {
					status := "PASS"
					if !res.Pass {
						status, failed = "FAIL", failed+1
					}
					fmt.Fprintf(stdio.Out, "%s  %s: %s\n", status, a, res.Name)
					if !res.Pass {
						fmt.Fprintf(stdio.Out, "      %s\n", res.Why)
					}
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d policy test case(s) failed", failed)
			}
			return nil
		},
	}
	test.Flags().StringVar(&file, "policy", "", "policy file")
	_ = test.MarkFlagRequired("policy")
	cmd.AddCommand(test, example)
	return cmd
}

// signaturesFor verifies the signatures of ref with each of the policy's
// signers and returns the verified ones. An image not in a registry has
// none.
func signaturesFor(ctx context.Context, g *globals, p *policy.Policy, ref string, insecure bool) ([]policy.Signature, error) {
	signers := p.Signers()
	if len(signers) == 0 || !isRegistryRef(ref) {
		return nil, nil
	}
	d, ropts, err := remoteFor(ctx, ref, insecure)
	if err != nil {
		return nil, err
	}
	cache, err := verifyCache(g, false)
	if err != nil {
		return nil, err
	}
	o := signOptions(g, ropts)
	var out []policy.Signature
	for _, s := range signers {
		v, err := sign.LoadPublicKey(s.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("policy signer %s: %w", s.Name, err)
		}
		res, err := cache.Verify(ctx, d, []signature.Verifier{v}, o)
		if err != nil {
			g.log.Info("signature not verified", "signer", s.Name, "err", err)
			continue
		}
		for _, r := range res {
			out = append(out, policy.Signature{KeyID: r.KeyID, Signer: s.Name})
		}
	}
	return out, nil
}

// rootfsOrImage turns a directory that is not an OCI layout into a root
// file system reference ("dir:PATH"); anything else is an image reference.
func rootfsOrImage(arg string) string {
	fi, err := os.Stat(arg)
	if err != nil || !fi.IsDir() {
		return arg
	}
	if _, err := os.Stat(filepath.Join(arg, "oci-layout")); err == nil {
		return "oci:" + arg
	}
	return "dir:" + arg
}

// isRegistryRef reports whether ref names a registry image rather than a
// file, a directory or an OCI layout.
func isRegistryRef(ref string) bool {
	if strings.Contains(ref, ":/") || strings.HasPrefix(ref, "oci:") || strings.HasPrefix(ref, "oci-archive:") ||
		strings.HasPrefix(ref, "docker-archive:") || strings.HasPrefix(ref, "dir:") {
		return false
	}
	if _, err := os.Stat(ref); err == nil {
		return false
	}
	return true
}

// scanForPolicy scans ref with every scanner, as check and push judge it:
// the result after filters, and what the walk found (the image config).
func scanForPolicy(ctx context.Context, g *globals, stdio IO, ref string, f policyFlags) (*match.Result, *scan.Result, error) {
	sf := defaultScanFlags()
	sf.maxAge, sf.image.insecure = f.maxDBAge, f.insecure
	var taken *scan.Result
	res, err := performScan(ctx, g, sf, func(d scan.Detectors) (*scan.Result, error) {
		var err error
		taken, err = takeImage(ctx, g, stdio, ref, sf.image, d)
		return taken, err
	})
	if err != nil {
		return nil, nil, err
	}
	return res, taken, nil
}

// policyInput builds the policy input of a scan.
func policyInput(res *match.Result, taken *scan.Result, sigs []policy.Signature) *policy.Input {
	in := policy.NewInput(res)
	if c := taken.Config; c != nil {
		in.Image.Created = c.Created.Time
		in.Image.Labels = c.Config.Labels
		in.Image.User = c.Config.User
	}
	in.Signatures = sigs
	return in
}

func writeDecision(w io.Writer, format, target string, d policy.Decision) error {
	switch format {
	case "json":
		return writeJSON(w, map[string]any{"image": target, "allowed": d.Allowed, "violations": nonNilViolations(d.Violations)})
	case "table":
		if d.Allowed {
			fmt.Fprintf(w, "ALLOWED  %s\n", target)
			return nil
		}
		fmt.Fprintf(w, "DENIED   %s: %d violation(s)\n", target, len(d.Violations))
		for _, v := range d.Violations {
			fmt.Fprintf(w, "  %s: %s\n", v.Rule, v.Message)
		}
		return nil
	}
	return usagef("--format %q: want table or json", format)
}

func nonNilViolations(v []policy.Violation) []policy.Violation {
	if v == nil {
		return []policy.Violation{}
	}
	return v
}

func checkCommand(g *globals, stdio IO) *cobra.Command {
	var f policyFlags
	cmd := &cobra.Command{
		Use:   "check --policy FILE IMAGE|DIR",
		Short: "Decide whether an image may run: scan it, verify its signatures, evaluate the policy",
		Long: `Scan the image (vulnerabilities, secrets, configuration), verify its signatures
with the policy's signers (registry images), and evaluate the policy: the same
evaluation the registry watcher and the admission webhook make. Each violation
is one line naming the rule that fired. Exit status 0 when allowed, --exit-code
(3) when denied, 1 on errors.`,
		Example: `  vigil check --policy policy.yaml myacr.azurecr.io/app@sha256:...`,
		Args:    exactArgs(1, "one image reference"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, err := loadPolicy(f.policy)
			if err != nil {
				return err
			}
			sigs, err := signaturesFor(ctx, g, p, args[0], f.insecure)
			if err != nil {
				return err
			}
			res, taken, err := scanForPolicy(ctx, g, stdio, rootfsOrImage(args[0]), f)
			if err != nil {
				return err
			}
			d := p.Evaluate(policyInput(res, taken, sigs), time.Now())
			if err := writeDecision(stdio.Out, f.format, args[0], d); err != nil {
				return err
			}
			if !d.Allowed {
				return exitError{code: f.exitCode}
			}
			return nil
		},
	}
	f.add(cmd)
	return cmd
}

func pushCommand(g *globals, stdio IO) *cobra.Command {
	var f policyFlags
	var key string
	cmd := &cobra.Command{
		Use:   "push --policy FILE --key KEY SRC DST",
		Short: "The final check before a registry: scan, evaluate the policy, push, sign and attest",
		Long: `Scan SRC (a docker save tarball, an OCI layout oci:DIR, or a registry image),
evaluate the policy, and only when it allows the image: push it to DST by
digest, sign that digest and attach the scan result as an attestation, then
tag it. A denied image is not pushed (exit status --exit-code, 3). The
signature about to be made counts for the policy's signers rule when --key is
one of its signers.`,
		Example: `  vigil push --policy policy.yaml --key release.key ./app.tar myacr.azurecr.io/app:1.4.2`,
		Args:    exactArgs(2, "SRC and DST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			src, dst := args[0], args[1]
			p, err := loadPolicy(f.policy)
			if err != nil {
				return err
			}
			dstRef, err := source.ParseReference(dst, source.Options{InsecureUnsafe: f.insecure})
			if err != nil {
				return usageError{err}
			}
			signer, err := sign.FileKeys().Signer(ctx, key, keyPassword(stdio))
			if err != nil {
				return err
			}
			pub, err := signer.PublicKey()
			if err != nil {
				return fmt.Errorf("signing key: %w", err)
			}
			sigs, err := prospectiveSignature(p, pub)
			if err != nil {
				return err
			}
			img, err := loadForPush(ctx, src, f.insecure)
			if err != nil {
				return err
			}
			res, taken, err := scanForPolicy(ctx, g, stdio, src, f)
			if err != nil {
				return err
			}
			digest, err := img.Digest()
			if err != nil {
				return fmt.Errorf("image digest: %w", err)
			}
			// The policy judges the image where it is going: DST's
			// registry and repository, SRC's content and digest.
			in := policyInput(res, taken, sigs)
			in.Image.SetRef(dst)
			in.Image.Digest = digest.String()
			dec := p.Evaluate(in, time.Now())
			if err := writeDecision(stdio.Out, f.format, dst, dec); err != nil {
				return err
			}
			if !dec.Allowed {
				fmt.Fprintf(stdio.Err, "vigil: %s not pushed to %s: the policy denies it\n", src, dst)
				return exitError{code: f.exitCode}
			}
			ropts, err := source.RemoteOptions(source.Options{InsecureUnsafe: f.insecure})
			if err != nil {
				return err
			}
			ropts = append(ropts, remote.WithContext(ctx))
			byDigest := dstRef.Context().Digest(digest.String())
			if err := remote.Write(byDigest, img, ropts...); err != nil {
				return fmt.Errorf("push %s: %w", byDigest, err)
			}
			o := signOptions(g, ropts)
			if err := sign.Sign(ctx, byDigest, signer, nil, o); err != nil {
				return err
			}
			doc, err := vulnJSON(res)
			if err != nil {
				return err
			}
			if err := sign.Attest(ctx, byDigest, signer, ScanPredicateType, doc, o); err != nil {
				return err
			}
			if tag, ok := dstRef.(name.Tag); ok {
				if err := remote.Tag(tag, img, ropts...); err != nil {
					return fmt.Errorf("tag %s: %w", tag, err)
				}
			}
			fmt.Fprintf(stdio.Out, "Pushed, signed and attested %s\n", byDigest)
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&key, "key", "", "private key to sign with (cosign format)")
	_ = cmd.MarkFlagRequired("key")
	return cmd
}

// prospectiveSignature is the signature push is about to make, as the
// policy will see it once made: the key's ID and, if the key is one of the
// policy's signers, its name.
func prospectiveSignature(p *policy.Policy, pub crypto.PublicKey) ([]policy.Signature, error) {
	id, err := sign.KeyID(pub)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	s := policy.Signature{KeyID: id}
	for _, ps := range p.Signers() {
		if ps.KeyID == id {
			s.Signer = ps.Name
		}
	}
	return []policy.Signature{s}, nil
}

// loadForPush opens SRC as an image to push: a docker save tarball, an OCI
// layout ("oci:DIR", its only image) or a registry reference.
func loadForPush(ctx context.Context, src string, insecure bool) (v1.Image, error) {
	if dir, ok := strings.CutPrefix(src, "oci:"); ok {
		p, err := layout.FromPath(dir)
		if err != nil {
			return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
		}
		idx, err := p.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
		}
		if len(m.Manifests) != 1 {
			return nil, fmt.Errorf("OCI layout %s holds %d manifests; push needs exactly one image", dir, len(m.Manifests))
		}
		return idx.Image(m.Manifests[0].Digest)
	}
	if fi, err := os.Stat(src); err == nil && fi.Mode().IsRegular() {
		img, err := tarball.ImageFromPath(src, nil)
		if err != nil {
			return nil, fmt.Errorf("open image archive %s: %w", src, err)
		}
		return img, nil
	}
	opts := source.Options{InsecureUnsafe: insecure}
	r, err := source.ParseReference(src, opts)
	if err != nil {
		return nil, usageError{err}
	}
	ropts, err := source.RemoteOptions(opts)
	if err != nil {
		return nil, err
	}
	img, err := remote.Image(r, append(ropts, remote.WithContext(ctx))...)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	return img, nil
}

// vulnJSON is the JSON document of 'vigil scan image --format json'.
func vulnJSON(res *match.Result) ([]byte, error) {
	var b bytes.Buffer
	if err := report.VulnJSON(&b, res); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
