package secrets

import (
	"slices"

	"github.com/vigil-sec/vigil/internal/finding"
)

// Rule is one kind of secret. A rule is plain data; New compiles and checks
// it.
type Rule struct {
	// ID is stable across releases ("VGL-SEC-GITHUB-TOKEN"); a user rule
	// with the same ID replaces the built-in one.
	ID          string
	Title       string
	Severity    finding.Severity
	Remediation string
	// Keywords are lower-case literals; the pattern only runs on lines that
	// hold at least one of them. At least one is required.
	Keywords []string
	// Pattern is an RE2 expression (Go regexp syntax). Groups named
	// "secret" mark the secret; the first that matched is used, else the
	// whole match.
	Pattern string
	// Before, when set, is how many bytes before a keyword a match may
	// start (count one more for a \b or other look at the byte before);
	// the match must then also end within 512 bytes after the keyword. 0
	// means anywhere on the keyword's line (plus Lines). Smaller windows
	// are faster.
	Before int
	// Lines is how many lines after the keyword line the pattern may span
	// (0: one line only).
	Lines int
	// MinEntropy, when set, is the least Shannon entropy in bits per byte
	// the secret must have.
	MinEntropy float64
	// MinClasses, when set, is how many of the character classes lower
	// case, upper case, digit and other the secret must mix (3 keeps
	// identifiers and hex digests out).
	MinClasses int
	// MinLength and MaxLength, when set, bound the length of the secret.
	MinLength, MaxLength int
	// Allow lists case-insensitive substrings that mark a secret as a
	// placeholder (it is then not reported).
	Allow []string
	// AllowPattern, when set, is an RE2 expression; a secret it matches
	// in full is not reported (source code: an attribute path such as
	// Token.Name.Builtin where a value was expected).
	AllowPattern string
}

// DefaultAllow is the placeholder list every built-in rule uses.
var defaultAllow = []string{
	"example", "xxxx", "****", "....", "<your", "your_", "your-", "changeme", "change_me", "change-me",
	"placeholder", "dummy", "sample", "redacted", "notreal", "not_real", "not-a-real", "fake", "test",
	"${", "{{", "$(", "%s", "%(", "0000000000", "1234567890", "abcdefgh", "replace",
}

// Default returns the built-in rules, most specific first: when two rules
// match the same text, the earlier one is reported.
func Default() []Rule {
	rules := []Rule{
		{
			ID: "VGL-SEC-GCP-SERVICE-ACCOUNT", Title: "GCP service account key", Severity: finding.SeverityCritical,
			Remediation: "Delete the key in Google Cloud IAM, create a new one and mount it at run time (or use workload identity) instead of baking it into the image.",
			Keywords:    []string{"service_account"},
			Pattern:     `"type"\s*:\s*"service_account"[\s\S]{0,600}?"private_key"\s*:\s*"-----BEGIN[ A-Z]{0,20}PRIVATE KEY-----(?:\\n)+(?P<secret>[A-Za-z0-9+/=]{40,})`,
			Lines:       8, MinEntropy: 4.0,
		},
		{
			ID: "VGL-SEC-PRIVATE-KEY", Title: "Private key", Severity: finding.SeverityCritical,
			Remediation: "Remove the key from the image, revoke or rotate it, and provide it at run time from a secret store.",
			Keywords:    []string{"private key"},
			Pattern:     `-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:\\r|\\n|\s)*(?:[A-Za-z-]{2,20}: [^\r\n]{0,200}(?:\\n|\r?\n))*(?:\\n|\s)*(?P<secret>[A-Za-z0-9+/=]{40,})`,
			Lines:       4, MinEntropy: 4.0,
		},
		{
			ID: "VGL-SEC-AZURE-STORAGE-CONNECTION-STRING", Title: "Azure storage connection string", Severity: finding.SeverityCritical,
			Remediation: "Rotate the storage account key in the Azure portal and use a managed identity or a secret store instead.",
			Keywords:    []string{"defaultendpointsprotocol"},
			Pattern:     `(?i)DefaultEndpointsProtocol=https?;\s*AccountName=[a-z0-9]{3,24};\s*AccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)`,
			Before:      2,
			MinEntropy:  4.0,
		},
		{
			ID: "VGL-SEC-AZURE-STORAGE-KEY", Title: "Azure storage account key", Severity: finding.SeverityCritical,
			Remediation: "Rotate the storage account key in the Azure portal and use a managed identity or a secret store instead.",
			Keywords:    []string{"accountkey"},
			Pattern:     `(?i)AccountKey\s*[=:]\s*["']?(?P<secret>[A-Za-z0-9+/]{86}==)`,
			Before:      2,
			MinEntropy:  4.0,
		},
		{
			ID: "VGL-SEC-AZURE-SERVICEBUS-CONNECTION-STRING", Title: "Azure Service Bus / Event Hubs connection string", Severity: finding.SeverityCritical,
			Remediation: "Regenerate the shared access key of the namespace or entity and use a managed identity or a secret store instead.",
			Keywords:    []string{"sharedaccesskey="},
			Pattern:     `(?i)Endpoint=sb://[a-z0-9.-]+/?;\s*SharedAccessKeyName=[^;\s"']{1,256};\s*SharedAccessKey=(?P<secret>[A-Za-z0-9+/]{43}=)`,
			MinEntropy:  3.5,
		},
		{
			ID: "VGL-SEC-AZURE-SAS-TOKEN", Title: "Azure shared access signature", Severity: finding.SeverityHigh,
			Remediation: "Revoke the SAS (rotate the key that signed it or delete its stored access policy) and issue short-lived SAS tokens at run time.",
			Keywords:    []string{"sig="},
			Pattern:     `\bsv=\d{4}-\d{2}-\d{2}&[^\s"'<>]{0,400}?\bsig=(?P<secret>[A-Za-z0-9%+/]{40,100}(?:=|%3[Dd]){0,2})|\bsig=(?P<secret>[A-Za-z0-9%+/]{40,100}(?:=|%3[Dd]){0,2})&[^\s"'<>]{0,400}?\bsv=\d{4}-\d{2}-\d{2}`,
			MinEntropy:  4.0,
		},
		{
			ID: "VGL-SEC-AZURE-CLIENT-SECRET", Title: "Azure AD / Entra ID client secret", Severity: finding.SeverityHigh,
			Remediation: "Delete the client secret in the app registration, create a new one and load it at run time, or use a certificate or managed identity.",
			Keywords:    []string{"q~"},
			Pattern:     `(?:^|[^A-Za-z0-9_~.-])(?P<secret>[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?:$|[^A-Za-z0-9_~.-])`,
			Before:      8,
			MinEntropy:  3.5,
		},
		{
			ID: "VGL-SEC-AWS-ACCESS-KEY-ID", Title: "AWS access key ID", Severity: finding.SeverityHigh,
			Remediation: "Deactivate and delete the access key in AWS IAM and use an instance or task role instead of static keys.",
			Keywords:    []string{"akia", "asia"},
			Pattern:     `\b(?P<secret>(?:AKIA|ASIA)[A-Z2-7]{16})\b`,
			Before:      2,
			MinEntropy:  3.0,
		},
		{
			ID: "VGL-SEC-AWS-SECRET-KEY", Title: "AWS secret access key", Severity: finding.SeverityCritical,
			Remediation: "Deactivate and delete the access key in AWS IAM and use an instance or task role instead of static keys.",
			Keywords:    []string{"aws_secret", "aws-secret", "awssecret", "aws.secret", "secret_access_key", "secretaccesskey", "secret-access-key"},
			Pattern:     `(?i)(?:aws[_.-]?secret[_.-]?(?:access[_.-]?)?key|secret[_.-]?access[_.-]?key)(?:["'\]]|_id)?\s*(?:=|:=|:|=>)\s*["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`,
			Before:      8,
			MinEntropy:  4.0,
		},
		{
			ID: "VGL-SEC-GITHUB-TOKEN", Title: "GitHub token", Severity: finding.SeverityHigh,
			Remediation: "Revoke the token on GitHub (Settings > Developer settings, or the app's installation) and pass a short-lived token at run time.",
			Keywords:    []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"},
			Pattern:     `\b(?P<secret>gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b`,
			Before:      2,
			MinEntropy:  3.0,
		},
		{
			ID: "VGL-SEC-GITLAB-TOKEN", Title: "GitLab personal access token", Severity: finding.SeverityHigh,
			Remediation: "Revoke the token in GitLab (User settings > Access tokens) and pass a short-lived token at run time.",
			Keywords:    []string{"glpat-"},
			Pattern:     `\b(?P<secret>glpat-[A-Za-z0-9_.-]{20,64})(?:[^A-Za-z0-9_.-]|$)`,
			Before:      2,
			MinEntropy:  3.0,
		},
		{
			ID: "VGL-SEC-NPM-TOKEN", Title: "npm access token", Severity: finding.SeverityHigh,
			Remediation: "Revoke the token (npm token revoke) and use a build secret instead of writing it into .npmrc in a layer.",
			Keywords:    []string{"npm_"},
			Pattern:     `\b(?P<secret>npm_[A-Za-z0-9]{36})\b`,
			Before:      2,
			MinEntropy:  3.0,
		},
		{
			ID: "VGL-SEC-PYPI-TOKEN", Title: "PyPI API token", Severity: finding.SeverityHigh,
			Remediation: "Remove the token in the PyPI account settings and use trusted publishing or a build secret.",
			Keywords:    []string{"pypi-ageichlwas5vcmc"},
			Pattern:     `\b(?P<secret>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})`,
			Before:      2,
			MinEntropy:  3.0,
		},
		{
			ID: "VGL-SEC-SLACK-TOKEN", Title: "Slack token", Severity: finding.SeverityHigh,
			Remediation: "Revoke the token in the Slack app settings and load it at run time from a secret store.",
			Keywords:    []string{"xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-"},
			Pattern:     `\b(?P<secret>xox[baprs]-[0-9]{8,14}-[0-9A-Za-z-]{8,120})`,
			Before:      2,
			MinEntropy:  3.0,
		},
		{
			ID: "VGL-SEC-SLACK-WEBHOOK", Title: "Slack webhook URL", Severity: finding.SeverityMedium,
			Remediation: "Regenerate the webhook URL in the Slack app settings and load it at run time.",
			Keywords:    []string{"hooks.slack.com"},
			Pattern:     `https://hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>[A-Za-z0-9+/]{8,}/[A-Za-z0-9+/]{8,}(?:/[A-Za-z0-9+/]{8,})?)`,
			Before:      10,
			MinEntropy:  3.0,
		},
		{
			ID: "VGL-SEC-STRIPE-KEY", Title: "Stripe live key", Severity: finding.SeverityCritical,
			Remediation: "Roll the key in the Stripe dashboard (Developers > API keys) and load it at run time.",
			Keywords:    []string{"sk_live_", "rk_live_"},
			Pattern:     `\b(?P<secret>(?:sk|rk)_live_[A-Za-z0-9]{20,99})\b`,
			Before:      2,
			MinEntropy:  3.0,
		},
		{
			ID: "VGL-SEC-JWT", Title: "JSON Web Token", Severity: finding.SeverityMedium,
			Remediation: "Revoke the token (or rotate its signing key) and do not store bearer tokens in images.",
			Keywords:    []string{"eyj"},
			Pattern:     `\b(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})`,

			MinEntropy: 3.5,
		},
		{
			ID: "VGL-SEC-BASIC-AUTH-URL", Title: "Credentials in URL", Severity: finding.SeverityHigh,
			Remediation: "Remove the password from the URL, change it, and pass credentials at run time (secret store or credential helper).",
			Keywords:    []string{"://"},
			Pattern:     `\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:@/"'<>$\{\}]{1,64}:(?P<secret>[^\s:@/"'<>$\{\}]{3,128})@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*`,
			Before:      24,
			MinLength:   6,
			Allow:       []string{"pass", "ssword", "pwd", "secret", "token", "user", "***"},
		},
		{
			ID: "VGL-SEC-GENERIC-ASSIGNMENT", Title: "Hard-coded secret", Severity: finding.SeverityMedium,
			Remediation: "Move the value to a secret store or a run-time environment variable and change it.",
			Keywords:    []string{"password", "passwd", "secret", "token", "api_key", "apikey", "api-key", "access_key", "accesskey", "auth_key", "credential"},
			Pattern:     `(?i)(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|credentials?)[A-Za-z0-9_.-]{0,32}["'\]]?\s*(?:=|:=|:|=>)\s*["']?(?P<secret>[^\s"'\x60,;<>$\{\}()\[\]\\]+)(?:["'\x60\s,;]|$)`,
			Before:      2,
			MinEntropy:  3.5, MinLength: 8, MaxLength: 200, MinClasses: 3,
			Allow: []string{"password", "passwd", "secret", "token", "credential", "/", "none", "null", "true", "false"},
			// An attribute path (self.key, Name.Builtin.Pseudo,
			// os.environ.get) is code reading a value, not a value.
			AllowPattern: `[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)+`,
		},
	}
	for i := range rules {
		rules[i].Allow = append(rules[i].Allow, defaultAllow...)
	}
	return rules
}

// Merge returns base with each rule of extra replacing the base rule of the
// same ID in place, and the other extra rules appended in their order.
func Merge(base, extra []Rule) []Rule {
	out := slices.Clone(base)
	for _, e := range extra {
		if i := slices.IndexFunc(out, func(r Rule) bool { return r.ID == e.ID }); i >= 0 {
			out[i] = e
		} else {
			out = append(out, e)
		}
	}
	return out
}
