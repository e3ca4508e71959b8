package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// goApp is one Go program that the language test builds: a module that
// requires Requires and whose main package imports Imports.
type goApp struct {
	Name     string   // module example.com/NAME, binary NAME
	Requires []string // "module@version"
	Imports  []string // packages main imports (blank imports keep them linked)
	Body     string   // statements of main
}

// goBinary is a built goApp and what `go version -m` says of it.
type goBinary struct {
	File      string            // the built binary on the host
	Toolchain string            // "go1.26.8"
	Modules   map[string]string // dependency module path -> version (replacements applied)
}

// langGoApps are the Go binaries of the language image: the same two
// programs built against vulnerable and against fixed module versions.
// golang.org/x/text v0.3.6 is below GO-2021-0113 (fixed 0.3.7), GO-2022-1059
// (0.3.8) and GO-2026-5970 (0.39.0); golang.org/x/net v0.17.0 is below many
// GO- records (GO-2023-2153, ..., fixed up to 0.56.0). v0.44.0 and v0.62.0
// are above every fix in ../shared/vulndata/golang-vulndb (2026-08-21).
var langGoApps = map[string][]goApp{
	"vuln": {
		{Name: "textapp", Requires: []string{"golang.org/x/text@v0.3.6"}, Imports: []string{"golang.org/x/text/language"},
			Body: `t, _ := language.Parse("de-CH"); fmt.Println(t)`},
		{Name: "netapp", Requires: []string{"golang.org/x/net@v0.17.0"}, Imports: []string{"golang.org/x/net/html"},
			Body: `n, err := html.Parse(strings.NewReader("<p>x")); fmt.Println(n != nil, err)`},
	},
	"fixed": {
		{Name: "textapp", Requires: []string{"golang.org/x/text@v0.44.0"}, Imports: []string{"golang.org/x/text/language"},
			Body: `t, _ := language.Parse("de-CH"); fmt.Println(t)`},
		{Name: "netapp", Requires: []string{"golang.org/x/net@v0.62.0"}, Imports: []string{"golang.org/x/net/html"},
			Body: `n, err := html.Parse(strings.NewReader("<p>x")); fmt.Println(n != nil, err)`},
	},
}

// goCacheDir is where the Go builds of the language test keep GOPATH and
// their module sources (with go.sum), under the test-data cache, so a rerun
// needs no network.
func goCacheDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv("VIGIL_TESTDATA")
	if root == "" {
		root = "/var/cache/vigil-testdata"
	}
	dir := filepath.Join(root, "langdeps-go")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("Go build cache: %v", err)
	}
	return dir
}

// buildGoApp builds app (variant "vuln" or "fixed") with the module proxy
// and returns the binary and its build information as `go version -m` reads it.
func buildGoApp(t *testing.T, variant string, app goApp, out string) goBinary {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cache := goCacheDir(t)
	src := filepath.Join(cache, "src", variant, app.Name)
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	var gomod bytes.Buffer
	fmt.Fprintf(&gomod, "module example.com/%s\n\ngo 1.22\n\nrequire (\n", app.Name)
	for _, r := range app.Requires {
		mod, ver, _ := strings.Cut(r, "@")
		fmt.Fprintf(&gomod, "\t%s %s\n", mod, ver)
	}
	gomod.WriteString(")\n")
	var main bytes.Buffer
	main.WriteString("package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n")
	for _, imp := range app.Imports {
		fmt.Fprintf(&main, "\t%q\n", imp)
	}
	fmt.Fprintf(&main, ")\n\nvar _ = strings.ToUpper\n\nfunc main() {\n\t%s\n}\n", app.Body)
	// go.sum stays from the last run (-mod=mod fills it): the module cache
	// then answers without the network.
	old, _ := os.ReadFile(filepath.Join(src, "go.mod"))
	if !bytes.Equal(old, gomod.Bytes()) {
		os.Remove(filepath.Join(src, "go.sum"))
		if err := os.WriteFile(filepath.Join(src, "go.mod"), gomod.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), main.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(),
		"GOPATH="+filepath.Join(cache, "gopath"),
		"GOMODCACHE="+filepath.Join(cache, "gopath", "pkg", "mod"),
		"GOFLAGS=-mod=mod -modcacherw",
		"GOTOOLCHAIN=local", "GOWORK=off", "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		if os.Getenv("VIGIL_REQUIRE_E2E") != "1" && !proxyReachable() {
			t.Skipf("go build %s (%s) needs the Go module proxy, which is unreachable: %v\n%s", app.Name, variant, err, b)
		}
		t.Fatalf("go build %s (%s): %v\n%s", app.Name, variant, err, b)
	}
	t.Logf("built %s (%s) in %v", app.Name, variant, time.Since(start).Round(time.Millisecond))
	return goVersionM(t, goTool, out)
}

// proxyReachable says whether the first GOPROXY entry answers.
func proxyReachable() bool {
	proxy := os.Getenv("GOPROXY")
	if proxy == "" {
		if b, err := exec.Command("go", "env", "GOPROXY").Output(); err == nil {
			proxy = strings.TrimSpace(string(b))
		}
	}
	first, _, _ := strings.Cut(proxy, ",")
	if !strings.HasPrefix(first, "http") {
		return false
	}
	c := http.Client{Timeout: 15 * time.Second}
	resp, err := c.Get(strings.TrimSuffix(first, "/") + "/golang.org/x/text/@v/list")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// goVersionM reads a binary's build information with `go version -m`
// (the Go tool's reading, not vigil's).
func goVersionM(t *testing.T, goTool, file string) goBinary {
	t.Helper()
	out, err := exec.Command(goTool, "version", "-m", file).Output()
	if err != nil {
		t.Fatalf("go version -m %s: %v", file, err)
	}
	b := goBinary{File: file, Modules: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	first := true
	var last string
	for sc.Scan() {
		line := sc.Text()
		if first {
			// "FILE: go1.26.8"
			_, v, _ := strings.Cut(line, ": ")
			b.Toolchain = strings.TrimSpace(v)
			first = false
			continue
		}
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "dep":
			b.Modules[f[1]], last = f[2], f[1]
		case len(f) >= 3 && f[0] == "=>" && last != "":
			// A replacement: the module is known by its original path
			// and the replacement's version.
			b.Modules[last] = f[2]
		}
	}
	if b.Toolchain == "" || len(b.Modules) == 0 {
		t.Fatalf("go version -m %s: no toolchain or modules in\n%s", file, out)
	}
	return b
}
