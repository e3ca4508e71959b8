package archtest

import (
	"bufio"
	"bytes"
	"os/exec"
	"path"
	"strings"
	"testing"
)

const module = "github.com/vigil-sec/vigil"

// rules lists, for each package pattern, the module packages it may import
// (non-test code). The first rule whose pattern matches applies. Patterns are
// path.Match patterns on the import path below the module, or a prefix ending
// in "/..." for a whole subtree.
var rules = []struct {
	pkg     string
	allowed []string
}{
	{"cmd/vigil", []string{"internal/cli"}},
	{"internal/cli", []string{"internal/..."}},
	{"internal/finding", nil},
	{"internal/secrets", []string{"internal/finding", "internal/image", "internal/inventory"}},
	{"internal/misconfig", []string{"internal/finding"}},
	{"internal/misconfig/*", []string{"internal/finding", "internal/misconfig", "internal/image", "internal/inventory"}},
	{"internal/version", nil},
	{"internal/testenv", nil},
	{"internal/archtest", nil},
	{"internal/image", nil},
	{"internal/image/source", []string{"internal/image"}},
	{"internal/image/imagetest", []string{"internal/image"}},
	{"internal/inventory", []string{"internal/image", "internal/finding", "internal/pkgname"}},
	{"internal/inventory/catalogers", []string{"internal/inventory", "internal/inventory/*"}},
	{"internal/inventory/lines", nil},
	{"internal/inventory/filelist", nil},
	{"internal/inventory/nesting", nil},
	{"internal/inventory/*", []string{"internal/inventory", "internal/inventory/lines", "internal/inventory/filelist", "internal/inventory/nesting", "internal/version"}},
	{"internal/pkgname", nil},
	{"internal/vulndb", []string{"internal/version", "internal/pkgname"}},
	{"internal/vulndb/vulndbtest", []string{"internal/vulndb"}},
	{"internal/vulndb/feed", []string{"internal/vulndb", "internal/vulndb/*", "internal/version"}},
	{"internal/vulndb/*", []string{"internal/vulndb", "internal/version"}},
	{"internal/match", []string{"internal/inventory", "internal/vulndb", "internal/version", "internal/pkgname", "internal/finding"}},
	{"internal/suppress", []string{"internal/match", "internal/inventory", "internal/finding"}},
	{"internal/sbom", []string{"internal/inventory"}},
	{"internal/sign", nil},
	{"internal/policy", []string{"internal/finding", "internal/match", "internal/inventory", "internal/vulndb"}},
	{"internal/sbom/sbomtest", []string{"internal/sbom", "internal/inventory", "internal/testenv"}},
	{"internal/report", []string{"internal/inventory", "internal/sbom", "internal/finding", "internal/match", "internal/vulndb", "internal/secrets", "internal/misconfig"}},
	{"internal/scan", []string{"internal/image", "internal/inventory", "internal/finding", "internal/match", "internal/suppress", "internal/vulndb", "internal/secrets", "internal/misconfig", "internal/misconfig/...", "internal/sbom"}},
	{"e2e", []string{"internal/..."}},
}

func allowedBy(pattern, rel string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return rel == prefix || strings.HasPrefix(rel, prefix+"/")
	}
	ok, _ := path.Match(pattern, rel)
	return ok
}

func TestImportDirection(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		var allowed []string
		found := false
		for _, r := range rules {
			if allowedBy(r.pkg, pkg) {
				allowed, found = r.allowed, true
				break
			}
		}
		if !found {
			t.Errorf("package %s has no rule in archtest: add one that says what it may import", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			rel, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			if pkg != "cmd/vigil" && (allowedBy("internal/cli/...", rel) || allowedBy("internal/server/...", rel)) {
				t.Errorf("%s imports %s: nothing imports cli or server", pkg, rel)
				continue
			}
			ok = false
			for _, a := range allowed {
				if allowedBy(a, rel) {
					ok = true
					break
				}
			}
			if !ok {
				t.Errorf("%s imports %s, which its rule does not allow (%v)", pkg, rel, allowed)
			}
		}
	}
}
