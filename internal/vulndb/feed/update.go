package feed

import (
	"context"
	"errors"
)

func update(ctx context.Context, st store, dbPath string, opts UpdateOptions, obs Observer) (Summary, error) {
	return Summary{}, errors.New("feed.Update: not implemented")
}
