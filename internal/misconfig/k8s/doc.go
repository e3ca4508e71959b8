// Package k8s checks Kubernetes manifests for risky pod settings.
//
// Check reads YAML or JSON (several documents separated by "---", Helm
// template output with its "# Source:" comments, and List kinds), decodes
// every pod-bearing object (Pod, Deployment, StatefulSet, DaemonSet,
// ReplicaSet, ReplicationController, Job, CronJob; any apiVersion) into the
// k8s.io/api types and reports:
//
//   - Pod Security Standards, baseline and restricted, evaluated by
//     k8s.io/pod-security-admission (the code Kubernetes itself runs) at its
//     latest policy version: one finding VGL-K8S-PSS-<LEVEL>-<CHECK> per
//     failing check (PSSRuleID), with the library's reason and detail;
//   - least-privilege checks with stable IDs (the ID constants, Rules): init
//     and ephemeral containers included.
//
// Locations carry the file, the line of the object, container or field
// (from go.yaml.in/yaml/v3 nodes), the object as "Kind/namespace/name"
// (namespace "default" when the manifest names none) and the container.
//
// Limits: input bytes, documents, YAML nodes and nesting depth are capped
// (Config); YAML aliases are refused (no billion-laughs expansion); a
// document that does not parse or decode is a DocError in the Result and
// the others are still checked. Objects of other kinds are listed in
// Result.Objects but not checked. Secret values in env are never copied
// into findings, only the variable's name.
package k8s
