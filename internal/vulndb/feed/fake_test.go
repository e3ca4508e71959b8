package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// fakeDB is the whole content of a fake database file (JSON), enough for
// the feed's unit tests until and apart from the real store.
type fakeDB struct {
	Meta       vulndb.Meta                  `json:"meta"`
	Sources    map[string]vulndb.SourceInfo `json:"sources"`
	Advisories map[string]map[string]string `json:"advisories"` // source -> id -> summary
	KEV        map[string]map[string]string `json:"kev"`        // source -> cve -> product
	Counts     map[string]int               `json:"counts"`
}

type fakeWriter struct{ db *fakeDB }

func (w fakeWriter) Put(source string, a *vulndb.Advisory) error {
	if w.db.Advisories[source] == nil {
		w.db.Advisories[source] = map[string]string{}
	}
	w.db.Advisories[source][a.ID] = a.Summary
	w.db.Counts[source]++
	return nil
}

func (w fakeWriter) PutKEV(source string, k vulndb.KEV) error {
	if w.db.KEV[source] == nil {
		w.db.KEV[source] = map[string]string{}
	}
	w.db.KEV[source][k.CVE] = k.Product
	w.db.Counts[source]++
	return nil
}

func (w fakeWriter) SetSource(info vulndb.SourceInfo) error {
	w.db.Sources[info.Name] = info
	return nil
}

func readFake(path string) (*fakeDB, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var db fakeDB
	if err := json.Unmarshal(data, &db); err != nil || db.Meta.Schema == 0 {
		return nil, fmt.Errorf("%s is not a (fake) vigil database", path)
	}
	if db.Meta.Schema != vulndb.SchemaVersion {
		return nil, vulndb.ErrSchema
	}
	return &db, nil
}

func fakeStore() store {
	return store{
		build: func(ctx context.Context, path string, opts vulndb.BuildOptions, fill func(sink) error) error {
			db := &fakeDB{Sources: map[string]vulndb.SourceInfo{}, Advisories: map[string]map[string]string{},
				KEV: map[string]map[string]string{}, Counts: map[string]int{}}
			if opts.Base != "" {
				base, err := readFake(opts.Base)
				if err != nil {
					return err
				}
				for name, info := range base.Sources {
					if slices.Contains(opts.Drop, name) {
						continue
					}
					db.Sources[name] = info
					db.Advisories[name] = base.Advisories[name]
					db.KEV[name] = base.KEV[name]
					db.Counts[name] = base.Counts[name]
				}
			}
			if err := fill(fakeWriter{db}); err != nil {
				return err
			}
			now := opts.Now
			if now.IsZero() {
				now = time.Now()
			}
			db.Meta = vulndb.Meta{Schema: vulndb.SchemaVersion, Built: now.UTC()}
			data, err := json.Marshal(db)
			if err != nil {
				return err
			}
			tmp := filepath.Join(filepath.Dir(path), ".fake-build.tmp")
			if err := os.WriteFile(tmp, data, 0o644); err != nil {
				return err
			}
			return os.Rename(tmp, path)
		},
		info: func(path string) (vulndb.Meta, []vulndb.SourceInfo, error) {
			db, err := readFake(path)
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return vulndb.Meta{}, nil, fmt.Errorf("open %s: %w", path, err)
				}
				return vulndb.Meta{}, nil, err
			}
			var out []vulndb.SourceInfo
			for _, s := range db.Sources {
				out = append(out, s)
			}
			slices.SortFunc(out, func(a, b vulndb.SourceInfo) int {
				if a.Name < b.Name {
					return -1
				}
				if a.Name > b.Name {
					return 1
				}
				return 0
			})
			return db.Meta, out, nil
		},
	}
}
