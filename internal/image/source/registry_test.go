package source

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// countingWriter counts the bytes a handler writes.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(b []byte) (int, error) {
	c.n.Add(int64(len(b)))
	return c.ResponseWriter.Write(b)
}

type testRegistry struct {
	host string          // 127.0.0.1:port
	push []remote.Option // options that reach it for pushing
	sent atomic.Int64    // response body bytes sent
}

// startRegistry serves ggcr's in-memory registry on 127.0.0.1, over TLS
// with a self-signed certificate when useTLS, behind basic auth when user is
// not empty.
func startRegistry(t *testing.T, useTLS bool, user, pass string) *testRegistry {
	t.Helper()
	tr := &testRegistry{}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user != "" {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="vigil-test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
		}
		reg.ServeHTTP(countingWriter{ResponseWriter: w, n: &tr.sent}, r)
	})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected TLS handshake failures
	if useTLS {
		srv.StartTLS()
		tr.push = append(tr.push, remote.WithTransport(srv.Client().Transport))
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	tr.host = strings.TrimPrefix(strings.TrimPrefix(srv.URL, "https://"), "http://")
	if user != "" {
		tr.push = append(tr.push, remote.WithAuth(&authn.Basic{Username: user, Password: pass}))
	}
	return tr
}

func (tr *testRegistry) pushImage(t *testing.T, repo string, img v1.Image) string {
	t.Helper()
	ref := tr.host + "/" + repo
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, tr.push...); err != nil {
		t.Fatal(err)
	}
	tr.sent.Store(0)
	return ref
}

// anonymous is a keychain with no credentials.
var anonymous = authn.NewMultiKeychain()

func TestRegistryPlainHTTP(t *testing.T) {
	t.Parallel()
	tr := startRegistry(t, false, "", "")
	img := testImage(t, 3, 100_000, "linux/amd64")
	ref := tr.pushImage(t, "test/img:1", img)
	// Layers open with their own context: the one given to Resolve may be
	// gone by then.
	rctx, rcancel := context.WithCancel(context.Background())
	got, err := Resolve(rctx, ref, Options{InsecureUnsafe: true, Keychain: anonymous})
	rcancel()
	if err != nil {
		t.Fatal(err)
	}
	if sent := tr.sent.Load(); sent > 32<<10 {
		t.Errorf("Resolve downloaded %d bytes; want manifest and config only", sent)
	}
	diffLayers(t, got.Layers, wantLayers(t, img))
	if got.Source != KindRegistry || got.Name != ref || got.Digest != mustDigest(t, img).String() || got.Platform != "linux/amd64" || got.Config == nil {
		t.Errorf("image = %+v", got)
	}
	checkOpen(t, got)

	// The prefix form, and a canceled context at Open.
	got, err = Resolve(context.Background(), "registry:"+ref, Options{InsecureUnsafe: true, Keychain: anonymous})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if rc, err := got.Layers[0].Open(ctx); err == nil {
		_, err = io.ReadAll(rc)
		rc.Close()
		if err == nil {
			t.Error("Open with a canceled context succeeded")
		}
	}
	if _, err := Resolve(context.Background(), tr.host+"/test/missing:1", Options{InsecureUnsafe: true, Keychain: anonymous}); err == nil {
		t.Error("missing repository: no error")
	}
}

func TestRegistryTLSSelfSigned(t *testing.T) {
	t.Parallel()
	tr := startRegistry(t, true, "", "")
	img := testImage(t, 2, 10_000, "linux/amd64")
	ref := tr.pushImage(t, "test/tls:1", img)

	if _, err := Resolve(context.Background(), ref, Options{Keychain: anonymous}); err == nil {
		t.Fatal("self-signed registry without InsecureUnsafe: no error")
	} else {
		t.Logf("without InsecureUnsafe: %v", err)
	}
	got, err := Resolve(context.Background(), ref, Options{InsecureUnsafe: true, Keychain: anonymous})
	if err != nil {
		t.Fatal(err)
	}
	diffLayers(t, got.Layers, wantLayers(t, img))
	checkOpen(t, got)
}

func TestRegistryMultiPlatform(t *testing.T) {
	t.Parallel()
	tr := startRegistry(t, false, "", "")
	idx, digests := testIndex(t, "linux/amd64", "linux/arm64/v8")
	ref := tr.host + "/test/multi:1"
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx, tr.push...); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ platform, want, wantErr string }{
		{"", "linux/amd64", ""},
		{"linux/arm64", "linux/arm64/v8", ""},
		{"linux/arm64/v8", "linux/arm64/v8", ""},
		{"windows/amd64", "", "available: linux/amd64, linux/arm64/v8"},
	}
	for _, tc := range tests {
		t.Run(tc.platform, func(t *testing.T) {
			t.Parallel()
			got, err := Resolve(context.Background(), ref, Options{Platform: tc.platform, InsecureUnsafe: true, Keychain: anonymous})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Digest != digests[tc.want].String() || got.Platform != tc.want {
				t.Errorf("got %s %s, want %s %s", got.Digest, got.Platform, digests[tc.want], tc.want)
			}
			checkOpen(t, got)
		})
	}
	// A single-platform image and an explicit other platform.
	one := tr.pushImage(t, "test/one:1", testImage(t, 1, 100, "linux/arm64"))
	if _, err := Resolve(context.Background(), one, Options{Platform: "linux/amd64", InsecureUnsafe: true, Keychain: anonymous}); err == nil || !strings.Contains(err.Error(), "linux/arm64") {
		t.Errorf("explicit platform on a single image: err = %v", err)
	}
	if _, err := Resolve(context.Background(), one, Options{InsecureUnsafe: true, Keychain: anonymous}); err != nil {
		t.Errorf("default platform on a single arm64 image: %v", err)
	}
}

// hermeticDockerConfig points the Docker and Podman config lookups at dir.
func hermeticDockerConfig(t *testing.T, dir string) {
	t.Setenv("HOME", dir)
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("REGISTRY_AUTH_FILE", "")
}

// TestRegistryBasicAuthDockerConfig reaches a registry behind basic auth with
// the credentials of a Docker config.json, as ACR and Harbor are reached.
// No t.Parallel: it sets environment variables.
func TestRegistryBasicAuthDockerConfig(t *testing.T) {
	tr := startRegistry(t, false, "alice", "s3cret")
	img := testImage(t, 2, 50_000, "linux/amd64")
	ref := tr.pushImage(t, "private/img:1", img)

	empty := t.TempDir()
	hermeticDockerConfig(t, empty)
	_, err := Resolve(context.Background(), ref, Options{InsecureUnsafe: true})
	if err == nil || !strings.Contains(err.Error(), "UNAUTHORIZED") && !strings.Contains(err.Error(), "401") {
		t.Fatalf("without credentials: err = %v, want unauthorized", err)
	}

	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, tr.host, base64.StdEncoding.EncodeToString([]byte("alice:s3cret")))
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	hermeticDockerConfig(t, dir)
	got, err := Resolve(context.Background(), ref, Options{InsecureUnsafe: true})
	if err != nil {
		t.Fatal(err)
	}
	diffLayers(t, got.Layers, wantLayers(t, img))
	checkOpen(t, got)

	// Wrong password in the config: a clear failure.
	cfg = fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, tr.host, base64.StdEncoding.EncodeToString([]byte("alice:wrong")))
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600)
	if _, err := Resolve(context.Background(), ref, Options{InsecureUnsafe: true}); err == nil {
		t.Error("wrong password: no error")
	}
}
