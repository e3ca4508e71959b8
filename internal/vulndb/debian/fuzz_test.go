package debian

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/vulndbtest"
)

func FuzzParseList(f *testing.F) {
	f.Add([]byte("[07 Feb 2023] DSA-5343-1 openssl - security update\n\t{CVE-2022-2097 CVE-2023-0286}\n\t[bullseye] - openssl 1.1.1n-0+deb11u4\n"))
	f.Add([]byte("[25 Oct 2016] DSA-3699-1 virtualbox - end of life\n\t[jessie] - virtualbox <end-of-life>\n\tNOTE: x\n[02 Jul 2002] DSA-135 libapache-mod-ssl -- buffer overflow / DoS\n"))
	f.Add([]byte("[01 Jan 2005] DSA-880-1 x\r\n        [sarge] - awstats 6.4-1sarge1 (bug #1; medium)\r\n\t[woody] - a <not-affected> (x)\n\t[etch] - b <unfixed>\n\t[x] - y 1\n"))
	f.Add([]byte("\t{CVE-1}\n[99 Foo 0000] DSA-1-1\n\x00\xff\n[01 Apr 2023] DLA-3380-1 x - y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, kind := range []struct {
			parse vulndb.ParseFunc
			idRE  *regexp.Regexp
		}{{ParseDSAList, advisoryIDRE("DSA")}, {ParseDLAList, advisoryIDRE("DLA")}} {
			lines := bytes.Count(data, []byte("\n")) + 1
			n, probs := vulndbtest.Fuzz(t, kind.parse, data, "f", func(a *vulndb.Advisory) {
				if !kind.idRE.MatchString(a.ID) || a.Published.IsZero() || a.Source != Source {
					t.Fatalf("bad advisory %+v", a)
				}
				for _, al := range a.Aliases {
					if !cveRE.MatchString(al) {
						t.Fatalf("bad alias %q", al)
					}
				}
				for _, af := range a.Affected {
					checkAffected(t, af)
				}
			})
			if n+probs > lines {
				t.Fatalf("%d advisories and %d problems from %d lines", n, probs, lines)
			}
		}
	})
}
