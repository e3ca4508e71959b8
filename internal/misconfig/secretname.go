package misconfig

import "strings"

// secretWords are whole words of a variable name that mark a credential;
// secretPairs are two adjacent words that do.
var (
	secretWords = []string{"PASSWORD", "PASSWD", "PASS", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL", "CREDENTIALS", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY", "CLIENTSECRET", "AUTHTOKEN"}
	secretPairs = [][2]string{{"API", "KEY"}, {"ACCESS", "KEY"}, {"PRIVATE", "KEY"}, {"SECRET", "KEY"}, {"AUTH", "KEY"}, {"SIGNING", "KEY"}, {"ENCRYPTION", "KEY"}}
	// nonSecretSuffixes name where a secret is, not the secret.
	nonSecretSuffixes = []string{"FILE", "PATH", "DIR", "URL", "URI", "NAME", "USER", "USERNAME", "ID", "TYPE", "LENGTH", "LEN", "VERSION", "HEADER", "ENDPOINT", "HOST", "PORT"}
)

// SecretName reports whether an environment variable or build-argument
// name looks like it holds a credential: a word such as PASSWORD, TOKEN or
// SECRET, or a pair such as API_KEY, in FOO_BAR, foo-bar or fooBar form,
// unless its last word says where a secret is rather than the secret
// (DB_PASSWORD_FILE, TOKEN_URL). extra adds whole words (any case). Shared
// by the Dockerfile and image configuration checks, which must agree.
func SecretName(name string, extra ...string) bool {
	words := splitName(name)
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	for _, s := range nonSecretSuffixes {
		if last == s {
			return false
		}
	}
	for i, w := range words {
		for _, s := range secretWords {
			if w == s {
				return true
			}
		}
		for _, s := range extra {
			if w == strings.ToUpper(s) {
				return true
			}
		}
		if i > 0 {
			for _, p := range secretPairs {
				if words[i-1] == p[0] && w == p[1] {
					return true
				}
			}
		}
	}
	return false
}

// splitName splits FOO_BAR, foo-bar and fooBar into upper-case words.
func splitName(name string) []string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, strings.ToUpper(cur.String()))
			cur.Reset()
		}
	}
	prevLower := false
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			cur.WriteRune(r)
			prevLower = true
		case r >= 'A' && r <= 'Z':
			if prevLower {
				flush()
			}
			cur.WriteRune(r)
			prevLower = false
		default:
			flush()
			prevLower = false
		}
	}
	flush()
	return words
}
