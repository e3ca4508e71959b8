package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/image"
)

func TestExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want int
		err  string
	}{
		{"help", []string{"--help"}, ExitOK, ""},
		{"missing argument", []string{"sbom", "image"}, ExitUsage, "expected one image reference"},
		{"too many arguments", []string{"sbom", "rootfs", "a", "b"}, ExitUsage, "expected one directory"},
		{"unknown flag", []string{"sbom", "rootfs", "--bogus", "."}, ExitUsage, "unknown flag"},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "unknown command"},
		{"unknown format", []string{"sbom", "rootfs", "-f", "xml", "."}, ExitUsage, `unknown format "xml"`},
		{"not a directory", []string{"sbom", "rootfs", "cli.go"}, ExitUsage, "is not a directory"},
		{"missing directory", []string{"sbom", "rootfs", "no/such/dir"}, ExitError, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			args := append([]string{"--cache-dir", t.TempDir()}, tt.args...)
			got := Main(context.Background(), args, IO{In: strings.NewReader(""), Out: &out, Err: &errb})
			if got != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", got, tt.want, errb.String())
			}
			if !strings.Contains(errb.String(), tt.err) {
				t.Errorf("stderr %q does not contain %q", errb.String(), tt.err)
			}
		})
	}
}

func TestProgressLine(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := newProgress(&b, 3)
	p.update(imageEvent(0, 10e6, 10e6, false, true))
	p.update(imageEvent(1, 0, -1, true, true))
	p.update(imageEvent(2, 5e6, 20e6, false, false))
	line := p.line()
	p.stop()
	for _, want := range []string{"layers 2/3", "(1 cached)", "15.0/30.0 MB"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %q", line, want)
		}
	}
}

func imageEvent(layer int, done, total int64, cached, final bool) image.ProgressEvent {
	return image.ProgressEvent{Layer: layer, Done: done, Total: total, Cached: cached, Final: final}
}
