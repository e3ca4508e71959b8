// Package misconfig is the home of vigil's configuration checks: detectors
// that report risky settings rather than vulnerable packages or secrets.
// Each source of configuration has its own sub-package:
//
//   - k8s: Kubernetes manifests (YAML/JSON, multi-document, Helm output):
//     Pod Security Standards via k8s.io/pod-security-admission plus
//     least-privilege checks on every pod-bearing kind.
//   - dockerfile: Dockerfile instructions (BuildKit's parser).
//   - imageconfig: an image's configuration (CIS Docker Benchmark spirit).
//
// Sub-packages return []finding.Finding of Kind finding.KindKubernetes,
// finding.KindDockerfile or finding.KindImage; they never print and never
// hold a secret's value. This package holds what they share: SecretName, the
// credential-name heuristic of the Dockerfile and image configuration checks.
package misconfig
