package kev

import (
	"bytes"
	"context"
	"testing"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"title":"t","catalogVersion":"1","dateReleased":"2025-08-25T17:04:19.9796Z","count":1,"vulnerabilities":[` + good + `]}`,
		`{"vulnerabilities":[{"cveID":"CVE-21-1"},{"cveID":7},"x",[],null]}`,
		`{"vulnerabilities":[` + good + `,{"cveID":"CVE-`,
		`[]`, `{}`, `{"vulnerabilities":{}}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		cat, err := Read(context.Background(), bytes.NewReader(data), "fuzz.json",
			func(k vulndb.KEV) error {
				if !cveRE.MatchString(k.CVE) {
					t.Fatalf("emitted bad CVE %q", k.CVE)
				}
				n++
				return nil
			},
			func(p *vulndb.Problem) {
				if p.Err == nil || p.File != "fuzz.json" {
					t.Fatalf("bad problem %+v", p)
				}
			})
		if err != nil {
			t.Fatalf("error on in-memory input: %v", err)
		}
		if cat.Entries != n {
			t.Fatalf("Entries %d, emitted %d", cat.Entries, n)
		}
	})
}
