// Package policy is vigil's admission policy: one YAML file that decides
// whether an image may be pushed, kept in a registry or run, evaluated the
// same way by `vigil check` (CI), `vigil push`, the registry watcher and the
// admission webhook.
//
// Parse reads and compiles a policy once (CEL included); Evaluate is pure
// (no I/O, no clock: the caller passes now), safe for concurrent use and
// fast (BenchmarkEvaluate: the example policy against 500 packages and 200
// vulnerabilities, well under a millisecond). A denial is a Decision with
// Violations, never an error. The caller gathers the Input: NewInput fills
// the image, packages, vulnerabilities and findings from a scan result; the
// caller adds the image config (created, labels, user), the signatures and
// attestations it verified with Policy.Signers' keys, and, at admission,
// the workload and its failing Pod Security checks.
//
// # Policy file
//
//	apiVersion: vigil.dev/v1          # required
//	kind: Policy                      # required
//	metadata:
//	  name: team-prod                 # optional; Policy.Name
//	  description: Images allowed in production.
//
//	# Image name = registry/repository (no tag, no digest), as Image.Registry
//	# and Image.Repository hold it; Docker Hub is docker.io/library/nginx.
//	# "*" matches within one path segment, "**" across segments; nothing else
//	# is special. An image without a registry (an archive) is denied.
//	registries:
//	  - "myacr.azurecr.io/team/*"
//	  - "127.0.0.1:5000/**"
//
//	# Required signers: a PEM public key inline (publicKey) or in a file
//	# (keyFile, relative to the policy file's directory). At least `minimum`
//	# distinct signers must have signed the image's digest; without minimum,
//	# all of them. A signer has signed when Input.Signatures holds its KeyID.
//	signers:
//	  minimum: 1
//	  keys:
//	    - name: release
//	      keyFile: keys/release.pub
//	    - name: ci
//	      publicKey: |
//	        -----BEGIN PUBLIC KEY-----
//	        ...
//	        -----END PUBLIC KEY-----
//
//	vulnerabilities:
//	  # Deny vulnerabilities above this severity: critical, high, medium, low,
//	  # negligible, unknown (the order, highest first: unknown ranks lowest),
//	  # or none (any vulnerability denies).
//	  maxSeverity: high
//	  onlyFixable: true        # maxSeverity counts only vulnerabilities with a fix
//	  deny: [CVE-2021-44228]   # these deny whatever their severity or fix (ID or alias, any case)
//	  ignore: [CVE-2023-0001]  # never count against maxSeverity (ID or alias)
//
//	# Maximum image age (now - Image.Created): whole days ("30d") or a Go
//	# duration ("720h"). An image without a creation time is denied.
//	maxAge: 90d
//
//	# Required image labels; value is an RE2 expression the whole value must
//	# match (omit it to require only the key).
//	labels:
//	  - key: org.opencontainers.image.source
//	    value: "https://github.com/acme/.*"
//	  - key: maintainer
//
//	# Pod Security Standards level (baseline, restricted or privileged),
//	# checked only when Input.Workload is set (admission): baseline denies any
//	# failing baseline check, restricted any failing baseline or restricted check.
//	podSecurity: restricted
//
//	# Secret findings (kind secret) and misconfiguration findings (every
//	# other kind) above maxSeverity deny: critical, high, medium, low,
//	# unknown, or none (any finding denies). ignore lists rule IDs.
//	secrets:
//	  maxSeverity: none
//	misconfigurations:
//	  maxSeverity: high
//	  ignore: [IMG-005]
//
//	# Custom rules: deny is a CEL expression; true denies. message is the
//	# violation's text, or messageExpression a CEL string expression that
//	# builds it (evaluated only when deny is true).
//	rules:
//	  - name: no-root
//	    deny: image.user == "" || image.user == "root" || image.user == "0"
//	    message: the image runs as root; set USER to a non-root user
//	  - name: no-kev
//	    deny: vulnerabilities.exists(v, v.kev)
//	    messageExpression: >-
//	      "known exploited: " + vulnerabilities.filter(v, v.kev).map(v, v.id).join(", ")
//
// Every key is optional except apiVersion and kind; a key left out (or left
// empty) checks nothing. Unknown keys are errors ("policy.yaml:12: unknown
// key \"maxSeverit\""), as are bad values, with the file position. CEL
// compile errors point at the character in the YAML file, whatever the
// scalar style ("policy.yaml:40:27: rule no-root: undeclared reference to
// 'rooot'"). testdata/policy.yaml is this example, complete.
//
// # Violations
//
// Evaluate reports at most one Violation per rule, in this order:
// "registries", "signers", "vulnerabilities.maxSeverity",
// "vulnerabilities.deny", "maxAge", "labels", "podSecurity", "secrets",
// "misconfigurations", then "rules/<name>" in file order. Its Message is one
// line that names what was found and why it is denied, listing at most five
// items ("... and 3 more"); control characters from image data are
// replaced or quoted.
//
// # CEL
//
// Custom rules are CEL (https://cel.dev, cel-go) with the standard library
// and the cel-go strings extension (lowerAscii, split, join, ...). The
// variables are the Input, by its JSON names:
//
//	image            map   ref, registry, repository, tag, digest (strings);
//	                       created (timestamp, null when unknown);
//	                       labels (map of string to string); user; platform
//	packages         list  of {type, name, version, purl, licenses (list of string)}
//	vulnerabilities  list  of {id, aliases (list), severity ("critical", "high",
//	                       "medium", "low", "negligible", "unknown"), cvss (double),
//	                       fixedVersion, fixable (bool), package {type, name,
//	                       version}, kev (bool: in CISA's KEV catalog)}
//	findings         list  of {ruleID, kind ("secret", "image", "dockerfile",
//	                       "kubernetes"), severity ("critical" ... "unknown"),
//	                       title, path}
//	signatures       list  of verified signatures {keyID (hex SHA-256 of the
//	                       PKIX DER key), signer (policy signer name or "")}
//	attestations     list  of verified attestations {predicateType, keyID,
//	                       signer, created (timestamp or null)}
//	workload         map or null (null outside admission): kind, namespace,
//	                       name, labels, podSecurity {baseline, restricted}
//	                       (the failing Pod Security check IDs at each level)
//	now              timestamp: the evaluation time
//
// A deny expression must be bool (or dyn, checked when it runs); a
// messageExpression string. Both compile in Parse. At run time an
// expression that fails (a missing map key, null.field, division by zero,
// a non-bool result) or exceeds CostLimit (1,000,000 cost units per
// expression and evaluation: enough for a few passes over 500 packages and
// 200 vulnerabilities, not for nested loops over them) denies: the
// violation of its rule says so. Policies fail closed. Guard optional data
// with has() or null checks: `workload != null && workload.namespace ==
// "prod"`, `image.created != null && now - image.created > duration("720h")`.
//
// # Policy tests
//
// ParseTests reads fixture files for `vigil policy test`; RunTests
// evaluates them (see ParseTests for the format and
// testdata/policy_test.yaml for an example). A case passes when the
// decision is the wanted one and, if it lists violations, exactly those
// rules fired.
//
// # Limits
//
// A policy file is at most MaxPolicySize bytes, a key file MaxKeyFileSize
// (a regular file), at most MaxRules custom rules and MaxExpressionSize
// bytes per expression (CEL also caps nesting at 250). Policy.Signers hands
// back keys; this package verifies no signature itself.
package policy
