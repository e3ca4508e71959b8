package finding

import (
	"encoding/json"
	"testing"
)

func TestSeverityText(t *testing.T) {
	t.Parallel()
	for s := SeverityUnknown; s <= SeverityCritical; s++ {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Severity
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("%v: round trip %s -> %v, %v", s, b, back, err)
		}
	}
	if s, ok := ParseSeverity("HIGH"); !ok || s != SeverityHigh {
		t.Errorf("ParseSeverity(HIGH) = %v, %v", s, ok)
	}
	if _, ok := ParseSeverity("severe"); ok {
		t.Error("ParseSeverity(severe) ok")
	}
	if Severity(42).String() != "unknown" {
		t.Error("out of range severity")
	}
}
