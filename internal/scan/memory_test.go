package scan_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/image"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/secrets"
)

// bigLayer streams an uncompressed layer holding one text file of size
// bytes whose last line holds a credential, without ever holding it.
func bigLayer(size int64, last string) func() io.Reader {
	return func() io.Reader {
		var hdr bytes.Buffer
		tw := tar.NewWriter(&hdr)
		_ = tw.WriteHeader(&tar.Header{Name: "data/big.log", Mode: 0o644, Size: size, Typeflag: tar.TypeReg})
		line := []byte(strings.Repeat("GET /index.html 200 0.001 ok\t", 3) + "\n")
		body := io.MultiReader(io.LimitReader(&repeat{b: line}, size-int64(len(last))), strings.NewReader(last))
		pad := make([]byte, (512-size%512)%512+1024) // block padding and the two zero blocks
		return io.MultiReader(bytes.NewReader(hdr.Bytes()), body, bytes.NewReader(pad))
	}
}

type repeat struct {
	b   []byte
	off int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.b[r.off:])
		n += k
		r.off = (r.off + k) % len(r.b)
	}
	return n, nil
}

// TestSecretScanBoundedMemory scans a layer holding a 2 GiB text file with
// no size limit: the credential on its last line is found, and the heap
// stays small (the file streams through; nothing holds it). Under the race
// detector (CI) the file is 256 MiB, with the same bound.
func TestSecretScanBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams gigabytes (skipped with -short)")
	}
	size := int64(2 << 30)
	if raceEnabled {
		size = 256 << 20
	}
	secret := "aws_secret_access_key = " + randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+") + "\n"
	gen := bigLayer(size, secret)
	h := sha256.New()
	n, err := io.Copy(h, gen())
	if err != nil {
		t.Fatal(err)
	}
	d := "sha256:" + hex.EncodeToString(h.Sum(nil))
	img := &image.Image{Name: "big", Source: "oci-layout", Layers: []image.Layer{{
		Digest: d, DiffID: d, Size: n,
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(gen()), nil },
	}}}
	sec, err := secrets.New(secrets.Config{MaxFileSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(t, t.TempDir())
	cfg.Detect = scan.Detectors{Secrets: sec}

	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	runtime.GC()
	start := time.Now()
	res, err := scan.Image(context.Background(), img, cfg, scan.Observer{})
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d MiB layer scanned in %s, peak heap in use %.1f MiB, %d bytes read by the secret scanner",
		size>>20, time.Since(start).Round(time.Millisecond), float64(peak.Load())/(1<<20), res.Stats.SecretBytes)
	if len(res.Secrets) != 1 || res.Secrets[0].Location.Path != "data/big.log" {
		t.Fatalf("secrets %+v, want the one on the last line of data/big.log", res.Secrets)
	}
	if res.Stats.SecretBytes != size {
		t.Errorf("the secret scanner read %d bytes, want %d", res.Stats.SecretBytes, size)
	}
	if p := peak.Load(); p > 64<<20 {
		t.Errorf("peak heap in use %d MiB for a %d MiB file, want <= 64 MiB", p>>20, size>>20)
	}
}
