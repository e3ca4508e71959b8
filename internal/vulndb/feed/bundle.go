package feed

import (
	"context"
	"errors"
	"io"
)

func export(ctx context.Context, st store, dbPath string, w io.Writer) error {
	return errors.New("feed.Export: not implemented")
}

func importBundle(ctx context.Context, st store, dbPath, bundlePath string) error {
	return errors.New("feed.ImportBundle: not implemented")
}
