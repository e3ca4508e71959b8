package cli

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/feed"
)

// dbPath is the vulnerability database file: --db, else $VIGIL_DB, else
// <cache dir>/db/vulndb.bolt.
func (g *globals) dbFile() string {
	if g.db != "" {
		return g.db
	}
	return filepath.Join(g.cacheDir, "db", "vulndb.bolt")
}

func dbCommand(g *globals, stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the local vulnerability database",
		Long: `Manage the local vulnerability database: one file, no server.

Every change (import, update, bundle import) builds a new file beside the old
one and renames it into place, so an interrupted run leaves the old database.`,
	}
	importCmd := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import advisory data from files or directories, or a bundle made by 'vigil db export'",
		Long: `Import advisory data in the sources' native formats. Each PATH is recognised
by its content: OSV records (a directory, a zip such as OSV's all.zip, or a
.tar.gz), Alpine secdb JSON (a file or a directory of them), the Debian
security tracker (its data/ directory, a DSA, DLA or CVE list, or its JSON
export), OVAL XML (Azure Linux, CBL-Mariner, Ubuntu; .xml, .xml.gz, .xml.bz2),
and CISA's Known Exploited Vulnerabilities JSON. A source imported again
replaces its old records; other sources are kept.

A single PATH that is a bundle written by 'vigil db export' replaces the
whole database after its checksum is verified.`,
		Example: `  vigil db import ./vulndata/alpine-secdb/json ./vulndata/debian-security-tracker/data
  vigil db import go-all.zip known_exploited_vulnerabilities.json
  vigil db import vigil-db.bundle`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("expected at least one path to import")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := os.MkdirAll(filepath.Dir(g.dbFile()), 0o755); err != nil {
				return fmt.Errorf("create database directory: %w", err)
			}
			if len(args) == 1 && isBundle(args[0]) {
				if err := feed.ImportBundle(cmd.Context(), g.dbFile(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(stdio.Err, "installed %s as %s\n", args[0], g.dbFile())
				return nil
			}
			obs, stop := dbObserver(g, stdio)
			sum, err := feed.Import(cmd.Context(), g.dbFile(), args, obs)
			stop()
			printSummary(stdio.Err, sum)
			return err
		},
	}

	var sources []string
	updateCmd := &cobra.Command{
		Use:   "update",
		Short: "Fetch the public advisory sources and rebuild the database",
		Long: `Fetch the public advisory sources over HTTPS with conditional requests
(only what changed is downloaded) and rebuild the database atomically. A
source that fails keeps its old data; the others still land.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := feed.UpdateOptions{CacheDir: filepath.Join(g.cacheDir, "feeds")}
			if len(sources) > 0 {
				byName := map[string]feed.Source{}
				var names []string
				for _, s := range feed.Defaults() {
					byName[s.Name] = s
					names = append(names, s.Name)
				}
				for _, n := range sources {
					s, ok := byName[n]
					if !ok {
						return usagef("unknown source %q (known: %s)", n, strings.Join(names, ", "))
					}
					opts.Sources = append(opts.Sources, s)
				}
			}
			if err := os.MkdirAll(filepath.Dir(g.dbFile()), 0o755); err != nil {
				return fmt.Errorf("create database directory: %w", err)
			}
			obs, stop := dbObserver(g, stdio)
			sum, err := feed.Update(cmd.Context(), g.dbFile(), opts, obs)
			stop()
			printSummary(stdio.Err, sum)
			return err
		},
	}
	updateCmd.Flags().StringSliceVar(&sources, "source", nil, "update only these sources (default: all; see 'vigil db status')")

	var statusFormat string
	statusCmd := &cobra.Command{
		Use:   "status",
		Short: "Show each source in the database, its record count and age",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(_ *cobra.Command, _ []string) error {
			if statusFormat != "table" && statusFormat != "json" {
				return usagef("unknown format %q (want table or json)", statusFormat)
			}
			db, err := vulndb.Open(g.dbFile())
			if err != nil {
				return err
			}
			defer db.Close()
			meta, err := db.Meta()
			if err != nil {
				return err
			}
			srcs, err := db.Sources()
			if err != nil {
				return err
			}
			return writeOutput("", stdio.Out, func(w io.Writer) error {
				if statusFormat == "json" {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					if srcs == nil {
						srcs = []vulndb.SourceInfo{}
					}
					return enc.Encode(struct {
						Path    string              `json:"path"`
						Meta    vulndb.Meta         `json:"meta"`
						Sources []vulndb.SourceInfo `json:"sources"`
					}{db.Path(), meta, srcs})
				}
				return report.DBStatus(w, db.Path(), meta, srcs, time.Now())
			})
		},
	}
	statusCmd.Flags().StringVarP(&statusFormat, "format", "f", "table", "output format: table, json")

	var exportOut string
	exportCmd := &cobra.Command{
		Use:     "export -o FILE",
		Short:   "Write the database as one bundle file with a checksum, for air-gapped machines",
		Example: "  vigil db export -o vigil-db.bundle\n  # on the other machine:\n  vigil db import vigil-db.bundle",
		Args:    exactArgs(0, "no arguments (name the bundle with -o)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if exportOut == "" {
				return usagef("name the bundle file with -o")
			}
			return writeOutput(exportOut, stdio.Out, func(w io.Writer) error {
				return feed.Export(cmd.Context(), g.dbFile(), w)
			})
		},
	}
	exportCmd.Flags().StringVarP(&exportOut, "output", "o", "", "bundle file to write")
	cmd.AddCommand(importCmd, updateCmd, statusCmd, exportCmd)
	return cmd
}

// isBundle says whether path is a file written by 'vigil db export': a
// gzip'd tar holding a manifest.json among its first entries.
func isBundle(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return false
	}
	tr := tar.NewReader(zr)
	for range 3 {
		h, err := tr.Next()
		if err != nil {
			return false
		}
		if h.Name == "manifest.json" {
			return true
		}
	}
	return false
}

// dbObserver logs through g.log and, on a terminal, draws one progress line.
func dbObserver(g *globals, stdio IO) (feed.Observer, func()) {
	obs := feed.Observer{Log: g.log}
	if g.quiet || !isTerminal(stdio.Err) {
		return obs, func() {}
	}
	var mu sync.Mutex
	var last time.Time
	obs.Progress = func(p feed.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		line := fmt.Sprintf("%s: %s %d", p.Source, p.Stage, p.Done)
		if p.Stage == "download" {
			line = fmt.Sprintf("%s: download %.1f MB", p.Source, float64(p.Done)/1e6)
			if p.Total > 0 {
				line += fmt.Sprintf(" of %.1f MB", float64(p.Total)/1e6)
			}
		} else if p.Total > 0 {
			line += fmt.Sprintf("/%d", p.Total)
		}
		fmt.Fprint(stdio.Err, "\r\x1b[2K"+line)
	}
	return obs, func() {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprint(stdio.Err, "\r\x1b[2K")
	}
}

// printSummary tells people what an import or update did, source by source.
func printSummary(w io.Writer, sum feed.Summary) {
	for _, s := range sum.Sources {
		switch {
		case s.Err != nil:
			fmt.Fprintf(w, "%s: FAILED: %v\n", s.Name, s.Err)
		case s.NotModified:
			fmt.Fprintf(w, "%s: not modified\n", s.Name)
		default:
			fmt.Fprintf(w, "%s: %d record%s", s.Name, s.Records, map[bool]string{true: "", false: "s"}[s.Records == 1])
			if s.Problems > 0 {
				fmt.Fprintf(w, ", %d unreadable (skipped)", s.Problems)
			}
			fmt.Fprintln(w)
			for _, p := range s.FirstProblems {
				fmt.Fprintf(w, "  %s\n", p)
			}
		}
	}
}
