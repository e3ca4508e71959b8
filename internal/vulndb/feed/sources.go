package feed

// Formats, as in Source.Format and vulndb.SourceInfo.Format.
const (
	FormatAlpine     = "alpine-secdb"
	FormatDebianDSA  = "debian-dsa-list"
	FormatDebianDLA  = "debian-dla-list"
	FormatDebianCVE  = "debian-cve-list"
	FormatDebianJSON = "debian-json"
	FormatOVAL       = "oval"
	FormatOSV        = "osv"
	FormatKEV        = "cisa-kev"
)

// Stable source names: importing or updating a source of the same name
// replaces all its records. OSV sources are "osv-<name>" and OVAL sources
// "oval-<file base>".
const (
	NameAlpine     = "alpine-secdb"
	NameDebianDSA  = "debian-dsa"
	NameDebianDLA  = "debian-dla"
	NameDebianCVE  = "debian-cve"
	NameDebianJSON = "debian-json"
	NameKEV        = "cisa-kev"
)

// Defaults are the public sources `vigil db update` fetches.
func Defaults() []Source {
	var alpine []string
	for _, br := range []string{"v3.18", "v3.19", "v3.20", "v3.21", "v3.22", "edge"} {
		for _, repo := range []string{"main", "community"} {
			alpine = append(alpine, "https://secdb.alpinelinux.org/"+br+"/"+repo+".json")
		}
	}
	const salsa = "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/"
	srcs := []Source{
		{Name: NameAlpine, Format: FormatAlpine, URLs: alpine},
		{Name: NameDebianJSON, Format: FormatDebianJSON, URLs: []string{"https://security-tracker.debian.org/tracker/data/json"}},
		{Name: NameDebianDSA, Format: FormatDebianDSA, URLs: []string{salsa + "DSA/list"}},
		{Name: NameDebianDLA, Format: FormatDebianDLA, URLs: []string{salsa + "DLA/list"}},
	}
	for _, eco := range []string{"Go", "PyPI", "crates.io", "npm", "Maven"} {
		srcs = append(srcs, Source{Name: osvName(eco), Format: FormatOSV,
			URLs: []string{"https://osv-vulnerabilities.storage.googleapis.com/" + eco + "/all.zip"}})
	}
	for _, f := range []string{"azurelinux-3.0-oval.xml", "cbl-mariner-2.0-oval.xml"} {
		srcs = append(srcs, Source{Name: ovalName(f), Format: FormatOVAL,
			URLs: []string{"https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main/" + f}})
	}
	for _, rel := range []string{"noble", "jammy"} {
		f := "com.ubuntu." + rel + ".usn.oval.xml.bz2"
		srcs = append(srcs, Source{Name: ovalName(f), Format: FormatOVAL,
			URLs: []string{"https://security-metadata.canonical.com/oval/" + f}})
	}
	srcs = append(srcs, Source{Name: NameKEV, Format: FormatKEV,
		URLs: []string{"https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"}})
	return srcs
}
