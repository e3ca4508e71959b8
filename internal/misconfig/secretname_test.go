package misconfig

import "testing"

func TestSecretName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "apiKey": true, "GITHUB_TOKEN": true, "aws-secret-access-key": true, "CLIENT_SECRET": true,
		"DB_PASSWORD_FILE": false, "TOKEN_URL": false, "PATH": false, "KEYBOARD": false, "MONKEY": false, "": false, "_": false,
	} {
		if got := SecretName(name); got != want {
			t.Errorf("SecretName(%q) = %v, want %v", name, got, want)
		}
	}
	if !SecretName("MY_PIN", "pin") || SecretName("MY_PIN") {
		t.Error("extra words")
	}
}

func FuzzSecretName(f *testing.F) {
	for _, s := range []string{"DB_PASSWORD", "fooBarKey", "ÄÖ_TOKEN", "__"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { SecretName(s, "x") })
}
