package match

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSeverityNames(t *testing.T) {
	t.Parallel()
	for s := SeverityUnknown; s <= SeverityCritical; s++ {
		got, err := ParseSeverity(s.String())
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", s.String(), got, err, s)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Severity
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("JSON %s round trip = %v, %v", b, back, err)
		}
	}
	if got := Severity(9).String(); got != "severity(9)" {
		t.Errorf("Severity(9).String() = %q", got)
	}
	if _, err := json.Marshal(Severity(-1)); err == nil {
		t.Error("marshal of Severity(-1) succeeded")
	}
}

func TestParseSeverity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Severity
		bad  bool
	}{
		{in: "critical", want: SeverityCritical},
		{in: " HIGH ", want: SeverityHigh},
		{in: "Medium", want: SeverityMedium},
		{in: "negligible", want: SeverityNegligible},
		{in: "unknown", want: SeverityUnknown},
		{in: "moderate", bad: true},
		{in: "", bad: true},
		{in: "3", bad: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSeverity(tc.in)
			if (err != nil) != tc.bad || got != tc.want {
				t.Errorf("ParseSeverity(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
}

func TestSeverityJSON(t *testing.T) {
	t.Parallel()
	type doc struct {
		S Severity         `json:"s"`
		M map[Severity]int `json:"m"`
	}
	b, err := json.Marshal(doc{S: SeverityHigh, M: map[Severity]int{SeverityCritical: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"s":"high","m":{"critical":2}}`; string(b) != want {
		t.Errorf("marshal = %s, want %s", b, want)
	}
	var d doc
	for _, bad := range []string{`{"s":3}`, `{"s":"severe"}`, `{"s":null}`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("unmarshal %s succeeded", bad)
		}
	}
}

func TestDistroSeverity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		label string
		want  Severity
		ok    bool
	}{
		{"unimportant", SeverityNegligible, true}, // Debian
		{"low", SeverityLow, true},
		{"medium", SeverityMedium, true},
		{"high", SeverityHigh, true},
		{"not yet assigned", SeverityUnknown, false},
		{"negligible", SeverityNegligible, true}, // Ubuntu
		{"critical", SeverityCritical, true},
		{"untriaged", SeverityUnknown, false},
		{"Critical", SeverityCritical, true}, // Azure Linux
		{"High", SeverityHigh, true},
		{"important", SeverityHigh, true},
		{"moderate", SeverityMedium, true},
		{"", SeverityUnknown, false},
	} {
		got, ok := distroSeverity(tc.label)
		if got != tc.want || ok != tc.ok {
			t.Errorf("distroSeverity(%q) = %v, %v; want %v, %v", tc.label, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCVSSScore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		vector string
		score  float64
		ok     bool
		sev    Severity
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, true, SeverityCritical},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, true, SeverityHigh},
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, true, SeverityLow},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:L/A:N", 7.2, true, SeverityHigh},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, true, SeverityHigh},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, true, SeverityNegligible},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, true, SeverityHigh},
		{"(AV:N/AC:M/Au:N/C:P/I:N/A:N)", 4.3, true, SeverityMedium},
		{"CVSS:2.0/AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2, true, SeverityHigh},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, true, SeverityCritical},
		{"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5, true, SeverityHigh},
		{"CVSS:3.1/AV:N/AC:L", 0, false, 0},
		{"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 0, false, 0},
		{"CVSS:9.9/AV:N", 0, false, 0},
		{"high", 0, false, 0},
		{"", 0, false, 0},
	} {
		t.Run(tc.vector, func(t *testing.T) {
			t.Parallel()
			got, ok := cvssScore(tc.vector)
			if ok != tc.ok || got != tc.score {
				t.Fatalf("cvssScore = %v, %v; want %v, %v", got, ok, tc.score, tc.ok)
			}
			if ok {
				if diff := cmp.Diff(tc.sev, cvssSeverity(got)); diff != "" {
					t.Errorf("cvssSeverity(%v) (-want +got):\n%s", got, diff)
				}
			}
		})
	}
}
