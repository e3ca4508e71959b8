package secrets

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
)

// benchText is about size bytes of text: source, prose, logs, config.
func benchText(size int, withKeywords bool) []byte {
	lines := genLines
	if withKeywords {
		// Keywords of most rules, no secrets.
		lines += "password = os.Getenv(\"DB_PASSWORD\") // the token comes from the secret store\n" +
			"see https://docs.example.org/api_key and the AccountKey setting; AKIA keys rotate\n" +
			"eyJ is how a JWT starts; set npm_config_cache and ghp_ tokens via sig= params\n"
	}
	var b bytes.Buffer
	for b.Len() < size {
		b.WriteString(lines)
	}
	return b.Bytes()[:size]
}

func benchScan(b *testing.B, withKeywords bool) {
	data := benchText(10<<20, withKeywords)
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		fs, err := s.Scan(ctx, bytes.NewReader(data), finding.Location{})
		if err != nil || len(fs) != 0 {
			b.Fatalf("got %v, %v", fs, err)
		}
	}
}

func BenchmarkScan(b *testing.B) {
	b.Run("plain", func(b *testing.B) { benchScan(b, false) })
	b.Run("keywords", func(b *testing.B) { benchScan(b, true) })
}

func BenchmarkScanString(b *testing.B) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	env := "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin " + strings.Repeat("LANG=C.UTF-8 ", 4)
	b.SetBytes(int64(len(env)))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.ScanString(env, finding.Location{Path: "config:Env"})
	}
}
