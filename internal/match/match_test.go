package match

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

var (
	bullseye = &inventory.Distro{ID: "debian", VersionID: "11", Codename: "bullseye"}
	alpine20 = &inventory.Distro{ID: "alpine", VersionID: "3.20.3"}
	azure3   = &inventory.Distro{ID: "azurelinux", VersionID: "3.0"}
	mariner2 = &inventory.Distro{ID: "mariner", VersionID: "2.0"}
	noble    = &inventory.Distro{ID: "ubuntu", VersionID: "24.04", Codename: "noble"}
)

func debPkg(name, ver, src, srcVer string) inventory.Package {
	return inventory.Package{Name: name, Version: ver, SourceName: src, SourceVersion: srcVer, Type: "deb", Path: "var/lib/dpkg/status"}
}

func apkPkg(name, ver, origin string) inventory.Package {
	return inventory.Package{Name: name, Version: ver, SourceName: origin, SourceVersion: ver, Type: "apk", Path: "lib/apk/db/installed"}
}

func rpmPkg(name, ver string) inventory.Package {
	return inventory.Package{Name: name, Version: ver, Type: "rpm", Path: "var/lib/rpm/rpmdb.sqlite"}
}

func ref(p inventory.Package) PackageRef {
	return PackageRef{Name: p.Name, Version: p.Version, Type: p.Type, PURL: p.PURL,
		SourceName: p.SourceName, SourceVersion: p.SourceVersion, Layer: p.Layer, Path: p.Path}
}

func run(t *testing.T, src Source, d *inventory.Distro, pkgs ...inventory.Package) []Finding {
	t.Helper()
	got, err := Match(context.Background(), src, &inventory.Inventory{Distro: d, Packages: pkgs}, Options{})
	if err != nil {
		t.Fatalf("Match: %v", err)
	}
	return got
}

// brief keeps the fields most cases check.
type brief struct {
	ID, Pkg, Status, Fixed string
}

func briefs(fs []Finding) []brief {
	var out []brief
	for _, f := range fs {
		out = append(out, brief{f.ID, f.Package.Name + " " + f.Package.Version, string(f.Status), f.FixedVersion})
	}
	return out
}

var sortBriefs = cmpopts.SortSlices(func(a, b brief) bool { return a.ID+a.Pkg < b.ID+b.Pkg })

func dsa5343() *vulndb.Advisory {
	return &vulndb.Advisory{
		ID: "DSA-5343-1", Source: "debian", Aliases: []string{"CVE-2023-0215", "CVE-2023-0286"},
		Summary: "openssl - security update",
		Affected: []vulndb.Affected{
			{Ecosystem: "Debian:11", Package: "openssl", Status: vulndb.StatusAffected, Ranges: fixedAt("1.1.1n-0+deb11u4")},
			{Ecosystem: "Debian:10", Package: "openssl", Status: vulndb.StatusAffected, Ranges: fixedAt("1.1.1n-0+deb10u4")},
		},
	}
}

func TestMatchDebianDSA(t *testing.T) {
	t.Parallel()
	src := newFake(dsa5343())
	libssl := debPkg("libssl1.1", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3")
	got := run(t, src, bullseye, libssl)
	want := []Finding{
		{
			ID: "CVE-2023-0215", Aliases: []string{"DSA-5343-1"}, Package: ref(libssl),
			Advisories: []string{"debian/DSA-5343-1"}, Sources: []string{"debian"},
			Status: StatusFixed, FixedVersion: "1.1.1n-0+deb11u4", Summary: "openssl - security update",
			Ecosystem: "Debian:11", Why: "Debian:11 source openssl 1.1.1n-0+deb11u3 < 1.1.1n-0+deb11u4 (DSA-5343-1)",
		},
		{
			ID: "CVE-2023-0286", Aliases: []string{"DSA-5343-1"}, Package: ref(libssl),
			Advisories: []string{"debian/DSA-5343-1"}, Sources: []string{"debian"},
			Status: StatusFixed, FixedVersion: "1.1.1n-0+deb11u4", Summary: "openssl - security update",
			Ecosystem: "Debian:11", Why: "Debian:11 source openssl 1.1.1n-0+deb11u3 < 1.1.1n-0+deb11u4 (DSA-5343-1)",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestMatchDebian(t *testing.T) {
	t.Parallel()
	gcc := &vulndb.Advisory{ID: "DSA-9001-1", Source: "debian", Aliases: []string{"CVE-2099-0001"},
		Affected: []vulndb.Affected{{Ecosystem: "Debian:11", Package: "gcc-10", Status: vulndb.StatusAffected, Ranges: fixedAt("10.2.1-7")}}}
	epoch := &vulndb.Advisory{ID: "DSA-9002-1", Source: "debian", Aliases: []string{"CVE-2099-0002"},
		Affected: []vulndb.Affected{{Ecosystem: "Debian:11", Package: "perl", Status: vulndb.StatusAffected, Ranges: fixedAt("1:5.32.1-4+deb11u2")}}}
	marker := func(id string, st vulndb.Status) *vulndb.Advisory {
		return &vulndb.Advisory{ID: id, Source: "debian",
			Affected: []vulndb.Affected{{Ecosystem: "Debian:11", Package: "tiff", Status: st}}}
	}
	badVersion := &vulndb.Advisory{ID: "DSA-9003-1", Source: "debian", Aliases: []string{"CVE-2099-0003"},
		Affected: []vulndb.Affected{{Ecosystem: "Debian:11", Package: "tiff", Status: vulndb.StatusAffected, Ranges: fixedAt("not a version")}}}
	src := newFake(dsa5343(), gcc, epoch, badVersion,
		marker("CVE-2099-0010", vulndb.StatusUnfixed), marker("CVE-2099-0011", vulndb.StatusWontFix),
		marker("CVE-2099-0012", vulndb.StatusEndOfLife), marker("CVE-2099-0013", vulndb.StatusNotAffected))
	got := run(t, src, bullseye,
		debPkg("libssl1.1", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3"),
		debPkg("openssl", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3"),
		debPkg("libssl-dev", "1.1.1n-0+deb11u4", "openssl", "1.1.1n-0+deb11u4"), // at the fix
		// binNMU-like: the binary's version (with an epoch) is above the fix,
		// the source's is not; advisories compare the source's.
		debPkg("libgcc-s1", "1:10.2.1-6", "gcc-10", "10.2.1-6"),
		debPkg("perl-base", "1:5.32.1-4+deb11u1", "perl", "1:5.32.1-4+deb11u1"),
		debPkg("perl-modules", "5.36.0-7", "perl", "2:5.0-1"), // source epoch above the fix's
		debPkg("libtiff5", "4.2.0-1+deb11u4", "tiff", "4.2.0-1+deb11u4"),
		debPkg("libfoo1", "1.0-1+b1", "", ""), // no advisory
	)
	want := []brief{
		{"CVE-2023-0215", "libssl1.1 1.1.1n-0+deb11u3", "fixed", "1.1.1n-0+deb11u4"},
		{"CVE-2023-0286", "libssl1.1 1.1.1n-0+deb11u3", "fixed", "1.1.1n-0+deb11u4"},
		{"CVE-2023-0215", "openssl 1.1.1n-0+deb11u3", "fixed", "1.1.1n-0+deb11u4"},
		{"CVE-2023-0286", "openssl 1.1.1n-0+deb11u3", "fixed", "1.1.1n-0+deb11u4"},
		{"CVE-2099-0001", "libgcc-s1 1:10.2.1-6", "fixed", "10.2.1-7"},
		{"CVE-2099-0002", "perl-base 1:5.32.1-4+deb11u1", "fixed", "1:5.32.1-4+deb11u2"},
		{"CVE-2099-0010", "libtiff5 4.2.0-1+deb11u4", "unfixed", ""},
		{"CVE-2099-0011", "libtiff5 4.2.0-1+deb11u4", "wont-fix", ""},
		{"CVE-2099-0012", "libtiff5 4.2.0-1+deb11u4", "end-of-life", ""},
	}
	if diff := cmp.Diff(want, briefs(got), sortBriefs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	// The DSA is loaded once for the two binaries of openssl, and openssl
	// looked up once.
	// 7: the DSA, gcc, perl and the four tiff markers (the entry with a
	// bad version is skipped before its advisory is read).
	if n := src.loads.Load(); n != 7 {
		t.Errorf("%d advisory loads, want 7 (one per advisory hit)", n)
	}
	if n := src.lookups.Load(); n != 5 {
		t.Errorf("%d lookups, want 5 (openssl, gcc-10, perl, tiff, libfoo1)", n)
	}
	for _, f := range got {
		if f.ID == "CVE-2099-0010" && f.Why != "Debian:11 source tiff 4.2.0-1+deb11u4: no fix yet" {
			t.Errorf("Why = %q", f.Why)
		}
	}
}

func TestMatchAliasMerge(t *testing.T) {
	t.Parallel()
	// The DSA and the tracker's CVE record name the same vulnerability in
	// the same package: one finding, the CVE record's summary and urgency.
	cve := &vulndb.Advisory{ID: "CVE-2023-0286", Source: "debian", Summary: "X.400 address type confusion in X.509 GeneralName",
		Severity: []vulndb.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H"}},
		Affected: []vulndb.Affected{{Ecosystem: "Debian:11", Package: "openssl", Status: vulndb.StatusAffected,
			Ranges: fixedAt("1.1.1n-0+deb11u4"), Severity: distro("high")}}}
	ghsa := &vulndb.Advisory{ID: "GHSA-x4qr-2fvf-3mr5", Source: "osv", Aliases: []string{"CVE-2023-0286"},
		Affected: []vulndb.Affected{{Ecosystem: "Debian:11", Package: "openssl", Status: vulndb.StatusAffected,
			Ranges: fixedAt("1.1.1n-0+deb11u5")}}}
	src := newFake(dsa5343(), cve, ghsa)
	libssl := debPkg("libssl1.1", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3")
	got := run(t, src, bullseye, libssl)
	var f *Finding
	for i := range got {
		if got[i].ID == "CVE-2023-0286" {
			if f != nil {
				t.Fatalf("two findings for CVE-2023-0286: %+v", got)
			}
			f = &got[i]
		}
	}
	if f == nil {
		t.Fatalf("no finding for CVE-2023-0286: %+v", got)
	}
	want := Finding{
		ID: "CVE-2023-0286", Aliases: []string{"DSA-5343-1", "GHSA-x4qr-2fvf-3mr5"}, Package: ref(libssl),
		Advisories: []string{"debian/CVE-2023-0286", "debian/DSA-5343-1", "osv/GHSA-x4qr-2fvf-3mr5"},
		Sources:    []string{"debian", "osv"},
		Status:     StatusFixed, FixedVersion: "1.1.1n-0+deb11u5", // the highest of the fixes
		Severity: SeverityHigh, SeveritySource: "debian",
		CVSS: 7.4, CVSSVector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H",
		Summary:   "X.400 address type confusion in X.509 GeneralName",
		Ecosystem: "Debian:11",
		Why: "Debian:11 source openssl 1.1.1n-0+deb11u3 < 1.1.1n-0+deb11u4; " +
			"Debian:11 source openssl 1.1.1n-0+deb11u3 < 1.1.1n-0+deb11u4 (DSA-5343-1); " +
			"Debian:11 source openssl 1.1.1n-0+deb11u3 < 1.1.1n-0+deb11u5 (GHSA-x4qr-2fvf-3mr5)",
	}
	if diff := cmp.Diff(want, *f); diff != "" {
		t.Errorf("merged finding (-want +got):\n%s", diff)
	}
}

func TestMatchAlpine(t *testing.T) {
	t.Parallel()
	fixed := &vulndb.Advisory{ID: "CVE-2024-9143", Source: "alpine",
		Affected: []vulndb.Affected{{Ecosystem: "Alpine:v3.20", Package: "openssl", Status: vulndb.StatusAffected, Ranges: fixedAt("3.3.2-r1")}}}
	// secdb lists CVE-2024-0001 under "0" for busybox: no other alpine
	// advisory for it reports busybox; another source's still does.
	notAffected := &vulndb.Advisory{ID: "CVE-2024-0001", Source: "alpine",
		Affected: []vulndb.Affected{{Ecosystem: "Alpine:v3.20", Package: "busybox", Status: vulndb.StatusNotAffected}}}
	other := &vulndb.Advisory{ID: "ALPINE-13661", Source: "alpine", Aliases: []string{"CVE-2024-0001"},
		Affected: []vulndb.Affected{{Ecosystem: "Alpine:v3.20", Package: "busybox", Status: vulndb.StatusAffected, Ranges: fixedAt("1.36.1-r30")}}}
	osvRec := &vulndb.Advisory{ID: "CVE-2024-0001", Source: "osv",
		Affected: []vulndb.Affected{{Ecosystem: "Alpine:v3.20", Package: "busybox", Status: vulndb.StatusAffected, Ranges: fixedAt("1.36.1-r31")}}}
	otherBranch := &vulndb.Advisory{ID: "CVE-2024-0002", Source: "alpine",
		Affected: []vulndb.Affected{{Ecosystem: "Alpine:v3.19", Package: "openssl", Status: vulndb.StatusAffected, Ranges: fixedAt("9.9.9-r0")}}}
	src := newFake(fixed, notAffected, other, osvRec, otherBranch)
	libcrypto := apkPkg("libcrypto3", "3.3.2-r0", "openssl")
	got := run(t, src, alpine20, libcrypto, apkPkg("busybox", "1.36.1-r29", "busybox"), apkPkg("ssl_client", "1.36.1-r29", "busybox"),
		apkPkg("libssl3", "3.3.2-r1", "openssl"))
	want := []brief{
		{"CVE-2024-9143", "libcrypto3 3.3.2-r0", "fixed", "3.3.2-r1"},
		{"CVE-2024-0001", "busybox 1.36.1-r29", "fixed", "1.36.1-r31"},
		{"CVE-2024-0001", "ssl_client 1.36.1-r29", "fixed", "1.36.1-r31"},
	}
	if diff := cmp.Diff(want, briefs(got), sortBriefs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, f := range got {
		switch f.ID {
		case "CVE-2024-9143":
			if f.Why != "Alpine:v3.20 origin openssl 3.3.2-r0 < 3.3.2-r1" {
				t.Errorf("Why = %q", f.Why)
			}
		case "CVE-2024-0001":
			if diff := cmp.Diff([]string{"osv/CVE-2024-0001"}, f.Advisories); diff != "" {
				t.Errorf("vetoed advisory reported (-want +got):\n%s", diff)
			}
		}
	}
}

func TestMatchAzureLinux(t *testing.T) {
	t.Parallel()
	adv := &vulndb.Advisory{ID: "CVE-2024-5535", Source: "azurelinux",
		Severity: []vulndb.Severity{{Type: "DISTRO", Score: "high"}, {Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
		Affected: []vulndb.Affected{
			{Ecosystem: "Azure Linux:3.0", Package: "openssl", Status: vulndb.StatusAffected, Ranges: fixedAt("3.3.0-2.azl3"), Severity: distro("high")},
			{Ecosystem: "Azure Linux:3.0", Package: "openssl-libs", Status: vulndb.StatusAffected, Ranges: fixedAt("3.3.0-2.azl3"), Severity: distro("high")},
			{Ecosystem: "Azure Linux:3.0", Package: "curl", Status: vulndb.StatusAffected, Ranges: fixedAt("1:8.8.0-2.azl3"), Severity: distro("medium")},
		}}
	unpatched := &vulndb.Advisory{ID: "CVE-2024-0003", Source: "azurelinux",
		Affected: []vulndb.Affected{{Ecosystem: "CBL-Mariner:2.0", Package: "vim", Status: vulndb.StatusAffected,
			Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "0"}, {LastAffected: "9.0.2190-1.cm2"}}}}, Severity: distro("low")}}}
	src := newFake(adv, unpatched)
	got := run(t, src, azure3,
		rpmPkg("openssl", "0:3.3.0-1.azl3"),      // explicit epoch 0 against an EVR without one
		rpmPkg("openssl-libs", "0:3.3.0-2.azl3"), // at the fix
		rpmPkg("curl", "8.9.0-1.azl3"),           // epoch 0 < epoch 1
		rpmPkg("bash", "5.2.15-3.azl3"))
	want := []brief{
		{"CVE-2024-5535", "openssl 0:3.3.0-1.azl3", "fixed", "3.3.0-2.azl3"},
		{"CVE-2024-5535", "curl 8.9.0-1.azl3", "fixed", "1:8.8.0-2.azl3"},
	}
	if diff := cmp.Diff(want, briefs(got), sortBriefs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, f := range got {
		if f.Package.Name == "openssl" && (f.Severity != SeverityHigh || f.SeveritySource != "azurelinux" || f.CVSS != 9.8) {
			t.Errorf("openssl severity %v from %q, CVSS %v; want high from azurelinux, 9.8", f.Severity, f.SeveritySource, f.CVSS)
		}
		if f.Package.Name == "curl" && f.Severity != SeverityMedium {
			t.Errorf("curl severity %v, want the package's own medium", f.Severity)
		}
	}
	// A subpackage is matched by the spec it was built from.
	ssh := &vulndb.Advisory{ID: "CVE-2025-26466", Source: "azurelinux",
		Affected: []vulndb.Affected{{Ecosystem: "Azure Linux:3.0", Package: "openssh", Status: vulndb.StatusAffected, Ranges: fixedAt("0:9.8p1-3.azl3")}}}
	server := rpmPkg("openssh-server", "9.8p1-2.azl3")
	server.SourceName, server.SourceVersion = "openssh", "9.8p1-2.azl3"
	current := rpmPkg("openssh-clients", "9.8p1-3.azl3")
	current.SourceName, current.SourceVersion = "openssh", "9.8p1-3.azl3"
	got = run(t, newFake(ssh), azure3, server, current)
	if diff := cmp.Diff([]brief{{"CVE-2025-26466", "openssh-server 9.8p1-2.azl3", "fixed", "0:9.8p1-3.azl3"}}, briefs(got)); diff != "" {
		t.Errorf("subpackage findings (-want +got):\n%s", diff)
	}
	got = run(t, src, mariner2, rpmPkg("vim", "9.0.2190-1.cm2"), rpmPkg("vim-common", "9.0.2190-1.cm2"))
	if diff := cmp.Diff([]brief{{"CVE-2024-0003", "vim 9.0.2190-1.cm2", "unfixed", ""}}, briefs(got)); diff != "" {
		t.Errorf("mariner findings (-want +got):\n%s", diff)
	}
	if got[0].Why != "CBL-Mariner:2.0 package vim 9.0.2190-1.cm2 <= 9.0.2190-1.cm2, no fix" {
		t.Errorf("Why = %q", got[0].Why)
	}
}

func TestMatchUbuntu(t *testing.T) {
	t.Parallel()
	usn := &vulndb.Advisory{ID: "USN-6986-1", Source: "ubuntu", Aliases: []string{"CVE-2024-6119", "CVE-2024-5535"},
		Affected: []vulndb.Affected{
			{Ecosystem: "Ubuntu:24.04", Package: "libssl3t64", Status: vulndb.StatusAffected, Ranges: fixedAt("3.0.13-0ubuntu3.4"), Severity: distro("medium")},
			{Ecosystem: "Ubuntu:24.04", Package: "openssl", Status: vulndb.StatusAffected, Ranges: fixedAt("3.0.13-0ubuntu3.4"), Severity: distro("medium")},
		}}
	osvRec := &vulndb.Advisory{ID: "UBUNTU-CVE-2024-6119", Source: "osv", Aliases: []string{"CVE-2024-6119"},
		Affected: []vulndb.Affected{{Ecosystem: "Ubuntu:24.04", Package: "openssl", Status: vulndb.StatusAffected, Ranges: fixedAt("3.0.13-0ubuntu3.4")}}}
	src := newFake(usn, osvRec)
	lib := debPkg("libssl3t64", "3.0.13-0ubuntu3.1", "openssl", "3.0.13-0ubuntu3.1")
	got := run(t, src, noble, lib)
	want := []brief{
		{"CVE-2024-5535", "libssl3t64 3.0.13-0ubuntu3.1", "fixed", "3.0.13-0ubuntu3.4"},
		{"CVE-2024-6119", "libssl3t64 3.0.13-0ubuntu3.1", "fixed", "3.0.13-0ubuntu3.4"},
	}
	if diff := cmp.Diff(want, briefs(got), sortBriefs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, f := range got {
		if f.ID != "CVE-2024-6119" {
			continue
		}
		if diff := cmp.Diff([]string{"osv/UBUNTU-CVE-2024-6119", "ubuntu/USN-6986-1"}, f.Advisories); diff != "" {
			t.Errorf("advisories (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"UBUNTU-CVE-2024-6119", "USN-6986-1"}, f.Aliases); diff != "" {
			t.Errorf("aliases (-want +got):\n%s", diff)
		}
		if f.Severity != SeverityMedium || f.SeveritySource != "ubuntu" {
			t.Errorf("severity %v from %q", f.Severity, f.SeveritySource)
		}
		wantWhy := "Ubuntu:24.04 binary libssl3t64 3.0.13-0ubuntu3.1 < 3.0.13-0ubuntu3.4 (USN-6986-1); " +
			"Ubuntu:24.04 source openssl 3.0.13-0ubuntu3.1 < 3.0.13-0ubuntu3.4 (UBUNTU-CVE-2024-6119); " +
			"Ubuntu:24.04 source openssl 3.0.13-0ubuntu3.1 < 3.0.13-0ubuntu3.4 (USN-6986-1)"
		if f.Why != wantWhy {
			t.Errorf("Why = %q\nwant  %q", f.Why, wantWhy)
		}
	}
}

func TestMatchOSVSeverityAndKEV(t *testing.T) {
	t.Parallel()
	nvd := &vulndb.Advisory{ID: "CVE-2021-44228", Source: "osv", Aliases: []string{"CVE-2021-99999"},
		Summary: strings.Repeat("é", 250),
		Severity: []vulndb.Severity{
			{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"},
			{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}, // 10.0
			{Type: "CVSS_V3", Score: "CVSS:3.1/garbage"},
		},
		Affected: []vulndb.Affected{{Ecosystem: "Debian:11", Package: "apache-log4j2", Status: vulndb.StatusAffected, Ranges: fixedAt("2.15.0-1")}}}
	src := newFake(nvd)
	src.kev["CVE-2021-99999"] = vulndb.KEV{CVE: "CVE-2021-99999", DateAdded: "2021-12-10"}
	got := run(t, src, bullseye, debPkg("liblog4j2-java", "2.13.3-1", "apache-log4j2", "2.13.3-1"))
	if len(got) != 1 {
		t.Fatalf("got %d findings, want 1: %+v", len(got), got)
	}
	f := got[0]
	if f.Severity != SeverityCritical || f.SeveritySource != "CVSS_V3" || f.CVSS != 10 ||
		f.CVSSVector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H" {
		t.Errorf("severity %v from %q, CVSS %v %q", f.Severity, f.SeveritySource, f.CVSS, f.CVSSVector)
	}
	if !f.KEV || f.KEVDateAdded != "2021-12-10" {
		t.Errorf("KEV %v %q, want true 2021-12-10 (through the alias)", f.KEV, f.KEVDateAdded)
	}
	if n := len([]rune(f.Summary)); n != MaxSummary+1 || !strings.HasSuffix(f.Summary, "…") {
		t.Errorf("summary of %d runes: %q", n, f.Summary)
	}
}

// TestMatchLanguagePackages: each language ecosystem compares with its own
// rules and names as the ecosystem compares them; packages installed by an
// OS package, Go modules without a release version and Maven artifacts
// without a group are not matched against upstream advisories.
func TestMatchLanguagePackages(t *testing.T) {
	t.Parallel()
	semverRange := func(intro, fixed string) []vulndb.Range {
		return []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{{Introduced: intro}, {Fixed: fixed}}}}
	}
	src := newFake(
		&vulndb.Advisory{ID: "GHSA-jfh8-c2jp-5v3q", Source: "osv", Aliases: []string{"CVE-2021-44228"},
			Affected: []vulndb.Affected{{Ecosystem: "Maven", Package: "org.apache.logging.log4j:log4j-core", Status: vulndb.StatusAffected,
				Ranges: []vulndb.Range{{Type: "ECOSYSTEM", Events: []vulndb.Event{{Introduced: "2.0-beta9"}, {Fixed: "2.15.0"}}}}}}},
		&vulndb.Advisory{ID: "GHSA-p6mc-m468-83gw", Source: "osv", Aliases: []string{"CVE-2020-8203"},
			Affected: []vulndb.Affected{{Ecosystem: "npm", Package: "lodash", Status: vulndb.StatusAffected, Ranges: semverRange("0", "4.17.19")}}},
		&vulndb.Advisory{ID: "GO-2021-0113", Source: "osv", Aliases: []string{"CVE-2021-38561"},
			Affected: []vulndb.Affected{{Ecosystem: "Go", Package: "golang.org/x/text", Status: vulndb.StatusAffected, Ranges: semverRange("0", "0.3.7")}}},
		&vulndb.Advisory{ID: "GO-2024-0001", Source: "osv",
			Affected: []vulndb.Affected{{Ecosystem: "Go", Package: "stdlib", Status: vulndb.StatusAffected, Ranges: semverRange("1.22.0", "1.22.4")}}},
		&vulndb.Advisory{ID: "PYSEC-2021-1", Source: "osv", Aliases: []string{"CVE-2020-14343"},
			Affected: []vulndb.Affected{{Ecosystem: "PyPI", Package: "pyyaml", Status: vulndb.StatusAffected, Ranges: fixedAt("5.4")}}},
		&vulndb.Advisory{ID: "PYSEC-2023-2", Source: "osv", Aliases: []string{"CVE-2023-43804"},
			Affected: []vulndb.Affected{{Ecosystem: "PyPI", Package: "urllib3", Status: vulndb.StatusAffected, Ranges: fixedAt("1.26.17")}}},
		&vulndb.Advisory{ID: "GHSA-5crp-9r3c-p9vr", Source: "osv",
			Affected: []vulndb.Affected{{Ecosystem: "NuGet", Package: "Newtonsoft.Json", Status: vulndb.StatusAffected, Ranges: fixedAt("13.0.1")}}},
	)
	got := run(t, src, nil,
		inventory.Package{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Type: "maven"},
		inventory.Package{Name: "org.apache.logging.log4j:log4j-core", Version: "2.15.0", Type: "maven", Path: "fixed"},
		inventory.Package{Name: "log4j-core", Version: "2.14.1", Type: "maven", Confidence: inventory.ConfidenceLow, Path: "nogroup"},
		inventory.Package{Name: "lodash", Version: "4.17.15", Type: "npm"},
		inventory.Package{Name: "lodash", Version: "4.17.21", Type: "npm", Path: "fixed"},
		inventory.Package{Name: "golang.org/x/text", Version: "v0.3.6", Type: "golang"},
		inventory.Package{Name: "golang.org/x/text", Version: "v0.3.7", Type: "golang", Path: "fixed"},
		inventory.Package{Name: "golang.org/x/text", Version: "(devel)", Type: "golang", Path: "devel"},
		inventory.Package{Name: "stdlib", Version: "v1.22.3", Type: "golang"},
		inventory.Package{Name: "PyYAML", Version: "5.3.1", Type: "pypi"},
		inventory.Package{Name: "urllib3", Version: "1.26.5", Type: "pypi", OwnedBy: "pkg:deb/debian/python3-urllib3@1.26.5-1~exp1"},
		inventory.Package{Name: "newtonsoft.json", Version: "12.0.3", Type: "nuget"},
	)
	want := []brief{
		{"CVE-2020-14343", "PyYAML", "fixed", "5.4"},
		{"CVE-2020-8203", "lodash", "fixed", "4.17.19"},
		{"CVE-2021-38561", "golang.org/x/text", "fixed", "0.3.7"},
		{"CVE-2021-44228", "org.apache.logging.log4j:log4j-core", "fixed", "2.15.0"},
		{"GHSA-5crp-9r3c-p9vr", "newtonsoft.json", "fixed", "13.0.1"},
		{"GO-2024-0001", "stdlib", "fixed", "1.22.4"},
	}
	var gotBrief []brief
	for _, f := range got {
		gotBrief = append(gotBrief, brief{f.ID, f.Package.Name, string(f.Status), f.FixedVersion})
	}
	slices.SortFunc(gotBrief, func(a, b brief) int { return strings.Compare(a.ID, b.ID) })
	if diff := cmp.Diff(want, gotBrief); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestMatchMissingAdvisoryAndErrors(t *testing.T) {
	t.Parallel()
	src := newFake(dsa5343())
	delete(src.advs, "debian/DSA-5343-1")
	if got := run(t, src, bullseye, debPkg("openssl", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3")); len(got) != 0 {
		t.Errorf("findings for an advisory the store lacks: %+v", got)
	}
	inv := &inventory.Inventory{Distro: bullseye, Packages: []inventory.Package{debPkg("openssl", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3")}}
	if _, err := Match(context.Background(), errSource{}, inv, Options{}); !errors.Is(err, errBroken) {
		t.Errorf("Match on a broken store: %v, want errBroken", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Match(ctx, newFake(), inv, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Match with a cancelled context: %v", err)
	}
	if got, err := Match(context.Background(), newFake(), nil, Options{}); err != nil || got != nil {
		t.Errorf("Match(nil inventory) = %v, %v", got, err)
	}
}

func TestMatchDuplicatePackages(t *testing.T) {
	t.Parallel()
	// Two architectures of one multiarch package: one finding each ID.
	src := newFake(dsa5343())
	a := debPkg("libssl1.1", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3")
	a.Arch = "amd64"
	b := a
	b.Arch = "i386"
	if got := run(t, src, bullseye, a, b); len(got) != 2 {
		t.Errorf("got %d findings, want 2: %+v", len(got), briefs(got))
	}
}

// headerFake answers AdvisoryHeader, without the Affected list.
type headerFake struct {
	*fakeSource
	headers int
}

func (h *headerFake) AdvisoryHeader(key string) (*vulndb.Advisory, error) {
	h.headers++
	a, err := h.Advisory(key)
	if err != nil {
		return nil, err
	}
	c := *a
	c.Affected = nil
	return &c, nil
}

func TestMatchUsesAdvisoryHeader(t *testing.T) {
	t.Parallel()
	src := &headerFake{fakeSource: newFake(dsa5343())}
	got := run(t, src, bullseye, debPkg("libssl1.1", "1.1.1n-0+deb11u3", "openssl", "1.1.1n-0+deb11u3"))
	if len(got) != 2 || src.headers != 1 {
		t.Errorf("%d findings, %d header loads; want 2 and 1", len(got), src.headers)
	}
}
