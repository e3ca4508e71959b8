package k8s

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"

	"github.com/vigil-sec/vigil/internal/finding"
)

// Rule describes one least-privilege check.
type Rule struct {
	ID          string
	Severity    finding.Severity
	Title       string
	Remediation string
	References  []string
}

// Rule IDs of the least-privilege checks (PSS checks: see PSSRuleID).
const (
	IDPrivileged         = "VGL-K8S-PRIVILEGED"
	IDPrivilegeEsc       = "VGL-K8S-PRIVILEGE-ESCALATION"
	IDCapsNotDropped     = "VGL-K8S-CAPS-NOT-DROPPED"
	IDCapsAdded          = "VGL-K8S-CAPS-ADDED"
	IDCapsAddedDangerous = "VGL-K8S-CAPS-ADDED-DANGEROUS"
	IDRunAsNonRoot       = "VGL-K8S-RUN-AS-NON-ROOT"
	IDRunAsRootUID       = "VGL-K8S-RUN-AS-UID-0"
	IDReadOnlyRootFS     = "VGL-K8S-READ-ONLY-ROOT-FS"
	IDHostPath           = "VGL-K8S-HOST-PATH"
	IDHostNetwork        = "VGL-K8S-HOST-NETWORK"
	IDHostPID            = "VGL-K8S-HOST-PID"
	IDHostIPC            = "VGL-K8S-HOST-IPC"
	IDHostPort           = "VGL-K8S-HOST-PORT"
	IDSATokenAutomount   = "VGL-K8S-SA-TOKEN-AUTOMOUNT"
	IDSeccompMissing     = "VGL-K8S-SECCOMP-MISSING"
	IDSeccompUnconfined  = "VGL-K8S-SECCOMP-UNCONFINED"
	IDAppArmorUnconfined = "VGL-K8S-APPARMOR-UNCONFINED"
	IDNoCPULimit         = "VGL-K8S-NO-CPU-LIMIT"
	IDNoMemoryLimit      = "VGL-K8S-NO-MEMORY-LIMIT"
	IDImageNoDigest      = "VGL-K8S-IMAGE-NO-DIGEST"
	IDImageRegistry      = "VGL-K8S-IMAGE-REGISTRY"
	IDEnvSecretLiteral   = "VGL-K8S-ENV-SECRET-LITERAL"
)

const pssDoc = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

// Rules lists the least-privilege rules, in ID order of the constants.
func Rules() []Rule {
	return []Rule{
		{IDPrivileged, finding.SeverityCritical, "Privileged container", "Remove securityContext.privileged or set it to false.", []string{pssDoc}},
		{IDPrivilegeEsc, finding.SeverityMedium, "Privilege escalation allowed", "Set securityContext.allowPrivilegeEscalation to false.", []string{pssDoc}},
		{IDCapsNotDropped, finding.SeverityLow, "Capabilities not dropped", "Add ALL to securityContext.capabilities.drop and add back only what the process needs.", []string{pssDoc}},
		{IDCapsAdded, finding.SeverityMedium, "Capabilities added", "Remove capabilities from securityContext.capabilities.add unless the process needs them.", []string{pssDoc}},
		{IDCapsAddedDangerous, finding.SeverityHigh, "Dangerous capabilities added", "Remove powerful capabilities such as SYS_ADMIN or NET_ADMIN from securityContext.capabilities.add.", []string{pssDoc}},
		{IDRunAsNonRoot, finding.SeverityMedium, "May run as root", "Set securityContext.runAsNonRoot to true (or runAsUser to a non-zero UID).", []string{pssDoc}},
		{IDRunAsRootUID, finding.SeverityHigh, "Runs as UID 0", "Set securityContext.runAsUser to a non-zero UID.", []string{pssDoc}},
		{IDReadOnlyRootFS, finding.SeverityLow, "Writable root filesystem", "Set securityContext.readOnlyRootFilesystem to true and mount writable volumes where needed.", nil},
		{IDHostPath, finding.SeverityHigh, "hostPath volume", "Use a persistent volume, emptyDir, configMap or secret instead of a hostPath volume.", []string{pssDoc}},
		{IDHostNetwork, finding.SeverityHigh, "Host network namespace", "Remove hostNetwork or set it to false.", []string{pssDoc}},
		{IDHostPID, finding.SeverityHigh, "Host PID namespace", "Remove hostPID or set it to false.", []string{pssDoc}},
		{IDHostIPC, finding.SeverityHigh, "Host IPC namespace", "Remove hostIPC or set it to false.", []string{pssDoc}},
		{IDHostPort, finding.SeverityMedium, "Host port", "Remove hostPort and expose the port through a Service.", []string{pssDoc}},
		{IDSATokenAutomount, finding.SeverityLow, "Service account token mounted", "Set automountServiceAccountToken to false unless the pod calls the Kubernetes API.", nil},
		{IDSeccompMissing, finding.SeverityMedium, "No seccomp profile", "Set securityContext.seccompProfile.type to RuntimeDefault (or Localhost).", []string{pssDoc}},
		{IDSeccompUnconfined, finding.SeverityHigh, "Seccomp unconfined", "Set securityContext.seccompProfile.type to RuntimeDefault (or Localhost).", []string{pssDoc}},
		{IDAppArmorUnconfined, finding.SeverityHigh, "AppArmor unconfined", "Use the RuntimeDefault or a Localhost AppArmor profile.", []string{pssDoc}},
		{IDNoCPULimit, finding.SeverityLow, "No CPU limit", "Set resources.limits.cpu.", nil},
		{IDNoMemoryLimit, finding.SeverityLow, "No memory limit", "Set resources.limits.memory.", nil},
		{IDImageNoDigest, finding.SeverityLow, "Image not pinned by digest", "Refer to the image by digest (image@sha256:...).", nil},
		{IDImageRegistry, finding.SeverityMedium, "Image from a registry outside the allowlist", "Pull the image from an allowed registry.", nil},
		{IDEnvSecretLiteral, finding.SeverityHigh, "Secret in a plain environment value", "Take the value from a Secret with env.valueFrom.secretKeyRef.", nil},
	}
}

func (c *checker) rule(id string) Rule {
	if c.rules == nil {
		c.rules = make(map[string]Rule)
		for _, r := range Rules() {
			c.rules[r.ID] = r
		}
	}
	r, ok := c.rules[id]
	if !ok {
		panic("k8s: unknown rule " + id)
	}
	return r
}

// dangerousCap reports capabilities that amount to (or lead easily to)
// root on the node.
func dangerousCap(c string) bool {
	switch c {
	case "ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT",
		"SYS_TIME", "DAC_READ_SEARCH", "DAC_OVERRIDE", "BPF", "PERFMON", "MAC_ADMIN",
		"MAC_OVERRIDE", "SYSLOG", "SETFCAP":
		return true
	}
	return false
}

var secretEnvName = regexp.MustCompile(`(?i)passw(or)?d|secret|token|key`)

func normCap(c corev1.Capability) string {
	return strings.TrimPrefix(strings.ToUpper(string(c)), "CAP_")
}

// ctr is a container of any of the three kinds with its node.
type ctr struct {
	c         corev1.Container
	role      string // "container", "initContainer", "ephemeralContainer"
	node      *yaml.Node
	ephemeral bool
}

func containers(w *workload) []ctr {
	var out []ctr
	for i, c := range w.spec.InitContainers {
		out = append(out, ctr{c: c, role: "initContainer", node: item(child(w.specNode, "initContainers"), i)})
	}
	for i, c := range w.spec.Containers {
		out = append(out, ctr{c: c, role: "container", node: item(child(w.specNode, "containers"), i)})
	}
	for i, c := range w.spec.EphemeralContainers {
		out = append(out, ctr{c: corev1.Container(c.EphemeralContainerCommon), role: "ephemeralContainer", node: item(child(w.specNode, "ephemeralContainers"), i), ephemeral: true})
	}
	return out
}

func (c *checker) checkPod(t *target, w *workload) {
	s := &w.spec
	psc := s.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	if s.HostNetwork {
		t.add(t.c.rule(IDHostNetwork), path(w.specNode, "hostNetwork"), "", "pod uses the host network namespace")
	}
	if s.HostPID {
		t.add(t.c.rule(IDHostPID), path(w.specNode, "hostPID"), "", "pod uses the host PID namespace")
	}
	if s.HostIPC {
		t.add(t.c.rule(IDHostIPC), path(w.specNode, "hostIPC"), "", "pod uses the host IPC namespace")
	}
	if s.AutomountServiceAccountToken == nil || *s.AutomountServiceAccountToken {
		t.add(t.c.rule(IDSATokenAutomount), path(w.specNode, "automountServiceAccountToken"), "", "automountServiceAccountToken is not false")
	}
	for i, v := range s.Volumes {
		if v.HostPath != nil {
			t.add(t.c.rule(IDHostPath), item(child(w.specNode, "volumes"), i), "",
				fmt.Sprintf("volume %q mounts host path %q", v.Name, v.HostPath.Path))
		}
	}
	for _, k := range containers(w) {
		c.checkContainer(t, w, psc, k)
	}
}

func (c *checker) checkContainer(t *target, w *workload, psc *corev1.PodSecurityContext, k ctr) {
	name := k.c.Name
	who := k.role + " " + fmt.Sprintf("%q", name)
	sc := k.c.SecurityContext
	if sc == nil {
		sc = &corev1.SecurityContext{}
	}
	scNode := child(k.node, "securityContext")
	at := func(keys ...string) *yaml.Node {
		if scNode == nil {
			return k.node
		}
		return path(scNode, keys...)
	}

	if sc.Privileged != nil && *sc.Privileged {
		t.add(t.c.rule(IDPrivileged), at("privileged"), name, who+" is privileged")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.add(t.c.rule(IDPrivilegeEsc), at("allowPrivilegeEscalation"), name, who+": allowPrivilegeEscalation is not false")
	}
	var drop, added, dangerous []string
	if sc.Capabilities != nil {
		for _, d := range sc.Capabilities.Drop {
			drop = append(drop, normCap(d))
		}
		for _, a := range sc.Capabilities.Add {
			if n := normCap(a); dangerousCap(n) {
				dangerous = append(dangerous, n)
			} else if n != "NET_BIND_SERVICE" { // the one PSS restricted allows

				added = append(added, n)
			}
		}
	}
	if !contains(drop, "ALL") {
		t.add(t.c.rule(IDCapsNotDropped), at("capabilities", "drop"), name, who+" does not drop ALL capabilities")
	}
	if len(dangerous) > 0 {
		t.add(t.c.rule(IDCapsAddedDangerous), at("capabilities", "add"), name, who+" adds "+strings.Join(dangerous, ", "))
	}
	if len(added) > 0 {
		t.add(t.c.rule(IDCapsAdded), at("capabilities", "add"), name, who+" adds "+strings.Join(added, ", "))
	}

	nonRoot, uid := psc.RunAsNonRoot, psc.RunAsUser
	if sc.RunAsNonRoot != nil {
		nonRoot = sc.RunAsNonRoot
	}
	if sc.RunAsUser != nil {
		uid = sc.RunAsUser
	}
	switch {
	case uid != nil && *uid == 0:
		n := at("runAsUser")
		if sc.RunAsUser == nil {
			n = path(w.specNode, "securityContext", "runAsUser")
		}
		t.add(t.c.rule(IDRunAsRootUID), n, name, who+" runs as UID 0")
	case (nonRoot == nil || !*nonRoot) && uid == nil:
		t.add(t.c.rule(IDRunAsNonRoot), at("runAsNonRoot"), name, who+": runAsNonRoot is not true and no non-zero runAsUser is set")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.add(t.c.rule(IDReadOnlyRootFS), at("readOnlyRootFilesystem"), name, who+": readOnlyRootFilesystem is not true")
	}

	// Seccomp: container field, pod field, then the legacy annotations.
	var seccomp string
	var seccompNode *yaml.Node
	switch {
	case sc.SeccompProfile != nil:
		seccomp, seccompNode = string(sc.SeccompProfile.Type), at("seccompProfile")
	case psc.SeccompProfile != nil:
		seccomp, seccompNode = string(psc.SeccompProfile.Type), path(w.specNode, "securityContext", "seccompProfile")
	default:
		if a, ok := w.podMeta.Annotations[corev1.SeccompContainerAnnotationKeyPrefix+name]; ok {
			seccomp = a
		} else if a, ok := w.podMeta.Annotations[corev1.SeccompPodAnnotationKey]; ok {
			seccomp = a
		}
		seccompNode = k.node
	}
	switch strings.ToLower(seccomp) {
	case "":
		t.add(t.c.rule(IDSeccompMissing), k.node, name, who+" has no seccomp profile")
	case "unconfined":
		t.add(t.c.rule(IDSeccompUnconfined), seccompNode, name, who+" runs without seccomp (Unconfined)")
	}

	// AppArmor: container field, pod field, or the beta annotation.
	if a, ok := w.podMeta.Annotations[corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix+name]; ok && a == corev1.DeprecatedAppArmorBetaProfileNameUnconfined {
		t.add(t.c.rule(IDAppArmorUnconfined), k.node, name, who+": AppArmor annotation is unconfined")
	} else if sc.AppArmorProfile != nil {
		if sc.AppArmorProfile.Type == corev1.AppArmorProfileTypeUnconfined {
			t.add(t.c.rule(IDAppArmorUnconfined), at("appArmorProfile"), name, who+": appArmorProfile is Unconfined")
		}
	} else if psc.AppArmorProfile != nil && psc.AppArmorProfile.Type == corev1.AppArmorProfileTypeUnconfined {
		t.add(t.c.rule(IDAppArmorUnconfined), path(w.specNode, "securityContext", "appArmorProfile"), name, who+": pod appArmorProfile is Unconfined")
	}

	if !k.ephemeral { // ephemeral containers may not set resources
		res := path(k.node, "resources", "limits")
		if _, ok := k.c.Resources.Limits[corev1.ResourceCPU]; !ok {
			t.add(t.c.rule(IDNoCPULimit), res, name, who+" has no CPU limit")
		}
		if _, ok := k.c.Resources.Limits[corev1.ResourceMemory]; !ok {
			t.add(t.c.rule(IDNoMemoryLimit), res, name, who+" has no memory limit")
		}
	}
	for i, p := range k.c.Ports {
		if p.HostPort != 0 {
			t.add(t.c.rule(IDHostPort), item(child(k.node, "ports"), i), name, fmt.Sprintf("%s binds host port %d", who, p.HostPort))
		}
	}

	img := k.c.Image
	imgNode := path(k.node, "image")
	if img != "" && !strings.Contains(img, "@sha256:") && !strings.Contains(img, "@sha512:") {
		t.add(t.c.rule(IDImageNoDigest), imgNode, name, fmt.Sprintf("%s image %q is not pinned by digest", who, img))
	}
	if len(c.registries) > 0 && img != "" && !allowedImage(img, c.registries) {
		t.add(t.c.rule(IDImageRegistry), imgNode, name, fmt.Sprintf("%s image %q is not from an allowed registry", who, img))
	}

	for i, e := range k.c.Env {
		if e.ValueFrom == nil && e.Value != "" && secretEnvName.MatchString(e.Name) {
			// Never the value itself: only the variable's name.
			t.add(t.c.rule(IDEnvSecretLiteral), item(child(k.node, "env"), i), name,
				fmt.Sprintf("%s sets %s to a literal value", who, e.Name))
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// imageRepo returns the fully qualified repository of an image reference:
// "nginx:1" is "docker.io/library/nginx".
func imageRepo(img string) string {
	if i := strings.IndexByte(img, '@'); i >= 0 {
		img = img[:i]
	}
	if i := strings.LastIndexByte(img, ':'); i >= 0 && !strings.Contains(img[i:], "/") {
		img = img[:i]
	}
	first, rest, found := strings.Cut(img, "/")
	if !found || (!strings.ContainsAny(first, ".:") && first != "localhost") {
		if !found {
			return "docker.io/library/" + img
		}
		return "docker.io/" + img
	}
	if first == "index.docker.io" || first == "registry-1.docker.io" {
		first = "docker.io"
	}
	return strings.ToLower(first) + "/" + rest
}

func parseAllowlist(in []string) []string {
	var out []string
	for _, a := range in {
		a = strings.TrimSuffix(strings.TrimSpace(a), "/")
		if a == "" {
			continue
		}
		first, rest, _ := strings.Cut(a, "/")
		if first == "index.docker.io" || first == "registry-1.docker.io" {
			first = "docker.io"
		}
		a = strings.ToLower(first)
		if rest != "" {
			a += "/" + rest
		}
		out = append(out, a)
	}
	return out
}

func allowedImage(img string, allow []string) bool {
	repo := imageRepo(img)
	for _, a := range allow {
		if repo == a || strings.HasPrefix(repo, a+"/") {
			return true
		}
	}
	return false
}
