package vulndb_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

func TestSourceReader(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	tests := []struct {
		name string
		r    io.Reader
		want error
	}{
		{"clean", strings.NewReader("abc"), nil},
		{"failing", io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)), boom},
		{"first error kept", io.MultiReader(iotest.ErrReader(boom), iotest.ErrReader(errors.New("later"))), boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sr := vulndb.NewSourceReader(tt.r)
			for range 3 {
				if _, err := io.ReadAll(sr); err != nil && !errors.Is(err, tt.want) {
					t.Fatalf("read: %v", err)
				}
			}
			if !errors.Is(sr.Err(), tt.want) || (tt.want == nil) != (sr.Err() == nil) {
				t.Errorf("Err() = %v, want %v", sr.Err(), tt.want)
			}
		})
	}
}
