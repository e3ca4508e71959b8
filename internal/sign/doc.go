// Package sign makes and checks cosign-compatible, key-based signatures and
// attestations of container images, stored in the image's registry.
//
// Keys are cosign's: GenerateKeyPair writes ECDSA P-256 keys in the formats
// of `cosign generate-key-pair` (an "ENCRYPTED SIGSTORE PRIVATE KEY" PEM,
// scrypt + nacl/secretbox, and a PKIX "PUBLIC KEY" PEM), and LoadPrivateKey
// reads keys cosign wrote. A KeyResolver turns a key reference into a signer
// or verifier; FileKeys handles file paths, and a KMS (azurekms://...) can be
// added as another resolver without changing callers. KeyID names a key in
// policies and reports (hex SHA-256 of its PKIX DER).
//
// Sign and Verify always work by digest. A signature is a simple-signing
// payload (critical.identity.docker-reference, critical.image.docker-manifest-digest,
// type "cosign container image signature", optional claims) stored as a layer
// of the image <repo>:sha256-<hex>.sig with its base64 signature in the layer
// annotation dev.cosignproject.cosign/signature, exactly where `cosign sign`
// puts it, so cosign verifies what Sign wrote and Verify accepts what cosign
// wrote. Attest stores an in-toto v1 statement in a DSSE envelope as a layer
// of <repo>:sha256-<hex>.att (annotation "predicateType"), which `cosign
// verify-attestation --key ... --type <predicateType>` accepts.
//
// Verification is offline: no transparency log and no certificates, only the
// given public keys. It is pure apart from reading the registry: a verified
// result names the key that verified it, and a payload must name exactly the
// digest asked about (ErrDigestMismatch otherwise, the sign of a signature
// copied from another image). Cache answers repeated verifications of a
// digest from memory or a private directory until a TTL passes.
//
// Limits: reads from the registry are bounded (1000 layers, 1 MiB per
// signature payload, 64 MiB per attestation envelope). Two signers writing the
// same .sig tag at the same moment can lose one signature (read-modify-write
// of a tag, as with cosign). Rekor, Fulcio (keyless) and certificates are out
// of scope.
//
// OCI 1.1 referrers (Options.Referrers): in the default mode, ReferrersAuto,
// Sign and Attest always write the cosign tag scheme above (what `cosign
// verify` reads) and, when the registry serves the referrers API, also push
// the same signature or envelope as its own manifest: subject = the image's
// descriptor, artifactType (and config.mediaType, config "{}") =
// SignatureArtifactType ("application/vnd.dev.cosign.artifact.sig.v1+json",
// as cosign's OCI 1.1 mode) or AttestationArtifactType (the in-toto payload
// type, as cosign's referrer attestations), one layer with cosign's media
// type and annotations. The referrer carries the signature now in the tag,
// so signing again pushes the same manifest (same digest): nothing doubles.
// Verify and VerifyAttestations read the tag and the referrers of that
// artifactType, count a layer stored both ways once, check every one the
// same way, and answer ErrNoSignatures only when neither has any. A referrer
// counts only if its own manifest names the image as subject. If the tag has
// layers but the referrers endpoint fails (auth, 5xx), the failure is logged
// and the tag's signatures are judged; with nothing in the tag it is an
// error. ReferrersOff keeps to the tag scheme in both directions.
//
// Support is detected, not configured: GET /v2/<repo>/referrers/<digest>
// through remote.Referrers with the tag fallback disabled. go-containerregistry
// v0.22.1 treats 200 with Content-Type application/vnd.oci.image.index.v1+json
// as support and 404, 400, 406 or another Content-Type as no support (a plain
// error, "does not support the Referrers API"); other statuses and network
// failures are *transport.Error or others and stay errors. Options.Support
// (a ReferrersSupport shared across a run) remembers the answer per
// registry; "no" is remembered only when the repository is known to exist,
// since some registries answer 404 for an unknown repository. The
// sha256-<hex> referrers fallback tag is never written: the .sig/.att tags
// are the fallback.
package sign
