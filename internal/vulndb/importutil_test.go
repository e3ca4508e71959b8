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

func TestClip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"", 4, ""},
		{"abcd", 4, "abcd"},
		{"abcde", 4, "abcd..."},
		{strings.Repeat("x", 100), 80, strings.Repeat("x", 80) + "..."},
	}
	for _, tt := range tests {
		if got := vulndb.Clip(tt.in, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestCheckToken(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 20)
	tests := []struct {
		in   string
		want string // "" for no error
	}{
		{"openssl", ""},
		{"1:2.3-4~deb12u1", ""},
		{strings.Repeat("a", 16), ""},
		{"", "empty name"},
		{long, `name of 20 bytes (limit 16): "` + long + `"`},
		{strings.Repeat("b", 200), `name of 200 bytes (limit 16): "` + strings.Repeat("b", vulndb.TokenClip) + `..."`},
		{"a b", `name "a b" holds a space, control or invalid character`},
		{"a\tb", "holds a space"},
		{"a\x00", "holds a space"},
		{"a\x7f", "holds a space"},
		{"a\xff", "holds a space"},
		{"a\uFFFD", "holds a space"},
	}
	for _, tt := range tests {
		err := vulndb.CheckToken("name", tt.in, 16)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckToken(%q) = %v", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckToken(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}
