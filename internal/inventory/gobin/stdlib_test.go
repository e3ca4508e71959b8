package gobin

import "testing"

func TestStdlibVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"go1.22.3", "v1.22.3", true},
		{"go1.21", "v1.21.0", true},
		{"go1.21.0", "v1.21.0", true},
		{"go1", "v1.0.0", true},
		{"go1.21rc2", "v1.21.0-rc.2", true},
		{"go1.20beta1", "v1.20.0-beta.1", true},
		{"go1.9alpha1", "v1.9.0-alpha.1", true},
		{"go1.22.3 X:boringcrypto", "v1.22.3", true},
		{"go1.22.3 X:nocoverageredesign,rangefunc", "v1.22.3", true},
		{"go1.21.1-bigcorp", "v1.21.1", true},
		{"go1.26.8", "v1.26.8", true},
		{"devel go1.23-1a2b3c4 Tue Jan 2 15:04:05 2024 +0000", "", false},
		{"devel +abcdef", "", false},
		{"", "", false},
		{"go", "", false},
		{"1.22.3", "", false},
		{"go1.22.3.4", "", false},
		{"go1..3", "", false},
		{"go1.x", "", false},
		{"go1.21rc", "", false},
		{"go1.21rcx", "", false},
		{"go1.21.1rc1", "", false},
		{"go01.2", "", false},
		{"go1.2\x00", "", false},
		{"go99999999999.1", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, ok := StdlibVersion(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("StdlibVersion(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}
