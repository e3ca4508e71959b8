package vulndb

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func encodeValue(entries []Entry, ids []string) []byte {
	b := appendValueHeader(nil, len(entries))
	for i := range entries {
		b = appendEntry(b, ids[i], &entries[i].Affected)
	}
	return b
}

func TestEntriesRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		entries []Entry
	}{
		{"none", nil},
		{"bare", []Entry{{Affected: Affected{Status: StatusUnfixed}}}},
		{"full", []Entry{
			{Affected: Affected{Status: StatusAffected,
				Ranges: []Range{{Type: "ECOSYSTEM", Events: []Event{{Introduced: "0"}, {Fixed: "1.2-r3"}}},
					{Type: "SEMVER", Events: []Event{{Introduced: "2.0.0"}, {LastAffected: "2.1.0"}, {Introduced: "3"}, {Limit: "4"}}}},
				Versions: []string{"1.0", "1.1", ""},
				Severity: []Severity{{Type: "DISTRO", Score: "high"}, {Type: "CVSS_V3", Score: "CVSS:3.1/AV:N"}}}},
			{Affected: Affected{Status: StatusWontFix, Versions: []string{"\x00\xff"}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ids []string
			want := make([]Entry, len(tt.entries))
			for i, e := range tt.entries {
				id := "ID-" + string(rune('A'+i))
				ids = append(ids, id)
				e.Advisory = "src/" + id
				e.Affected.Ecosystem, e.Affected.Package = "Alpine:v3.20", "openssl"
				want[i] = e
			}
			got, err := decodeEntries(nil, encodeValue(tt.entries, ids), "src/", "Alpine:v3.20", "openssl")
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				want = nil
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeEntriesCorrupt(t *testing.T) {
	t.Parallel()
	good := encodeValue([]Entry{{Affected: Affected{Status: StatusAffected,
		Ranges: []Range{{Type: "ECOSYSTEM", Events: []Event{{Introduced: "0"}, {Fixed: "1"}}}}}}}, []string{"X-1"})
	tests := map[string][]byte{
		"empty":        nil,
		"version":      {2, 0},
		"no count":     {1},
		"huge count":   {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"bad varint":   {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"truncated":    good[:len(good)-1],
		"trailing":     append(bytes.Clone(good), 0),
		"long string":  {1, 1, 0x7f, 'a', 0, 0, 0, 0},
		"event kind 9": bytes.Replace(good, []byte{1, 1, '0'}, []byte{9, 1, '0'}, 1),
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := decodeEntries(nil, v, "s/", "e", "p"); !errors.Is(err, errCorrupt) {
				t.Errorf("decodeEntries(%x) = %v, want errCorrupt", v, err)
			}
		})
	}
}

func TestKeySource(t *testing.T) {
	t.Parallel()
	// Names with NUL or separator bytes cannot collide: lengths come first.
	a := indexKey("Go", "a\x00b", "osv-go")
	b := indexKey("Go", "a", "\x00b"+"osv-go")
	if bytes.Equal(a, b) || bytes.HasPrefix(b, indexPrefix(nil, "Go", "a\x00b")) {
		t.Errorf("keys collide: %q %q", a, b)
	}
	for _, tt := range []struct {
		k    []byte
		n    int
		want string
	}{
		{a, 2, "osv-go"},
		{kevKey("CVE-1", "cisa-kev"), 1, "cisa-kev"},
	} {
		if got, err := keySource(tt.k, tt.n); err != nil || got != tt.want {
			t.Errorf("keySource(%q) = %q, %v", tt.k, got, err)
		}
	}
	if _, err := keySource([]byte{9, 'a'}, 1); err == nil {
		t.Error("keySource of a short key succeeded")
	}
}

// FuzzDecodeEntries: decoding never panics, and what decodes re-encodes
// to the same bytes.
func FuzzDecodeEntries(f *testing.F) {
	f.Add(encodeValue([]Entry{{Affected: Affected{Status: StatusAffected,
		Ranges:   []Range{{Type: "ECOSYSTEM", Events: []Event{{Introduced: "0"}, {Fixed: "1.0"}, {LastAffected: "2"}, {Limit: "3"}}}},
		Versions: []string{"0.9"}, Severity: []Severity{{Type: "DISTRO", Score: "low"}}}}}, []string{"CVE-2024-1"}))
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 2, 1, 'a', 0, 0, 0, 0, 1, 'b', 0, 0, 0, 0})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, v []byte) {
		es, err := decodeEntries(nil, v, "s/", "eco", "pkg")
		if err != nil {
			return
		}
		ids := make([]string, len(es))
		for i, e := range es {
			ids[i] = e.Advisory[len("s/"):]
		}
		if re := encodeValue(es, ids); !bytes.Equal(re, v) {
			// Events with an empty value re-encode as Limit; anything else
			// must round-trip.
			again, err := decodeEntries(nil, re, "s/", "eco", "pkg")
			if err != nil || !cmp.Equal(again, es) {
				t.Fatalf("re-encoding differs: %x -> %+v -> %x", v, es, re)
			}
		}
	})
}

func TestAdvisoryCodec(t *testing.T) {
	t.Parallel()
	a := &Advisory{ID: "CVE-2024-9143", Source: "alpine", Aliases: []string{"GHSA-x"}, Summary: "s",
		Severity: []Severity{{Type: "DISTRO", Score: "high"}},
		Affected: []Affected{{Ecosystem: "Alpine:v3.20", Package: "openssl", Status: StatusAffected,
			Ranges: []Range{{Type: "ECOSYSTEM", Events: []Event{{Introduced: "0"}, {Fixed: "3.3.2-r1"}}}}}}}
	v, err := encodeAdvisory(a)
	if err != nil {
		t.Fatal(err)
	}
	full, err := decodeAdvisory(v, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, full); diff != "" {
		t.Errorf("full (-want +got):\n%s", diff)
	}
	head, err := decodeAdvisory(v, false)
	if err != nil {
		t.Fatal(err)
	}
	want := *a
	want.Affected = nil
	if diff := cmp.Diff(&want, head); diff != "" {
		t.Errorf("head (-want +got):\n%s", diff)
	}
	for _, bad := range [][]byte{nil, {0xff}, {0x80, 0x80}, {50, '{'}, v[:len(v)-3], append([]byte{5}, "{}}}}x"...)} {
		if _, err := decodeAdvisory(bad, true); err == nil {
			t.Errorf("decodeAdvisory(%q) gave no error", bad)
		}
	}
}

func FuzzDecodeAdvisory(f *testing.F) {
	v, _ := encodeAdvisory(&Advisory{ID: "CVE-1", Affected: []Affected{{Ecosystem: "Debian:11", Package: "p"}}})
	f.Add(v)
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := decodeAdvisory(data, true)
		if err == nil && a == nil {
			t.Fatal("nil advisory without error")
		}
		if h, err := decodeAdvisory(data, false); err == nil && h.Affected != nil {
			t.Fatal("header carries Affected")
		}
	})
}
