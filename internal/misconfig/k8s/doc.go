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
// Each failing PSS check is reported once (a decision: the library's
// restricted evaluation repeats the baseline checks, so a privileged pod
// would otherwise fail "privileged" at both levels). A check that fails the
// baseline evaluation is reported at baseline (severity high) only. At
// restricted (severity medium) come only the checks that fail restricted
// and pass baseline: the restricted-only checks (allowPrivilegeEscalation,
// runAsNonRoot, runAsUser) and the stricter restricted versions of a
// baseline check (capabilities_restricted, seccompProfile_restricted,
// restrictedVolumes, procMount) when the baseline check they replace
// passed; when it failed, the concern is already reported at baseline. So
// the findings at or below a level are exactly the pod's failures at that
// level, one per concern; TestPSSAgrees holds them to EvaluatePod at both
// levels on every fixture. With PSSLevels set to restricted alone, every
// restricted failure is reported at restricted, as the library lists them.
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
