package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vigil-sec/vigil/internal/image/source"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/sign"
)

// ScanPredicateType is the in-toto predicate type of vigil's scan
// attestations: the predicate is the JSON document of `vigil scan image
// --format json`.
const ScanPredicateType = "https://vigil.dev/attestations/scan/v1"

// trustFlags are the flags the signing commands share.
type trustFlags struct {
	keys     []string
	insecure bool
	format   string
}

func (f *trustFlags) addRegistry(c *cobra.Command) {
	c.Flags().BoolVar(&f.insecure, "insecure", false, "UNSAFE: allow plain HTTP and unverified TLS to the registry")
}

// remoteFor parses ref and returns it by digest (a tag is resolved once,
// here, and only its digest is signed or verified) with the client options.
func remoteFor(ctx context.Context, ref string, insecure bool) (name.Digest, []remote.Option, error) {
	opts := source.Options{InsecureUnsafe: insecure}
	r, err := source.ParseReference(ref, opts)
	if err != nil {
		return name.Digest{}, nil, usageError{err}
	}
	ropts, err := source.RemoteOptions(opts)
	if err != nil {
		return name.Digest{}, nil, err
	}
	ropts = append(ropts, remote.WithContext(ctx))
	if d, ok := r.(name.Digest); ok {
		return d, ropts, nil
	}
	desc, err := remote.Head(r, ropts...)
	if err != nil {
		return name.Digest{}, nil, fmt.Errorf("resolve %s to a digest: %w", ref, err)
	}
	d := r.Context().Digest(desc.Digest.String())
	return d, ropts, nil
}

// signOptions are the options of one command's registry operations: one
// answer per registry to whether it serves the OCI 1.1 referrers API
// (signatures and attestations go there too when it does).
func signOptions(g *globals, ropts []remote.Option) sign.Options {
	return sign.Options{Remote: ropts, Log: g.log, Support: &sign.ReferrersSupport{}}
}

// keyPassword reads the private key's password: $VIGIL_PASSWORD, else
// $COSIGN_PASSWORD (so cosign's keys and scripts work as they are), else a
// prompt on a terminal; empty without one.
func keyPassword(stdio IO) func() ([]byte, error) {
	return func() ([]byte, error) {
		for _, v := range []string{"VIGIL_PASSWORD", "COSIGN_PASSWORD"} {
			if p, ok := os.LookupEnv(v); ok {
				return []byte(p), nil
			}
		}
		f, ok := stdio.In.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return nil, nil
		}
		fmt.Fprint(stdio.Err, "Password for the private key: ")
		p, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stdio.Err)
		return p, err
	}
}

func keyCommand(g *globals, stdio IO) *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "Create signing keys (cosign's key format)"}
	var prefix string
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Generate an ECDSA P-256 key pair: PREFIX.key (encrypted) and PREFIX.pub",
		Long: `Generate an ECDSA P-256 key pair in cosign's format: PREFIX.key, encrypted
with the password in $VIGIL_PASSWORD (or $COSIGN_PASSWORD, or asked on a
terminal), and PREFIX.pub. cosign reads both, and vigil reads cosign's.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := keyPassword(stdio)()
			if err != nil {
				return fmt.Errorf("read password: %w", err)
			}
			priv, pub, err := sign.GenerateKeyPair(pass)
			if err != nil {
				return err
			}
			keyFile, pubFile := prefix+".key", prefix+".pub"
			for _, f := range []string{keyFile, pubFile} {
				if _, err := os.Stat(f); err == nil {
					return fmt.Errorf("%s exists; not overwritten", f)
				}
			}
			if err := writeFileAtomic(keyFile, priv, 0o600); err != nil {
				return err
			}
			if err := writeFileAtomic(pubFile, pub, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(stdio.Out, "Private key written to %s\nPublic key written to %s\n", keyFile, pubFile)
			return nil
		},
	}
	gen.Flags().StringVar(&prefix, "output-prefix", "vigil", "file name prefix of the key pair")
	cmd.AddCommand(gen)
	return cmd
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := errors.Join(tmp.Chmod(mode), tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func signCommand(g *globals, stdio IO) *cobra.Command {
	var f trustFlags
	var annotations []string
	cmd := &cobra.Command{
		Use:   "sign --key KEY IMAGE",
		Short: "Sign an image by digest (cosign-compatible signature in the registry)",
		Long: `Sign an image by its digest: a cosign simple-signing payload, signed with the
key, stored in the image's repository as the tag sha256-<digest>.sig, as cosign
stores it ('cosign verify' accepts it). A tag is resolved to its digest first;
only that digest is signed. Nothing is sent to a transparency log.`,
		Example: `  vigil key generate
  vigil sign --key vigil.key myacr.azurecr.io/app@sha256:...`,
		Args: exactArgs(1, "one image reference"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(f.keys) != 1 {
				return usagef("--key: give exactly one private key")
			}
			ann := map[string]string{}
			for _, a := range annotations {
				k, v, ok := strings.Cut(a, "=")
				if !ok || k == "" {
					return usagef("--annotation %q: want KEY=VALUE", a)
				}
				ann[k] = v
			}
			ref, ropts, err := remoteFor(cmd.Context(), args[0], f.insecure)
			if err != nil {
				return err
			}
			s, err := sign.FileKeys().Signer(cmd.Context(), f.keys[0], keyPassword(stdio))
			if err != nil {
				return err
			}
			if err := sign.Sign(cmd.Context(), ref, s, ann, signOptions(g, ropts)); err != nil {
				return err
			}
			fmt.Fprintf(stdio.Out, "Signed %s\n", ref)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&f.keys, "key", nil, "private key file (cosign format)")
	cmd.Flags().StringArrayVar(&annotations, "annotation", nil, "KEY=VALUE added to the signed payload (repeatable)")
	f.addRegistry(cmd)
	return cmd
}

func attestCommand(g *globals, stdio IO) *cobra.Command {
	var f trustFlags
	var predicateFile, predicateType string
	var maxDBAge time.Duration
	cmd := &cobra.Command{
		Use:   "attest --key KEY IMAGE",
		Short: "Attach a signed scan result (in-toto statement in a DSSE envelope) to an image",
		Long: `Scan the image and attach the result, the JSON document of 'vigil scan image
--format json', as a signed in-toto statement in a DSSE envelope (predicate type
` + ScanPredicateType + `), stored as cosign stores attestations
(sha256-<digest>.att): 'cosign verify-attestation --type ` + ScanPredicateType + `'
accepts it. --predicate attaches a JSON file instead (with --type).`,
		Args: exactArgs(1, "one image reference"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(f.keys) != 1 {
				return usagef("--key: give exactly one private key")
			}
			ref, ropts, err := remoteFor(cmd.Context(), args[0], f.insecure)
			if err != nil {
				return err
			}
			s, err := sign.FileKeys().Signer(cmd.Context(), f.keys[0], keyPassword(stdio))
			if err != nil {
				return err
			}
			var predicate []byte
			if predicateFile != "" {
				if predicate, err = os.ReadFile(predicateFile); err != nil {
					return fmt.Errorf("read predicate: %w", err)
				}
				if !json.Valid(predicate) {
					return fmt.Errorf("predicate %s is not JSON", predicateFile)
				}
			} else {
				if predicate, err = scanDocument(cmd.Context(), g, stdio, ref.String(), f.insecure, maxDBAge); err != nil {
					return err
				}
			}
			if err := sign.Attest(cmd.Context(), ref, s, predicateType, predicate, signOptions(g, ropts)); err != nil {
				return err
			}
			fmt.Fprintf(stdio.Out, "Attested %s (%s)\n", ref, predicateType)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&f.keys, "key", nil, "private key file (cosign format)")
	cmd.Flags().StringVar(&predicateFile, "predicate", "", "attach this JSON file instead of a scan result")
	cmd.Flags().StringVar(&predicateType, "type", ScanPredicateType, "predicate type URI")
	cmd.Flags().DurationVar(&maxDBAge, "max-db-age", defaultScanFlags().maxAge, "warn when a source's data is older than this (0: never)")
	f.addRegistry(cmd)
	return cmd
}

func verifyCommand(g *globals, stdio IO) *cobra.Command {
	var f trustFlags
	var attestation, noCache bool
	var predicateType string
	var maxAge time.Duration
	cmd := &cobra.Command{
		Use:   "verify --key KEY [--key KEY...] IMAGE",
		Short: "Verify an image's signatures (or attestations) by digest",
		Long: `Verify the cosign-compatible signatures of an image by its digest: at least one
must verify with one of the keys and name exactly that digest. With
--attestation, verify the attestations of --type instead, and with --max-age
refuse a scan attestation older than that. Exit status 1 when nothing verifies,
with the reason.`,
		Args: exactArgs(1, "one image reference"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(f.keys) == 0 {
				return usagef("--key: give at least one public key")
			}
			ref, ropts, err := remoteFor(cmd.Context(), args[0], f.insecure)
			if err != nil {
				return err
			}
			var vs []signature.Verifier
			for _, k := range f.keys {
				v, err := sign.FileKeys().Verifier(cmd.Context(), k)
				if err != nil {
					return err
				}
				vs = append(vs, v)
			}
			o := signOptions(g, ropts)
			cache, err := verifyCache(g, noCache)
			if err != nil {
				return err
			}
			if !attestation {
				res, err := cache.Verify(cmd.Context(), ref, vs, o)
				if err != nil {
					return fmt.Errorf("verify %s: %w", ref, err)
				}
				return writeVerified(stdio.Out, f.format, ref, res)
			}
			atts, err := cache.VerifyAttestations(cmd.Context(), ref, vs, predicateType, o)
			if err != nil {
				return fmt.Errorf("verify attestations of %s: %w", ref, err)
			}
			if maxAge > 0 {
				if err := checkAttestationAge(atts, maxAge, time.Now()); err != nil {
					return fmt.Errorf("verify attestations of %s: %w", ref, err)
				}
			}
			return writeAttestations(stdio.Out, f.format, ref, atts)
		},
	}
	cmd.Flags().StringSliceVar(&f.keys, "key", nil, "public key file (PEM; repeatable: any one may have signed)")
	cmd.Flags().BoolVar(&attestation, "attestation", false, "verify attestations instead of signatures")
	cmd.Flags().StringVar(&predicateType, "type", ScanPredicateType, "with --attestation: the predicate type")
	cmd.Flags().DurationVar(&maxAge, "max-age", 0, "with --attestation: refuse scan results older than this (0: any age)")
	cmd.Flags().StringVarP(&f.format, "format", "f", "table", "output format: table, json")
	cmd.Flags().BoolVar(&noCache, "no-cache", false, "ask the registry even when this digest was verified with these keys in the last hour")
	f.addRegistry(cmd)
	return cmd
}

// verifyCache is the cache of verified digests under the cache directory
// (entries live an hour; failures are never cached); with noCache, one
// that remembers nothing from earlier runs.
func verifyCache(g *globals, noCache bool) (*sign.Cache, error) {
	dir := filepath.Join(g.cacheDir, "verified")
	if noCache {
		dir = ""
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create cache directory: %w", err)
		}
	}
	return sign.NewCache(dir, 0, 0)
}

// checkAttestationAge refuses when no attestation holds a scan result newer
// than maxAge: a scan predicate's age is its "scanned" time, and one that
// does not say when it ran counts as too old.
func checkAttestationAge(atts []sign.Attestation, maxAge time.Duration, now time.Time) error {
	var newest time.Time
	for _, a := range atts {
		var doc struct {
			Scanned time.Time `json:"scanned"`
		}
		if err := json.Unmarshal(a.Predicate, &doc); err == nil && doc.Scanned.After(newest) {
			newest = doc.Scanned
		}
	}
	if newest.IsZero() {
		return errors.New("no attestation says when its scan ran (a \"scanned\" time): its age cannot be checked")
	}
	if age := now.Sub(newest); age > maxAge {
		return fmt.Errorf("the newest scan attestation is from %s, %s old (more than --max-age %s)",
			newest.UTC().Format(time.RFC3339), age.Round(time.Minute), maxAge)
	}
	return nil
}

func writeVerified(w io.Writer, format string, ref name.Digest, res []sign.Verified) error {
	switch format {
	case "json":
		return writeJSON(w, map[string]any{"image": ref.String(), "verified": res})
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "Verified %s: %d signature(s)\n", ref, len(res))
		fmt.Fprintln(tw, "KEY ID\tANNOTATIONS")
		for _, v := range res {
			var ann []string
			for k, val := range v.Annotations {
				ann = append(ann, k+"="+val)
			}
			fmt.Fprintf(tw, "%s\t%s\n", shortKeyID(v.KeyID), strings.Join(ann, " "))
		}
		return tw.Flush()
	}
	return usagef("--format %q: want table or json", format)
}

func writeAttestations(w io.Writer, format string, ref name.Digest, atts []sign.Attestation) error {
	switch format {
	case "json":
		return writeJSON(w, map[string]any{"image": ref.String(), "attestations": atts})
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "Verified %s: %d attestation(s)\n", ref, len(atts))
		fmt.Fprintln(tw, "KEY ID\tPREDICATE TYPE")
		for _, a := range atts {
			fmt.Fprintf(tw, "%s\t%s\n", shortKeyID(a.KeyID), a.PredicateType)
		}
		return tw.Flush()
	}
	return usagef("--format %q: want table or json", format)
}

func shortKeyID(id string) string {
	if len(id) > 16 {
		return id[:16]
	}
	return id
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// scanDocument scans ref with every scanner and returns the JSON document
// of 'vigil scan image --format json'.
func scanDocument(ctx context.Context, g *globals, stdio IO, ref string, insecure bool, maxDBAge time.Duration) ([]byte, error) {
	f := defaultScanFlags()
	f.maxAge = maxDBAge
	f.image.insecure = insecure
	res, err := performScan(ctx, g, f, func(d scan.Detectors) (*scan.Result, error) {
		return takeImage(ctx, g, stdio, ref, f.image, d)
	})
	if err != nil {
		return nil, err
	}
	return vulnJSON(res)
}
