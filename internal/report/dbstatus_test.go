package report_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

func TestDBStatus(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	meta := vulndb.Meta{Schema: 1, Built: now.Add(-time.Hour)}
	srcs := []vulndb.SourceInfo{
		{Name: "debian-dsa", Format: "debian-dsa-list", Records: 5406, Problems: 1, Origin: "data/DSA/list",
			Imported: now.Add(-time.Hour), DataTime: time.Date(2023, 3, 29, 0, 0, 0, 0, time.UTC)},
		{Name: "evil\x1b[2J", Format: "osv", Records: 1, Origin: "x\ny", Imported: now},
	}
	var b strings.Builder
	if err := report.DBStatus(&b, "/db/vulndb.bolt", meta, srcs, now); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Database: /db/vulndb.bolt (schema 1, built 2026-11-29T11:00:00Z)",
		"5406 (+1 unreadable)", "2023-03-29 (1341 days ago)", "evil\\x1b[2J", "x\\ny", "unknown"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\x1b") {
		t.Errorf("control character reached the output:\n%q", out)
	}
	b.Reset()
	if err := report.DBStatus(&b, "p", meta, nil, now); err != nil || !strings.Contains(b.String(), "no sources") {
		t.Errorf("empty database: %v\n%s", err, b.String())
	}
}
