package feed

import (
	"context"
	"fmt"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// sink is what a source is written into: a *vulndb.Writer, or nothing
// (nil) when a source is only read to check it.
type sink interface {
	Put(source string, a *vulndb.Advisory) error
	PutKEV(source string, k vulndb.KEV) error
	SetSource(info vulndb.SourceInfo) error
}

// store is the part of the vulndb API that feed uses, as values so that unit
// tests can run before (and apart from) the real store.
type store struct {
	build func(ctx context.Context, path string, opts vulndb.BuildOptions, fill func(sink) error) error
	// info opens the database at path, checks it and returns its meta and
	// sources.
	info func(path string) (vulndb.Meta, []vulndb.SourceInfo, error)
}

// realStore is the vulndb package itself.
func realStore() store {
	return store{
		build: func(ctx context.Context, path string, opts vulndb.BuildOptions, fill func(sink) error) error {
			return vulndb.Build(ctx, path, opts, func(w *vulndb.Writer) error { return fill(w) })
		},
		info: func(path string) (vulndb.Meta, []vulndb.SourceInfo, error) {
			db, err := vulndb.Open(path)
			if err != nil {
				return vulndb.Meta{}, nil, err
			}
			defer db.Close()
			meta, err := db.Meta()
			if err != nil {
				return vulndb.Meta{}, nil, fmt.Errorf("read meta of %s: %w", path, err)
			}
			srcs, err := db.Sources()
			if err != nil {
				return vulndb.Meta{}, nil, fmt.Errorf("read sources of %s: %w", path, err)
			}
			return meta, srcs, nil
		},
	}
}
