package sbomtest

import (
	"fmt"

	"github.com/vigil-sec/vigil/internal/inventory"
)

const (
	layer0 = "sha256:3f1a9c0d5e6b7a8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e"
	layer1 = "sha256:7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e3f1a9c0d5e6b"
	layer2 = "sha256:c0ffee0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e3f1a9c0d5e6b"
	digest = "sha256:244fd47e07d1004f0aed9c156aa09083c04b8d5b2ea6c8a2fe5c2e2c5e5f5a5b"
)

// Fixtures are small inventories for golden tests of output formats, by
// name: "image" (a registry image with duplicate packages, odd licence strings
// and hostile names), "no-distro" (an archive with no distribution),
// "rootfs" (a root file system directory), "lang" (language packages: one
// owned by an OS package, one found in two files, a guessed jar, a jar in a
// war, a Go module and the Go standard library) and "empty". Each call returns
// fresh values.
func Fixtures() map[string]*inventory.Inventory {
	debian := &inventory.Distro{ID: "debian", VersionID: "12", Codename: "bookworm", IDLike: nil, Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 12 (bookworm)", Path: "etc/os-release"}
	deb := func(name, version, arch, srcName, srcVersion, layer string, lic ...string) inventory.Package {
		p := inventory.Package{Name: name, Version: version, Arch: arch, SourceName: srcName, SourceVersion: srcVersion, Licenses: lic, Type: "deb", Layer: layer, Path: "var/lib/dpkg/status"}
		p.PURL = inventory.PURL(p, debian)
		return p
	}
	image := &inventory.Inventory{
		Source: inventory.Source{
			Kind: "registry", Name: "127.0.0.1:5000/test/debian:12", Digest: digest, Platform: "linux/amd64",
			Layers: []inventory.LayerInfo{
				{Digest: "sha256:aa" + layer0[9:], DiffID: layer0, MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 1234},
				{Digest: "sha256:bb" + layer1[9:], DiffID: layer1, MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 567},
				{Digest: "sha256:cc" + layer2[9:], DiffID: layer2, MediaType: "application/vnd.oci.image.layer.v1.tar+zstd", Size: 89},
			},
		},
		Distro: debian,
		Packages: []inventory.Package{
			deb("zlib1g", "1:1.2.13.dfsg-1", "amd64", "zlib", "1:1.2.13.dfsg-1", layer0, "Zlib"),
			// The same package for two architectures.
			deb("libc6", "2.36-9+deb12u4", "amd64", "glibc", "2.36-9+deb12u4", layer0, "GPL-2.0+ OR LGPL-2.1-or-later", "mit", "public-domain"),
			deb("libc6", "2.36-9+deb12u4", "i386", "glibc", "2.36-9+deb12u4", layer1, "GPL-2.0+ OR LGPL-2.1-or-later", "mit", "public-domain"),
			// Exact duplicates (a package recorded twice).
			deb("base-files", "12.4+deb12u5", "amd64", "", "", layer0, "GPL-2.0-only"),
			deb("base-files", "12.4+deb12u5", "amd64", "", "", layer0, "GPL-2.0-only"),
			deb("libllvm15", "1:15.0.6-4+b1", "amd64", "llvm-toolchain-15", "1:15.0.6-4", layer2, "Apache-2.0 WITH LLVM-exception", "(MIT OR Apache-2.0) AND BSD-3-Clause"),
			deb("tzdata", "2024a-0+deb12u1", "all", "", "", layer2, "GPLv2+ and LGPL", "LicenseRef-tzdata-public", "Ünïcode licence\nsecond line", "  "),
			deb("odd name/../\x1b[31m", "1.0 beta", "amd64", "", "", "sha256:not-a-layer-of-this-image", "Apache-2.0 with LLVM-exception", "GPL-2.0-only AND"),
		},
	}
	alpine := &inventory.Distro{ID: "alpine", VersionID: "3.20.3", PrettyName: "Alpine Linux v3.20", Path: "etc/os-release"}
	apk := func(d *inventory.Distro, name, version, origin, layer string, lic ...string) inventory.Package {
		p := inventory.Package{Name: name, Version: version, Arch: "x86_64", SourceName: origin, Licenses: lic, Type: "apk", Layer: layer, Path: "lib/apk/db/installed"}
		p.PURL = inventory.PURL(p, d)
		return p
	}
	noDistro := &inventory.Inventory{
		Source: inventory.Source{
			Kind: "docker-archive", Name: "testdata/app.tar", Platform: "linux/arm64/v8",
			Layers: []inventory.LayerInfo{{DiffID: layer0, Size: 10}},
		},
		Packages: []inventory.Package{
			apk(nil, "musl", "1.2.5-r0", "musl", layer0, "MIT"),
			apk(nil, "busybox", "1.36.1-r29", "busybox", layer0, "GPL-2.0-only"),
			apk(nil, "ssl_client", "1.36.1-r29", "busybox", layer0, "GPL-2.0-only"),
		},
	}
	rootfs := &inventory.Inventory{
		Source: inventory.Source{Kind: "dir", Name: "/srv/rootfs/alpine-3.20/"},
		Distro: alpine,
		Packages: []inventory.Package{
			apk(alpine, "alpine-baselayout", "3.6.5-r0", "alpine-baselayout", "", "GPL-2.0-only"),
			apk(alpine, "ca-certificates-bundle", "20240705-r0", "ca-certificates", "", "MPL-2.0 AND MIT"),
			apk(alpine, "libcrypto3", "3.3.2-r0", "openssl", "", "Apache-2.0"),
		},
	}
	empty := &inventory.Inventory{
		Source: inventory.Source{Kind: "oci-layout", Name: "./layouts/empty", Digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
	}
	lang := &inventory.Inventory{
		Source: inventory.Source{Kind: "oci-layout", Name: "./layouts/app", Digest: digest,
			Layers: []inventory.LayerInfo{{DiffID: layer0, Size: 10}, {DiffID: layer1, Size: 20}}},
		Distro: debian,
	}
	owner := deb("python3-urllib3", "1.26.12-1", "all", "python-urllib3", "1.26.12-1", layer0, "MIT")
	langPkg := func(typ, name, version, layer, path string) inventory.Package {
		p := inventory.Package{Type: typ, Name: name, Version: version, Layer: layer, Path: path}
		p.PURL = inventory.PURL(p, debian)
		return p
	}
	urllib3 := langPkg("pypi", "urllib3", "1.26.12", layer0, "usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info/PKG-INFO")
	urllib3.OwnedBy = owner.PURL
	lodash := langPkg("npm", "lodash", "4.17.15", layer1, "app/node_modules/lodash/package.json")
	lodash.Licenses = []string{"MIT"}
	lodash.Locations = []inventory.Location{{Layer: layer1, Path: "app/node_modules/lodash/package.json"}, {Layer: layer1, Path: "app/package-lock.json"}}
	guess := langPkg("maven", "commons-text", "1.9", layer1, "app/lib/commons-text-1.9.jar")
	guess.Confidence = inventory.ConfidenceLow
	lang.Packages = []inventory.Package{
		owner, urllib3, lodash, guess,
		langPkg("maven", "com.fasterxml.jackson.core:jackson-databind", "2.12.1", layer1, "app/app.war!/WEB-INF/lib/jackson-databind-2.12.1.jar"),
		langPkg("golang", "golang.org/x/text", "v0.3.6", layer1, "usr/local/bin/app"),
		langPkg("golang", "stdlib", "v1.22.3", layer1, "usr/local/bin/app"),
	}
	return map[string]*inventory.Inventory{"image": image, "no-distro": noDistro, "rootfs": rootfs, "empty": empty, "lang": lang}
}

// ManyPackages is an image inventory of n distinct packages, for benchmarks.
func ManyPackages(n int) *inventory.Inventory {
	inv := Fixtures()["image"]
	d := inv.Distro
	inv.Packages = make([]inventory.Package, n)
	for i := range inv.Packages {
		p := inventory.Package{
			Name: fmt.Sprintf("package-%05d", i), Version: fmt.Sprintf("1.%d.%d-%d", i%7, i%13, i%3),
			Arch: "amd64", SourceName: fmt.Sprintf("source-%04d", i/3), SourceVersion: "1.0-1",
			Type: "deb", Layer: inv.Source.Layers[i%3].DiffID, Path: "var/lib/dpkg/status",
		}
		switch i % 4 {
		case 0:
			p.Licenses = []string{"GPL-2.0-or-later"}
		case 1:
			p.Licenses = []string{"MIT", "BSD-3-Clause"}
		case 2:
			p.Licenses = []string{"GPL-2.0+ OR Artistic-1.0", "custom licence text"}
		}
		p.PURL = inventory.PURL(p, d)
		inv.Packages[i] = p
	}
	return inv
}
