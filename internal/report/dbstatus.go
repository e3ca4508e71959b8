package report

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// DBStatus lists the sources of a vulnerability database for people: name,
// format, records (and unreadable ones), how new the data is and when and
// from where it was imported. Data from the file is escaped as in Table.
func DBStatus(w io.Writer, path string, meta vulndb.Meta, srcs []vulndb.SourceInfo, now time.Time) error {
	fmt.Fprintf(w, "Database: %s (schema %d, built %s)\n\n", path, meta.Schema, meta.Built.UTC().Format(time.RFC3339))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tFORMAT\tRECORDS\tDATA AS OF\tIMPORTED\tORIGIN")
	for _, s := range srcs {
		data := "unknown"
		if !s.DataTime.IsZero() {
			data = fmt.Sprintf("%s (%s ago)", s.DataTime.UTC().Format("2006-01-02"), ago(now.Sub(s.DataTime)))
		}
		recs := fmt.Sprint(s.Records)
		if s.Problems > 0 {
			recs += fmt.Sprintf(" (+%d unreadable)", s.Problems)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", clean(s.Name), clean(s.Format), recs, data,
			s.Imported.UTC().Format("2006-01-02 15:04"), clean(s.Origin))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(srcs) == 0 {
		_, err := fmt.Fprintln(w, "(no sources: run 'vigil db update' or 'vigil db import PATH')")
		return err
	}
	return nil
}

func ago(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
}
