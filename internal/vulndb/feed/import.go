package feed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// importPaths is Import on a given store.
func importPaths(ctx context.Context, st store, dbPath string, paths []string, obs Observer) (Summary, error) {
	if len(paths) == 0 {
		return Summary{}, errors.New("import: no paths given")
	}
	srcs, err := detectAll(paths)
	if err != nil {
		return Summary{}, fmt.Errorf("import: %w", err)
	}
	var drop []string
	for _, s := range srcs {
		drop = append(drop, s.Name)
	}
	opts := vulndb.BuildOptions{Drop: drop}
	if _, err := os.Stat(dbPath); err == nil {
		opts.Base = dbPath
		if _, _, err := st.info(dbPath); errors.Is(err, vulndb.ErrSchema) {
			// Written by another vigil: its other sources cannot be kept.
			obs.log().Warn("current database has another schema: it is replaced by the imported sources only", "db", dbPath, "err", err)
			opts.Base = ""
		}
	}
	now := time.Now()
	var sum Summary
	err = st.build(ctx, dbPath, opts, func(w sink) error {
		for _, s := range srcs {
			obs.log().Info("importing", "source", s.Name, "format", s.Format, "from", s.URLs)
			ld, err := load(ctx, s, s.URLs, w, obs)
			if err != nil {
				return err
			}
			ld.info.Imported = now
			obs.progress(Progress{Source: s.Name, Stage: "write", Done: int64(ld.info.Records), Total: int64(ld.info.Records)})
			if err := w.SetSource(ld.info); err != nil {
				return fmt.Errorf("source %s: record source: %w", s.Name, err)
			}
			sum.Sources = append(sum.Sources, SourceResult{Name: s.Name, Records: ld.info.Records,
				Problems: ld.info.Problems, FirstProblems: ld.firstProblems})
		}
		return nil
	})
	if err != nil {
		return Summary{}, fmt.Errorf("import (database %s left as it was): %w", dbPath, err)
	}
	return sum, nil
}

// detectAll detects every path and merges paths that name the same source
// (two Alpine secdb files, say) into one Source.
func detectAll(paths []string) ([]Source, error) {
	var out []Source
	index := map[string]int{}
	for _, p := range paths {
		srcs, err := detect(p)
		if err != nil {
			return nil, err
		}
		for _, s := range srcs {
			i, ok := index[s.Name]
			if !ok {
				index[s.Name] = len(out)
				out = append(out, s)
				continue
			}
			if out[i].Format != s.Format {
				return nil, fmt.Errorf("%s: source %s is both %s and %s", p, s.Name, out[i].Format, s.Format)
			}
			out[i].URLs = append(out[i].URLs, s.URLs...)
		}
	}
	return out, nil
}
