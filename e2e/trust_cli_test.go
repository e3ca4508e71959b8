package e2e_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/testenv"
)

// alpineDB is a database of the Alpine secdb and CISA KEV only.
func alpineDB(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "vigil.db")
	r := vigil(t, nil, "--db", file, "db", "import", testenv.Shared(t, "vulndata", "alpine-secdb/json"),
		testenv.Shared(t, "vulndata", "cisa-kev/known_exploited_vulnerabilities.json"))
	if r.code != 0 {
		t.Fatalf("vigil db import: %v", r)
	}
	return file
}

// TestPushGate is the pre-push gate end to end, from the command line: a
// policy that allows the Alpine image lets `vigil push` push it by digest,
// sign it and attach its scan, which the real cosign verifies; a policy that
// denies one of its CVEs stops the push (nothing reaches the registry);
// `vigil check` then allows the pushed image only with the right signer.
func TestPushGate(t *testing.T) {
	t.Parallel()
	cosign := newCosign(t)
	reg := anonRegistry(t)
	a := alpine(t, "3.20.3")
	src := "oci:" + ociLayout(t, a.img)
	db := alpineDB(t)
	dir := t.TempDir()
	env := []string{"VIGIL_PASSWORD=gate-test"}
	for _, k := range []string{"release", "other", "third"} {
		if r := vigil(t, env, "key", "generate", "--output-prefix", filepath.Join(dir, k)); r.code != 0 {
			t.Fatalf("vigil key generate: %v", r)
		}
	}
	writePolicy := func(file, extra string) string {
		t.Helper()
		p := filepath.Join(dir, file)
		doc := "apiVersion: vigil.dev/v1\nkind: Policy\nregistries:\n  - \"" + reg.addr + "/gate/*\"\n" +
			"signers:\n  keys:\n    - name: release\n      keyFile: release.pub\n" + extra
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	allow := writePolicy("allow.yaml", "")

	// What the image holds, to deny one of its CVEs.
	r := vigil(t, nil, "--db", db, "scan", "image", "--scanners", "vuln", "--max-db-age", "0", "--format", "json", src)
	if r.code != 0 {
		t.Fatalf("scan: %v", r)
	}
	var doc report.VulnDocument
	if err := json.Unmarshal(r.stdout, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) == 0 {
		t.Fatal("the Alpine 3.20.3 image has no vulnerability with the shared secdb; the deny case needs one")
	}
	cve := doc.Findings[0].ID
	deny := writePolicy("deny.yaml", "vulnerabilities:\n  deny: ["+cve+"]\n")

	// Denied: exit 3, the violation named, nothing pushed.
	denied := reg.ref("gate/denied:1")
	r = vigil(t, env, "--db", db, "push", "--policy", deny, "--key", filepath.Join(dir, "release.key"), "--insecure", "--max-db-age", "0", src, denied)
	if r.code != 3 || !bytes.Contains(r.stdout, []byte("vulnerabilities.deny")) || !bytes.Contains(r.stdout, []byte(cve)) {
		t.Fatalf("push with a denying policy: want exit 3 naming vulnerabilities.deny and %s: %v\n%s", cve, r, r.stdout)
	}
	if _, err := remote.Head(mustRef(t, denied)); err == nil {
		t.Errorf("a denied image reached the registry as %s", denied)
	}

	// Allowed: pushed by digest, signed, attested, then tagged.
	dst := reg.ref("gate/app:1")
	r = vigil(t, env, "--db", db, "push", "--policy", allow, "--key", filepath.Join(dir, "release.key"), "--insecure", "--max-db-age", "0", src, dst)
	if r.code != 0 {
		t.Fatalf("push: %v\n%s", r, r.stdout)
	}
	m := regexp.MustCompile(`\S+@sha256:[0-9a-f]{64}`).Find(r.stdout)
	if m == nil {
		t.Fatalf("push printed no digest reference:\n%s", r.stdout)
	}
	pushed := string(m)
	want, err := a.img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(pushed, want.String()) {
		t.Errorf("pushed %s, want the source's digest %s", pushed, want)
	}
	desc, err := remote.Head(mustRef(t, dst))
	if err != nil || desc.Digest != want {
		t.Errorf("tag %s: %v, digest %v", dst, err, desc)
	}

	pub := filepath.Join(dir, "release.pub")
	pushedRef, err := name.NewDigest(pushed, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := cosign.verify(t, pub, pushedRef); err != nil {
		t.Errorf("cosign verify of the pushed image: %v\n%s", err, out)
	}
	if out, err := cosign.verifyAttestation(t, pub, pushedRef); err != nil {
		t.Errorf("cosign verify-attestation of the pushed image: %v\n%s", err, out)
	}
	if r := vigil(t, nil, "verify", "--key", pub, "--insecure", dst); r.code != 0 {
		t.Errorf("vigil verify: %v", r)
	}
	if r := vigil(t, nil, "verify", "--attestation", "--max-age", "1h", "--key", pub, "--insecure", dst); r.code != 0 {
		t.Errorf("vigil verify --attestation --max-age 1h: %v", r)
	}
	if r := vigil(t, nil, "verify", "--key", filepath.Join(dir, "third.pub"), "--insecure", dst); r.code != 1 || !bytes.Contains(r.stderr, []byte("verif")) {
		t.Errorf("vigil verify with the wrong key: want exit 1 and a reason: %v", r)
	}

	// sign and attest on their own, with the other key: both verify, with
	// vigil and with cosign.
	otherKey, otherPub := filepath.Join(dir, "other.key"), filepath.Join(dir, "other.pub")
	if r := vigil(t, env, "sign", "--key", otherKey, "--annotation", "stage=qa", "--insecure", dst); r.code != 0 {
		t.Fatalf("vigil sign: %v", r)
	}
	if r := vigil(t, env, "--db", db, "attest", "--key", otherKey, "--insecure", "--max-db-age", "0", dst); r.code != 0 {
		t.Fatalf("vigil attest: %v", r)
	}
	if r := vigil(t, nil, "verify", "--key", otherPub, "--format", "json", "--insecure", dst); r.code != 0 || !bytes.Contains(r.stdout, []byte(`"stage": "qa"`)) {
		t.Errorf("vigil verify of the other signature: %v\n%s", r, r.stdout)
	}
	if out, err := cosign.verify(t, otherPub, pushedRef); err != nil {
		t.Errorf("cosign verify of vigil sign: %v\n%s", err, out)
	}
	if out, err := cosign.verifyAttestation(t, otherPub, pushedRef); err != nil {
		t.Errorf("cosign verify-attestation of vigil attest: %v\n%s", err, out)
	}

	// check: allowed with the release signer; denied when the policy wants
	// another signer.
	if r := vigil(t, nil, "--db", db, "check", "--policy", allow, "--insecure", "--max-db-age", "0", pushed); r.code != 0 {
		t.Errorf("check of the pushed image: %v\n%s", r, r.stdout)
	}
	other := filepath.Join(dir, "third.yaml")
	otherDoc := "apiVersion: vigil.dev/v1\nkind: Policy\nsigners:\n  keys:\n    - name: third\n      keyFile: third.pub\n"
	if err := os.WriteFile(other, []byte(otherDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	r = vigil(t, nil, "--db", db, "check", "--policy", other, "--insecure", "--max-db-age", "0", pushed)
	if r.code != 3 || !bytes.Contains(r.stdout, []byte("signers")) {
		t.Errorf("check with a signer that did not sign: want exit 3 naming signers: %v\n%s", r, r.stdout)
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
