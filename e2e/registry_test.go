package e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/vigil-sec/vigil/internal/testenv"
)

// registries are the two Debian docker-registry servers, each started on first
// use and stopped by TestMain.
type registries struct {
	anonOnce, authOnce sync.Once
	anon, auth         *registry
	anonErr, authErr   error
}

func (rs *registries) stop() {
	for _, r := range []*registry{rs.anon, rs.auth} {
		if r != nil {
			r.stop()
		}
	}
}

// anonRegistry is a registry that needs no credentials.
func anonRegistry(t *testing.T) *registry {
	t.Helper()
	bin := testenv.Tool(t, "docker-registry")
	s.regs.anonOnce.Do(func() {
		s.regs.anon, s.regs.anonErr = startRegistry(bin, filepath.Join(s.dir, "registry-anon"), "", "")
	})
	if s.regs.anonErr != nil {
		t.Fatal(s.regs.anonErr)
	}
	return s.regs.anon
}

// authRegistry is a registry behind htpasswd (bcrypt) basic auth.
func authRegistry(t *testing.T) *registry {
	t.Helper()
	bin := testenv.Tool(t, "docker-registry")
	htpasswd := testenv.Tool(t, "htpasswd")
	s.regs.authOnce.Do(func() {
		dir := filepath.Join(s.dir, "registry-auth")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			s.regs.authErr = err
			return
		}
		const user, pass = "vigil-e2e", "s3cret-Pa55word"
		out, err := exec.Command(htpasswd, "-Bbn", user, pass).Output()
		if err != nil {
			s.regs.authErr = fmt.Errorf("htpasswd -Bbn: %w", err)
			return
		}
		file := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(file, out, 0o600); err != nil {
			s.regs.authErr = err
			return
		}
		s.regs.auth, s.regs.authErr = startRegistry(bin, dir, user, pass)
		if s.regs.auth != nil {
			s.regs.auth.htpasswd = file
		}
	})
	if s.regs.authErr != nil {
		t.Fatal(s.regs.authErr)
	}
	return s.regs.auth
}

// registry is one running docker-registry process.
type registry struct {
	addr       string // 127.0.0.1:PORT
	user, pass string // empty for an anonymous registry
	htpasswd   string
	cmd        *exec.Cmd
	done       chan struct{}
	log        *syncBuffer
}

// syncBuffer collects the registry's log (its access log included).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const registryConfig = `version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: %q
  delete:
    enabled: true
http:
  addr: %q
  headers:
    X-Content-Type-Options: [nosniff]
%s`

const registryAuthConfig = `auth:
  htpasswd:
    realm: vigil-e2e
    path: %q
`

// startRegistry starts docker-registry on a free 127.0.0.1 port with its
// storage under dir, with htpasswd auth when user is set, and waits until it
// answers. A port taken between choosing and binding is retried.
func startRegistry(bin, dir, user, pass string) (*registry, error) {
	var lastErr error
	for range 3 {
		r, err := tryStartRegistry(bin, dir, user, pass)
		if err == nil {
			return r, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func tryStartRegistry(bin, dir, user, pass string) (*registry, error) {
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	auth := ""
	if user != "" {
		auth = fmt.Sprintf(registryAuthConfig, filepath.Join(dir, "htpasswd"))
	}
	config := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(config, fmt.Appendf(nil, registryConfig, filepath.Join(dir, "data"), addr, auth), 0o600); err != nil {
		return nil, err
	}
	r := &registry{addr: addr, user: user, pass: pass, log: &syncBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(bin, "serve", config)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start docker-registry: %w", err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()

	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-r.done:
			return nil, fmt.Errorf("docker-registry on %s exited early:\n%s", addr, r.log.String())
		default:
		}
		resp, err := client.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			want := http.StatusOK
			if user != "" {
				want = http.StatusUnauthorized
			}
			if resp.StatusCode == want {
				return r, nil
			}
			r.stop()
			return nil, fmt.Errorf("docker-registry on %s: GET /v2/ = %d, want %d", addr, resp.StatusCode, want)
		}
		if time.Now().After(deadline) {
			r.stop()
			return nil, fmt.Errorf("docker-registry on %s not ready after 30s: %v\n%s", addr, err, r.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (r *registry) stop() {
	if r.cmd.Process == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		r.cmd.Process.Kill()
		<-r.done
	}
}

// ref is a reference to repo:tag on this registry.
func (r *registry) ref(repoTag string) string { return r.addr + "/" + repoTag }

// push writes img to repoTag with the registry's credentials.
func (r *registry) push(ctx context.Context, repoTag string, img v1.Image) (name.Digest, error) {
	ref, err := name.ParseReference(r.ref(repoTag), name.Insecure)
	if err != nil {
		return name.Digest{}, err
	}
	auth := authn.Anonymous
	if r.user != "" {
		auth = &authn.Basic{Username: r.user, Password: r.pass}
	}
	if err := remote.Write(ref, img, remote.WithAuth(auth), remote.WithContext(ctx)); err != nil {
		return name.Digest{}, fmt.Errorf("push %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	return ref.Context().Digest(d.String()), nil
}

// dockerConfig writes a Docker config.json holding the registry's credentials
// into a new directory, for DOCKER_CONFIG.
func (r *registry) dockerConfig(t *testing.T, user, pass string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := map[string]any{"auths": map[string]any{
		r.addr: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))},
	}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// blobGets counts the GET requests for blob digest in repo so far, from the
// registry's access log.
func (r *registry) blobGets(repo, digest string) int {
	return strings.Count(r.log.String(), `"GET /v2/`+repo+`/blobs/`+digest+` HTTP/`)
}
