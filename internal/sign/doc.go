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
// OCI 1.1 referrers: the storage is confined to registry.go (companionTag,
// fetchCompanion, appendLayer). Referrers support would add, beside the tag
// scheme, a writer that pushes each signature or attestation as its own
// manifest with subject = the image descriptor and artifactType = the layer
// media type, and a reader that lists them with remote.Referrers (falling back
// to the sha256-<hex> tag schema when the registry lacks the API, as
// go-containerregistry does). Sign and Verify would iterate both sources; the
// payloads, envelopes and checks stay the same.
package sign
