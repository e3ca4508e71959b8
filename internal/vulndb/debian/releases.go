package debian

// releases maps a Debian codename to the version used in the OSV ecosystem
// "Debian:<version>". Releases from lenny on are numbered by their major
// version alone (lenny shipped as 5.0.x, bullseye as 11.x), as os-release's
// VERSION_ID gives them; the ones before keep their two-part numbers. sid
// (unstable) has no number and stays "sid".
func releaseVersion(codename string) (string, bool) {
	switch codename {
	case "buzz":
		return "1.1", true
	case "rex":
		return "1.2", true
	case "bo":
		return "1.3", true
	case "hamm":
		return "2.0", true
	case "slink":
		return "2.1", true
	case "potato":
		return "2.2", true
	case "woody":
		return "3.0", true
	case "sarge":
		return "3.1", true
	case "etch":
		return "4.0", true
	case "lenny":
		return "5", true
	case "squeeze":
		return "6", true
	case "wheezy":
		return "7", true
	case "jessie":
		return "8", true
	case "stretch":
		return "9", true
	case "buster":
		return "10", true
	case "bullseye":
		return "11", true
	case "bookworm":
		return "12", true
	case "trixie":
		return "13", true
	case "forky":
		return "14", true
	case "duke":
		return "15", true
	case "sid":
		return "sid", true
	}
	return "", false
}

// Ecosystem returns the OSV ecosystem of a Debian release codename
// ("bullseye" -> "Debian:11"), and false for a codename it does not know.
func Ecosystem(codename string) (string, bool) {
	v, ok := releaseVersion(codename)
	if !ok {
		return "", false
	}
	return "Debian:" + v, true
}
