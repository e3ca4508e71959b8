package report_test

import (
	"fmt"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/match"
	"github.com/vigil-sec/vigil/internal/sbom/sbomtest"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// vulnNow is the time the golden reports are made at.
var vulnNow = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

func pkgRef(p inventory.Package) match.PackageRef {
	return match.PackageRef{Name: p.Name, Version: p.Version, Type: p.Type, PURL: p.PURL,
		SourceName: p.SourceName, SourceVersion: p.SourceVersion, Layer: p.Layer, Path: p.Path, Locations: p.Locations}
}

// vulnResult is one result covering what the reports must show: several
// packages, the same CVE in two packages, KEV, fixed, unfixed and wont-fix
// findings, every severity (unknown and negligible included), a hostile ID
// and summary, an empty summary, suppressions from a VEX document and an
// ignore file, and warnings (one hostile).
func vulnResult() *match.Result {
	inv := sbomtest.Fixtures()["image"]
	find := func(name, arch string) match.PackageRef {
		for _, p := range inv.Packages {
			if p.Name == name && (arch == "" || p.Arch == arch) {
				return pkgRef(p)
			}
		}
		panic("no package " + name)
	}
	libc := find("libc6", "amd64")
	libc386 := find("libc6", "i386")
	zlib := find("zlib1g", "")
	llvm := find("libllvm15", "")
	tz := find("tzdata", "")
	odd := find("odd name/../\x1b[31m", "")
	base := find("base-files", "")
	debian := []string{"debian-dsa", "debian-tracker"}
	return &match.Result{
		Inventory: inv,
		Findings: []match.Finding{
			{ID: "CVE-2024-2961", Aliases: []string{"DSA-5673-1"}, Package: libc, Advisories: []string{"debian-dsa/DSA-5673-1"}, Sources: debian,
				Status: match.StatusFixed, FixedVersion: "2.36-9+deb12u7", Severity: match.SeverityHigh, SeveritySource: "nvd",
				CVSS: 8.8, CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", KEV: true, KEVDateAdded: "2024-05-20",
				Summary: "glibc: out-of-bounds write in iconv ISO-2022-CN-EXT", Ecosystem: "Debian:12", Why: "glibc 2.36-9+deb12u4 < 2.36-9+deb12u7"},
			{ID: "CVE-2024-2961", Aliases: []string{"DSA-5673-1"}, Package: libc386, Advisories: []string{"debian-dsa/DSA-5673-1"}, Sources: debian,
				Status: match.StatusFixed, FixedVersion: "2.36-9+deb12u7", Severity: match.SeverityMedium, SeveritySource: "debian",
				KEV: true, KEVDateAdded: "2024-05-20",
				Summary: "glibc: out-of-bounds write in iconv ISO-2022-CN-EXT", Ecosystem: "Debian:12", Why: "glibc 2.36-9+deb12u4 < 2.36-9+deb12u7"},
			{ID: "CVE-2024-33599", Package: libc, Advisories: []string{"debian-tracker/CVE-2024-33599"}, Sources: debian,
				Status: match.StatusFixed, FixedVersion: "2.36-9+deb12u7", Severity: match.SeverityCritical, SeveritySource: "nvd",
				CVSS: 9.8, CVSSVector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
				Summary:   "nscd: stack-based buffer overflow in netgroup cache when the cache is full and a long line of text follows it to the end of the terminal",
				Ecosystem: "Debian:12", Why: "glibc 2.36-9+deb12u4 < 2.36-9+deb12u7"},
			{ID: "GHSA-abcd-1234-wxyz", Package: llvm, Advisories: []string{"osv/GHSA-abcd-1234-wxyz"}, Sources: []string{"osv"},
				Status: match.StatusFixed, FixedVersion: "1:15.0.7-1", Severity: match.SeverityLow, SeveritySource: "CVSS_V2",
				CVSS: 2.1, CVSSVector: "AV:L/AC:L/Au:N/C:P/I:N/A:N",
				Summary: "llvm: <script>alert(1)</script> & friends in a **markdown** [link](javascript:x)", Ecosystem: "Debian:12", Why: "range"},
			{ID: "CVE-2023-45853", Package: zlib, Advisories: []string{"debian-tracker/CVE-2023-45853"}, Sources: []string{"debian-tracker"},
				Status: match.StatusWontFix, Severity: match.SeverityCritical, SeveritySource: "nvd", CVSS: 9.8,
				CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
				Summary:    "MiniZip in zlib through 1.3 has an integer overflow", Ecosystem: "Debian:12", Why: "<no-dsa>"},
			{ID: "CVE-2024-\x1b[31m9999\x00", Package: odd, Advisories: []string{"osv/evil"}, Sources: []string{"osv"},
				Status: match.StatusUnfixed, Severity: match.SeverityMedium,
				Summary: "evil\x1b]0;owned\x07 summary\nsecond\tline \xff\u202e reversed", Ecosystem: "Debian:12", Why: "all versions"},
			{ID: "TEMP-0290435-0B57B5", Package: tz, Advisories: []string{"debian-tracker/TEMP-0290435-0B57B5"}, Sources: []string{"debian-tracker"},
				Status: match.StatusUnfixed, Severity: match.SeverityUnknown, Ecosystem: "Debian:12", Why: "unfixed"},
			{ID: "CVE-2005-2541", Package: tz, Advisories: []string{"debian-tracker/CVE-2005-2541"}, Sources: []string{"debian-tracker"},
				Status: match.StatusEndOfLife, Severity: match.SeverityNegligible, SeveritySource: "debian",
				Summary: "Tar 1.15.1 does not properly warn the user when extracting setuid or setgid files", Ecosystem: "Debian:12", Why: "unimportant"},
		},
		Suppressed: []match.Suppressed{
			{Finding: match.Finding{ID: "CVE-2022-37434", Package: zlib, Advisories: []string{"debian-dsa/DSA-5218-1"}, Sources: debian,
				Status: match.StatusFixed, FixedVersion: "1:1.2.13.dfsg-2", Severity: match.SeverityCritical, CVSS: 9.8,
				Summary: "zlib: heap-based buffer over-read in inflateGetHeader", Ecosystem: "Debian:12", Why: "range"},
				Kind: "openvex", File: "vex/zlib.openvex.json", Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path",
				Reason: "inflateGetHeader is never called"},
			{Finding: match.Finding{ID: "CVE-2023-0001", Package: base, Advisories: []string{"osv/CVE-2023-0001"}, Sources: []string{"osv"},
				Status: match.StatusUnfixed, Severity: match.SeverityHigh, Ecosystem: "Debian:12", Why: "all versions"},
				Kind: "ignorefile", File: ".vigilignore", Reason: "accepted until the next base image",
				Expires: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)},
		},
		DB: match.DBInfo{
			Built: time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC),
			Sources: []vulndb.SourceInfo{
				{Name: "cisa-kev", Format: "cisa-kev", Origin: "/data/kev.json", Records: 1200, Imported: time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC), DataTime: time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC)},
				{Name: "debian-dsa", Format: "debian-dsa-list", Origin: "/data/DSA/list", Records: 5000, Problems: 2, Imported: time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)},
			},
		},
		Warnings: []string{
			"vulnerability data for debian is 45 days old",
			"no source for \x1b[2Jevil\ndistro",
		},
	}
}

// emptyResult has no inventory, findings, data or warnings.
func emptyResult() *match.Result { return &match.Result{} }

// manyFindings is a result of n findings over n/4 packages, for benchmarks.
func manyFindings(n int) *match.Result {
	inv := sbomtest.ManyPackages(max(n/4, 1))
	res := &match.Result{Inventory: inv, DB: match.DBInfo{Built: vulnNow}}
	for i := range n {
		p := inv.Packages[i%len(inv.Packages)]
		f := match.Finding{
			ID: fmt.Sprintf("CVE-2024-%05d", i), Package: pkgRef(p), Advisories: []string{fmt.Sprintf("debian-tracker/CVE-2024-%05d", i)},
			Sources: []string{"debian-tracker"}, Status: match.StatusFixed, FixedVersion: p.Version + "+fix1",
			Severity: match.Severity(i % 6), CVSS: float64(i%100) / 10, CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
			KEV: i%50 == 0, Summary: "a vulnerability with a summary long enough to be clipped on an ordinary terminal of eighty columns",
			Ecosystem: "Debian:12", Why: "range",
		}
		if i%3 == 0 {
			f.Status, f.FixedVersion = match.StatusUnfixed, ""
		}
		res.Findings = append(res.Findings, f)
	}
	return res
}
