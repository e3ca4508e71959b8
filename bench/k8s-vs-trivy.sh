#!/usr/bin/env bash
# Compares `vigil scan k8s` with `trivy config` (v0.74.0, its embedded
# checks: trivy-checks v1.12.2-0.20251219190323) on the manifest fixtures of
# internal/misconfig/k8s/testdata, for the concerns of issue 5: privileged,
# privilege escalation, host namespaces, capabilities and root. Offline: trivy
# runs with --skip-check-update and an empty cache of its own, so it falls
# back to the checks compiled into the binary (it logs "Falling back to
# embedded checks"; --quiet hides that). Not run in CI.
#
#   bench/k8s-vs-trivy.sh              # TRIVY=/path/to/trivy to use another
#
# Needs go, jq, python3 with PyYAML (Debian: python3-yaml). Does not source
# bench/lib.sh: that requires root and debootstrap for the reference image,
# which this comparison does not use. Skips (exit 0) when trivy is absent.
#
# For every workload (object, and container for container concerns) it
# prints per concern whether vigil and trivy flag it, then per concern the
# counts of both / neither / vigil-only / trivy-only and every difference
# with its reason. Only PSS-independent least-privilege rules of vigil are
# mapped (the PSS findings name no container). Exit status 0 unless a tool
# fails; an unexplained difference is printed as UNEXPLAINED.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${VIGIL_BENCH_DIR:-/var/cache/vigil-bench}
TRIVY=${TRIVY:-$BENCH/bin/trivy}
FIXTURES=$REPO/internal/misconfig/k8s/testdata

log() { echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

if [ ! -x "$TRIVY" ]; then
	log "trivy not found at $TRIVY (set TRIVY, or run bench/scan-vs-trivy.sh once to install v0.74.0): skipping"
	exit 0
fi
command -v jq >/dev/null || die "jq missing: apt-get install jq"
python3 -c 'import yaml' 2>/dev/null || die "python3 with PyYAML missing: apt-get install python3-yaml"
tv=$(go version -m "$TRIVY" 2>/dev/null | awk '$1 == "mod" {print $3}')
[ "$tv" = v0.74.0 ] || log "warning: $TRIVY is trivy ${tv:-of unknown version}, the comparison is for v0.74.0"

WORK=$(mktemp -d /tmp/k8s-vs-trivy.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/cache" "$WORK/out"
log "building vigil"
(cd "$REPO" && go build -o "$WORK/vigil" ./cmd/vigil)

for f in "$FIXTURES"/*.yaml "$FIXTURES"/*.json; do
	b=$(basename "$f")
	# vigil exits 0 with findings unless --exit-code is given.
	"$WORK/vigil" scan k8s --format json "$f" >"$WORK/out/$b.vigil.json" 2>"$WORK/out/$b.vigil.err" ||
		die "vigil failed on $b: $(tail -3 "$WORK/out/$b.vigil.err")"
	TRIVY_CACHE_DIR=$WORK/cache "$TRIVY" config --skip-check-update --skip-version-check --disable-telemetry \
		--cache-dir "$WORK/cache" --quiet --format json --output "$WORK/out/$b.trivy.json" "$f" 2>"$WORK/out/$b.trivy.err" ||
		die "trivy failed on $b: $(tail -3 "$WORK/out/$b.trivy.err")"
done

python3 - "$FIXTURES" "$WORK/out" <<'EOF'
import collections, json, os, re, sys, yaml

fixtures, out = sys.argv[1], sys.argv[2]

# Mapping table: concern -> (vigil rule IDs, trivy check IDs). Not mapped on
# purpose: KSV020/KSV021 (UID/GID <= 10000: a threshold policy, not root;
# trivy has no check for runAsGroup 0 as such, see the run-as-group-0 pod),
# KSV118 (default security context), KSV014 (read-only root FS) and the other
# checks outside the concerns of the comparison.
CONCERNS = [
    # concern, scope, vigil rules, trivy checks
    ("privileged", "container", {"VGL-K8S-PRIVILEGED"}, {"KSV-0017"}),
    ("privilege-escalation", "container", {"VGL-K8S-PRIVILEGE-ESCALATION"}, {"KSV-0001"}),
    ("host-network", "pod", {"VGL-K8S-HOST-NETWORK"}, {"KSV-0009"}),
    ("host-pid", "pod", {"VGL-K8S-HOST-PID"}, {"KSV-0010"}),
    ("host-ipc", "pod", {"VGL-K8S-HOST-IPC"}, {"KSV-0008"}),
    # KSV005 SYS_ADMIN, KSV022 any add, KSV119 NET_RAW, KSV106 "should not
    # add stuff" (anything but NET_BIND_SERVICE).
    ("caps-added", "container", {"VGL-K8S-CAPS-ADDED", "VGL-K8S-CAPS-ADDED-DANGEROUS"},
     {"KSV-0005", "KSV-0022", "KSV-0119", "KSV-0106:add"}),
    # KSV003 drop ALL, KSV004 drop anything, KSV106 "should drop all".
    ("caps-not-dropped", "container", {"VGL-K8S-CAPS-NOT-DROPPED"}, {"KSV-0003", "KSV-0004", "KSV-0106:drop"}),
    ("run-as-root", "container", {"VGL-K8S-RUN-AS-NON-ROOT"}, {"KSV-0012"}),
    ("uid-0", "container", {"VGL-K8S-RUN-AS-UID-0"}, {"KSV-0105"}),
]
BY_VIGIL = {r: c for c, _, vs, _ in CONCERNS for r in vs}
BY_TRIVY = {r: c for c, _, _, ts in CONCERNS for r in ts}
SCOPE = {c: s for c, s, _, _ in CONCERNS}
POD = "(pod)"


def trivy_id(m):
    i = m["ID"]
    if i == "KSV-0106":  # one check, two concerns, told apart by its message
        return i + (":drop" if "drop" in m.get("Message", "") else ":add")
    return i


def endline(node):
    m = node.end_mark
    return m.line if m.column == 0 else m.line + 1


def get(node, key):
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v
    return None


def layout(path):
    """Objects of a manifest: key, line range, containers (name, role, range, caps added)."""
    text = open(path, encoding="utf-8", errors="replace").read()
    lines = text.split("\n")
    starts = [0] + [i + 1 for i, l in enumerate(lines) if re.match(r"^---(\s|$)", l)]
    objs = []
    for n, s in enumerate(starts):
        e = starts[n + 1] - 1 if n + 1 < len(starts) else len(lines)
        chunk = "\n".join(lines[s:e])
        try:
            root = yaml.compose(chunk)
        except yaml.YAMLError:
            continue
        if not isinstance(root, yaml.MappingNode):
            continue
        items = get(root, "items")
        kind = get(root, "kind")
        is_list = isinstance(items, yaml.SequenceNode) and kind is not None and kind.value.endswith("List")
        nodes = items.value if is_list else [root]
        for o in nodes:
            kind, meta = get(o, "kind"), get(o, "metadata")
            if kind is None:
                continue
            name, ns = get(meta, "name"), get(meta, "namespace")
            obj = {"key": "%s/%s/%s" % (kind.value, ns.value if ns else "default", name.value if name else ""),
                   "kind": kind.value, "name": name.value if name else "", "list": is_list,
                   # trivy's lines for pod-level findings may be the document's first (a comment, the "---")
                   "start": s + o.start_mark.line + 1 if is_list else max(s, 1), "end": s + endline(o) if is_list else e,
                   "containers": []}
            spec = get(o, "spec")
            if kind.value == "CronJob":
                spec = get(get(get(get(spec, "jobTemplate"), "spec"), "template"), "spec")
            elif kind.value != "Pod":
                spec = get(get(spec, "template"), "spec")
            for role in ("initContainers", "containers", "ephemeralContainers"):
                seq = get(spec, role)
                for c in seq.value if isinstance(seq, yaml.SequenceNode) else []:
                    cn = get(c, "name")
                    add = get(get(get(c, "securityContext"), "capabilities"), "add")
                    caps = [x.value for x in add.value] if isinstance(add, yaml.SequenceNode) else []
                    drop = get(get(get(c, "securityContext"), "capabilities"), "drop")
                    drops = [x.value for x in drop.value] if isinstance(drop, yaml.SequenceNode) else []
                    obj["containers"].append({"name": cn.value if cn else "", "role": role,
                                              "start": s + c.start_mark.line + 1, "end": s + endline(c), "add": caps,
                                              "drop": drops, "uid": get(get(c, "securityContext"), "runAsUser") is not None})
            objs.append(obj)
    return objs


OBJ_RE = [re.compile(r"of '?(\w+)'? '([^']+)'"), re.compile(r"^(\w+) '([^']+)' should")]
NAME_RE = [re.compile(p) for p in (r"[Cc]ontainer '([^']+)'", r'[Cc]ontainer "([^"]+)"', r"container (\S+) of pod ")]

counts = collections.defaultdict(collections.Counter)
diffs = []
for b in sorted(os.listdir(fixtures)):
    path = os.path.join(fixtures, b)
    if not (b.endswith(".yaml") or b.endswith(".json")) or not os.path.isfile(path):
        continue
    objs = layout(path)
    flags = collections.defaultdict(lambda: (set(), set()))  # (obj, ctr, concern) -> (vigil, trivy)
    v = json.load(open(os.path.join(out, b + ".vigil.json")))
    for f in v.get("findings") or []:
        c = BY_VIGIL.get(f["ruleID"])
        if c:
            loc = f["location"]
            flags[(loc.get("object", ""), loc.get("container") or POD, c)][0].add(f["ruleID"])
    t = json.load(open(os.path.join(out, b + ".trivy.json")))
    for r in t.get("Results") or []:
        for m in r.get("Misconfigurations") or []:
            tid = trivy_id(m)
            c = BY_TRIVY.get(tid)
            if not c or m.get("Status") != "FAIL":
                continue
            line = (m.get("CauseMetadata") or {}).get("StartLine") or 0
            # The object trivy names ("of Deployment 'web'", "Pod 'p' should"), else by line.
            om = next((x for x in (rx.search(m.get("Message", "")) for rx in OBJ_RE) if x), None)
            obj = None
            if om:
                obj = next((o for o in objs if o["kind"].lower() == om.group(1).lower() and o["name"] == om.group(2)), None)
            if obj is None:
                obj = next((o for o in objs if o["start"] <= line <= o["end"]), None)
            if obj is None:
                diffs.append((b, "?", "?", c, "trivy %s at line %d outside every object" % (tid, line)))
                continue
            ctr = None
            for rx in NAME_RE:
                mm = rx.search(m.get("Message", ""))
                if mm:
                    ctr = mm.group(1)
                    break
            if ctr is None:
                ctr = next((k["name"] for k in obj["containers"] if k["start"] <= line <= k["end"]), None)
            if SCOPE[c] == "pod":
                targets = [POD]
            elif ctr is not None:
                targets = [ctr]
            else:  # a pod-level runAsUser: 0: every container trivy sees that does not set its own
                targets = [k["name"] for k in obj["containers"] if k["role"] != "ephemeralContainers" and not k["uid"]]
            for ctr in targets:
                flags[(obj["key"], ctr, c)][1].add(m["ID"] + (" (%s)" % tid.split(":")[1] if ":" in tid else ""))

    trivy_empty = not any(r.get("Misconfigurations") for r in t.get("Results") or [])

    # Known differences, each deliberate (see the closing note of issue 5).
    def reason(obj, ctr, c, vf, tf):
        o = next((o for o in objs if o["key"] == obj), None)
        k = next((k for k in (o["containers"] if o else []) if k["name"] == ctr), None)
        if vf and o and o["list"]:
            return "deliberate: trivy does not look into the items of a List (kubectl get -o yaml output); vigil checks them"
        if vf and trivy_empty:
            return "deliberate: trivy skips the whole file when one document does not parse; vigil reports that document and checks the others"
        if c == "caps-not-dropped" and tf and not vf and k and "ALL" in {x.upper().removeprefix("CAP_") for x in k["drop"]}:
            return ("deliberate: drop %s: runtimes (containerd, CRI-O) match capability names case-insensitively, so vigil counts it; "
                    "trivy KSV106 wants exactly ALL, as PSS restricted does (vigil: VGL-K8S-PSS-RESTRICTED-CAPABILITIES-RESTRICTED)" % k["drop"])
        if c == "run-as-root" and tf and not vf and k and k["uid"] and not flags.get((obj, ctr, "uid-0"), (set(), set()))[0]:
            return ("deliberate: the container sets a non-zero runAsUser, so it cannot run as root; vigil's check is about the effect, "
                    "trivy KSV012 wants runAsNonRoot as PSS restricted does (vigil: VGL-K8S-PSS-RESTRICTED-RUN-AS-NON-ROOT)")
        if vf and k and k["role"] == "ephemeralContainers":
            return "deliberate: trivy does not check ephemeral containers (kubectl debug); vigil does, they run in the pod"
        if c == "caps-added" and tf and not vf and k and {x.upper().removeprefix("CAP_") for x in k["add"]} <= {"NET_BIND_SERVICE"}:
            return "deliberate: PSS restricted allows adding NET_BIND_SERVICE; vigil does not flag it (trivy KSV022 flags any add)"
        if c == "run-as-root" and tf and not vf and flags.get((obj, ctr, "uid-0"), (set(), set()))[0]:
            return "deliberate: vigil reports an explicit UID 0 once, as VGL-K8S-RUN-AS-UID-0 (runs as root, not 'may run as root')"
        return "UNEXPLAINED"

    print("== %s" % b)
    for o in objs:
        units = [POD] + [k["name"] for k in o["containers"]]
        for u in units:
            row = []
            for c, scope, _, _ in CONCERNS:
                if (scope == "pod") != (u == POD):
                    continue
                vf, tf = flags.get((o["key"], u, c), (set(), set()))
                state = "both" if vf and tf else "vigil-only" if vf else "trivy-only" if tf else "neither"
                counts[c][state] += 1
                if state != "neither":
                    row.append("%s=%s" % (c, state))
                if state in ("vigil-only", "trivy-only"):
                    diffs.append((b, o["key"], u, c, "%s vigil %s trivy %s: %s" % (
                        state, sorted(vf) or "-", sorted(tf) or "-", reason(o["key"], u, c, vf, tf))))
            if u == POD and not row:
                continue
            print("  %-50s %-12s %s" % (o["key"], u, " ".join(row) or "(nothing flagged)"))
    # Findings for objects the layout missed (should not happen).
    known = {(o["key"], u) for o in objs for u in [POD] + [k["name"] for k in o["containers"]]}
    for (obj, ctr, c), (vf, tf) in flags.items():
        if (obj, ctr) not in known:
            diffs.append((b, obj, ctr, c, "not in the layout: vigil %s trivy %s: UNEXPLAINED" % (sorted(vf), sorted(tf))))

print()
print("%-22s %6s %8s %11s %11s" % ("concern", "both", "neither", "vigil-only", "trivy-only"))
for c, _, _, _ in CONCERNS:
    n = counts[c]
    print("%-22s %6d %8d %11d %11d" % (c, n["both"], n["neither"], n["vigil-only"], n["trivy-only"]))
print()
print("differences (%d):" % len(diffs))
for d in diffs:
    print("  %s %s %s %s: %s" % d)
EOF
