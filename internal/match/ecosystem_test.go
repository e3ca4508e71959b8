package match

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestTargets(t *testing.T) {
	t.Parallel()
	deb := func(name, ver, src, srcVer string) inventory.Package {
		return inventory.Package{Name: name, Version: ver, SourceName: src, SourceVersion: srcVer, Type: "deb"}
	}
	for _, tc := range []struct {
		name   string
		distro *inventory.Distro
		pkg    inventory.Package
		want   []target
	}{
		{
			name:   "debian source package",
			distro: &inventory.Distro{ID: "debian", VersionID: "11"},
			pkg:    deb("libssl1.1", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3"),
			want:   []target{{eco: "Debian:11", name: "openssl", version: "1.1.1n-0+deb11u3", kind: "source", typ: "deb"}},
		},
		{
			name:   "debian point release, binNMU",
			distro: &inventory.Distro{ID: "debian", VersionID: "11.7"},
			pkg:    deb("libfoo1", "1.2-3+b1", "foo", "1.2-3"),
			want:   []target{{eco: "Debian:11", name: "foo", version: "1.2-3", kind: "source", typ: "deb"}},
		},
		{
			name:   "debian without source fields",
			distro: &inventory.Distro{ID: "debian", Codename: "bookworm"},
			pkg:    deb("bash", "5.2.15-2+b2", "", ""),
			want:   []target{{eco: "Debian:12", name: "bash", version: "5.2.15-2+b2", kind: "source", typ: "deb"}},
		},
		{
			name:   "debian trixie by codename",
			distro: &inventory.Distro{ID: "debian", Codename: "trixie"},
			pkg:    deb("bash", "5.2", "bash", "5.2"),
			want:   []target{{eco: "Debian:13", name: "bash", version: "5.2", kind: "source", typ: "deb"}},
		},
		{
			name:   "debian sid",
			distro: &inventory.Distro{ID: "debian", Codename: "sid"},
			pkg:    deb("bash", "5.2", "bash", "5.2"),
			want:   []target{{eco: "Debian:sid", name: "bash", version: "5.2", kind: "source", typ: "deb"}},
		},
		{
			name:   "debian release unknown",
			distro: &inventory.Distro{ID: "debian", Codename: "hamm2"},
			pkg:    deb("bash", "5.2", "bash", "5.2"),
		},
		{
			name:   "ubuntu binary and source",
			distro: &inventory.Distro{ID: "ubuntu", VersionID: "24.04"},
			pkg:    deb("libssl3t64", "3.0.13-0ubuntu3.4", "openssl", "3.0.13-0ubuntu3.4"),
			want: []target{
				{eco: "Ubuntu:24.04", name: "libssl3t64", version: "3.0.13-0ubuntu3.4", kind: "binary", typ: "deb"},
				{eco: "Ubuntu:24.04", name: "openssl", version: "3.0.13-0ubuntu3.4", kind: "source", typ: "deb"},
			},
		},
		{
			name:   "ubuntu binary named as its source",
			distro: &inventory.Distro{ID: "ubuntu", Codename: "noble"},
			pkg:    deb("openssl", "3.0.13-0ubuntu3.4", "openssl", "3.0.13-0ubuntu3.4"),
			want:   []target{{eco: "Ubuntu:24.04", name: "openssl", version: "3.0.13-0ubuntu3.4", kind: "package", typ: "deb"}},
		},
		{
			name:   "alpine origin",
			distro: &inventory.Distro{ID: "alpine", VersionID: "3.20.3"},
			pkg:    inventory.Package{Name: "libcrypto3", Version: "3.3.2-r0", SourceName: "openssl", SourceVersion: "3.3.2-r0", Type: "apk"},
			want:   []target{{eco: "Alpine:v3.20", name: "openssl", version: "3.3.2-r0", kind: "origin", typ: "apk"}},
		},
		{
			name:   "alpine edge",
			distro: &inventory.Distro{ID: "alpine", VersionID: "3.21_alpha20240807"},
			pkg:    inventory.Package{Name: "musl", Version: "1.2.5-r1", Type: "apk"},
			want:   []target{{eco: "Alpine:edge", name: "musl", version: "1.2.5-r1", kind: "origin", typ: "apk"}},
		},
		{
			name:   "azure linux",
			distro: &inventory.Distro{ID: "azurelinux", VersionID: "3.0"},
			pkg:    inventory.Package{Name: "openssl-libs", Version: "3.3.0-1.azl3", SourceName: "openssl", Type: "rpm"},
			want: []target{
				{eco: "Azure Linux:3.0", name: "openssl-libs", version: "3.3.0-1.azl3", kind: "binary", typ: "rpm"},
				{eco: "Azure Linux:3.0", name: "openssl", version: "3.3.0-1.azl3", kind: "source", typ: "rpm"},
			},
		},
		{
			name:   "cbl-mariner",
			distro: &inventory.Distro{ID: "mariner", VersionID: "2.0.20240123"},
			pkg:    inventory.Package{Name: "curl", Version: "1:8.0-1.cm2", Type: "rpm"},
			want:   []target{{eco: "CBL-Mariner:2.0", name: "curl", version: "1:8.0-1.cm2", kind: "package", typ: "rpm"}},
		},
		{
			name: "go module without distro",
			pkg:  inventory.Package{Name: "golang.org/x/net", Version: "v0.17.0", Type: "golang"},
			want: []target{{eco: "Go", name: "golang.org/x/net", version: "0.17.0", kind: "package", typ: "golang"}},
		},
		{
			name: "npm",
			pkg:  inventory.Package{Name: "lodash", Version: "4.17.20", Type: "npm"},
			want: []target{{eco: "npm", name: "lodash", version: "4.17.20", kind: "package", typ: "npm"}},
		},
		{
			name:   "rpm on debian",
			distro: &inventory.Distro{ID: "debian", VersionID: "12"},
			pkg:    inventory.Package{Name: "x", Version: "1-1", Type: "rpm"},
		},
		{
			name:   "unsupported distro",
			distro: &inventory.Distro{ID: "fedora", VersionID: "39"},
			pkg:    inventory.Package{Name: "x", Version: "1-1", Type: "rpm"},
		},
		{
			name: "deb without distro",
			pkg:  deb("bash", "5.2", "bash", "5.2"),
		},
		{
			name:   "no version",
			distro: &inventory.Distro{ID: "debian", VersionID: "12"},
			pkg:    deb("bash", "", "", ""),
		},
		{
			name: "unknown type",
			pkg:  inventory.Package{Name: "x", Version: "1", Type: "generic"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, why := targets(tc.distro, &tc.pkg)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(target{})); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
			if (got == nil) != (why != "") {
				t.Errorf("targets gave %d targets and reason %q", len(got), why)
			}
		})
	}
}
