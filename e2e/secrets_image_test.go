package e2e_test

import (
	"archive/tar"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The fake credentials of the planted image are made at run time from a
// seeded generator and split literals (as internal/secrets does), so this
// repository holds no string that looks like a real secret to other
// scanners.
const (
	secUpper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	secLower  = "abcdefghijklmnopqrstuvwxyz"
	secDigits = "0123456789"
	secAlnum  = secUpper + secLower + secDigits
	secB64    = secAlnum + "+/"
	secB64URL = secAlnum + "-_"
	secAWSID  = secUpper + "234567"
)

// secGen is a deterministic, obviously generated credential body.
func secGen(seed uint64, alphabet string, n int) string {
	r := rand.New(rand.NewPCG(seed, 0x5ec7e75))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// plant is one secret placed in the image and the finding it must give.
type plant struct {
	rule  string
	layer int    // index of the layer holding the file; -1 for the image config
	path  string // image path, or "config:Env" ...
	// line is 1-based; for config values the entry's index in its list
	// (labels in key order), 1 for a history line.
	line    int
	column  int // 1-based; 0 for config values
	deleted bool
	// secret is the credential (the part a rule reports); random is its
	// generated part, of which no 8 bytes may appear in any output.
	secret, random string
	// only is "" for secrets found with the default flags, "size" for the
	// one in a file over the default size limit, "binary" for the one in a
	// binary file.
	only string
}

// secretsImage is the planted image:
//
//	layer 0: the Alpine 3.20.3 minirootfs (the official image's layer);
//	layer 1: files with planted credentials, three of them deleted again
//	         by layer 2 (app/deploy.env by its whiteout, opt/legacy/ by the
//	         whiteout of the directory, srv/cache/ by an opaque whiteout), a
//	         text file over the default size limit and a binary file, each
//	         with a secret, and decoys that must not be reported;
//	layer 2: the whiteouts and a harmless file;
//
// and a config whose Env, Labels and history (a RUN line and a build
// argument) hold secrets.
type secretsImage struct {
	img    v1.Image
	diffID [3]string
	plants []plant
}

// secFile is a file of the planted layer.
type secFile struct {
	name string
	mode int64
	body string
}

func buildSecretsImage(t *testing.T) *secretsImage {
	t.Helper()
	base := alpine(t, "3.20.3")
	si := &secretsImage{}
	var files []secFile
	// add places body at name and records a plant for each of secrets
	// (secret, random part, rule).
	add := func(name string, mode int64, body string, only string, ps ...plant) {
		files = append(files, secFile{name: name, mode: mode, body: body})
		for _, p := range ps {
			idx := strings.Index(body, p.secret)
			if idx < 0 {
				t.Fatalf("fixture: secret of %s not in %s", p.rule, name)
			}
			p.layer, p.path, p.only = 1, name, only
			p.line = strings.Count(body[:idx], "\n") + 1
			p.column = idx - (strings.LastIndexByte(body[:idx], '\n') + 1) + 1
			si.plants = append(si.plants, p)
		}
	}
	sec := func(rule, secret, random string) plant { return plant{rule: rule, secret: secret, random: random} }

	// AWS access key pair.
	awsID := secGen(1, secAWSID, 16)
	awsSecret := secGen(2, secB64, 40)
	add("root/.aws/credentials", 0o600,
		"[default]\naws_access_key_id = AK"+"IA"+awsID+"\naws_secret_access_key = "+awsSecret+"\nregion = eu-west-1\n", "",
		sec("VGL-SEC-AWS-ACCESS-KEY-ID", "AK"+"IA"+awsID, awsID),
		sec("VGL-SEC-AWS-SECRET-KEY", awsSecret, awsSecret))

	// Azure storage connection string in an ASP.NET settings file.
	azKey := secGen(3, secB64, 86)
	add("app/appsettings.json", 0o644,
		"{\n  \"Logging\": { \"LogLevel\": { \"Default\": \"Information\" } },\n  \"ConnectionStrings\": {\n"+
			"    \"Blobs\": \"DefaultEndpointsProtocol=https;AccountName=vigilshop;AccountKey="+azKey+"==;EndpointSuffix=core.windows.net\"\n"+
			"  },\n  \"AllowedHosts\": \"*\"\n}\n", "",
		sec("VGL-SEC-AZURE-STORAGE-CONNECTION-STRING", azKey+"==", azKey))

	// GitHub token in a dotenv file.
	ghp := secGen(4, secAlnum, 36)
	add("app/.env", 0o644, "NODE_ENV=production\nGITHUB_TOKEN=gh"+"p_"+ghp+"\nPORT=8080\n", "",
		sec("VGL-SEC-GITHUB-TOKEN", "gh"+"p_"+ghp, ghp))

	// PEM private key.
	pem1, pem2 := secGen(5, secB64, 64), secGen(6, secB64, 64)
	add("etc/ssl/private/app.key", 0o600,
		"-----BEGIN "+"PRIVATE KEY-----\n"+pem1+"\n"+pem2+"\n-----END "+"PRIVATE KEY-----\n", "",
		sec("VGL-SEC-PRIVATE-KEY", pem1, pem1))

	// Stripe key in an executable shell script.
	stripe := secGen(7, secAlnum, 24)
	add("usr/local/bin/charge.sh", 0o755,
		"#!/bin/sh\nset -eu\ncurl -fsS -u \"sk"+"_live_"+stripe+":\" -d amount=100 https://api.stripe.com/v1/charges\n", "",
		sec("VGL-SEC-STRIPE-KEY", "sk"+"_live_"+stripe, stripe))

	// JWT in a YAML config.
	jwtBody, jwtSig := secGen(8, secB64URL, 30), secGen(9, secB64URL, 43)
	jwt := "eyJhbGciOiJIUzI1NiJ9." + "eyJ" + jwtBody + "." + jwtSig
	add("app/config/auth.yaml", 0o644,
		"auth:\n  issuer: https://login.vigil.internal\n  audience: shop\n  service_jwt: "+jwt+"\n", "",
		sec("VGL-SEC-JWT", jwt, jwtBody+"."+jwtSig))

	// Azure AD client secret in a file that layer 2 deletes.
	entra := secGen(10, secAlnum, 3) + "8Q~" + secGen(11, secAlnum+"_~.-", 34)
	add("app/deploy.env", 0o600,
		"AZURE_TENANT_ID=4d1c2b3a-5e6f-4a7b-8c9d-0e1f2a3b4c5d\nAZURE_CLIENT_SECRET="+entra+"\n", "",
		plant{rule: "VGL-SEC-AZURE-CLIENT-SECRET", secret: entra, random: entra, deleted: true})

	// A SAS URL in a directory that layer 2 removes (whiteout of the
	// directory) and a storage key in one it empties (opaque whiteout).
	sas := secGen(22, secAlnum, 43)
	add("opt/legacy/backup.sh", 0o755,
		"#!/bin/sh\nazcopy copy /data \"https://vigilbak.blob.core.windows.net/nightly?sv=2022-11-02&ss=b&srt=co&sp=rwl&se=2031-01-01T00%3A00%3A00Z&sig="+sas+"%3D\"\n", "",
		plant{rule: "VGL-SEC-AZURE-SAS-TOKEN", secret: sas + "%3D", random: sas, deleted: true})
	azKey2 := secGen(23, secB64, 86)
	add("srv/cache/storage.yaml", 0o644, "storage:\n  account: vigilcache\n  AccountKey: \""+azKey2+"==\"\n", "",
		plant{rule: "VGL-SEC-AZURE-STORAGE-KEY", secret: azKey2 + "==", random: azKey2, deleted: true})

	// Decoys: placeholders and documented example values; none is a finding.
	add("app/README.md", 0o644,
		"# shop\n\nSet `password = \"changeme\"` in app.env, or `DB_PASSWORD=${DB_PASSWORD}`.\n"+
			"The AWS docs use aws_access_key_id = AK"+"IAIOSFODNN7"+"EXAMPLE.\n"+
			"Connect with postgres://user:password@localhost:5432/shop.\n", "")

	// A text file over the default 10 MiB limit, with a GitLab token on
	// its third line.
	glpat := secGen(12, secAlnum, 20)
	var big strings.Builder
	big.WriteString("2024-09-06T00:00:00Z INFO shop starting\n2024-09-06T00:00:01Z INFO loaded config\n")
	big.WriteString("2024-09-06T00:00:02Z DEBUG ci push with gl" + "pat-" + glpat + " ok\n")
	for big.Len() < 11<<20 {
		big.WriteString("2024-09-06T00:00:03Z INFO GET /healthz 200 0.4ms\n")
	}
	add("var/log/shop/debug.log", 0o644, big.String(), "size",
		sec("VGL-SEC-GITLAB-TOKEN", "gl"+"pat-"+glpat, glpat))

	// A binary file (NUL bytes in its first 8 KiB) holding a Slack token.
	slack := secGen(13, secDigits, 12) + "-" + secGen(14, secDigits, 13) + "-" + secGen(15, secAlnum, 24)
	add("app/bin/notifier", 0o755,
		"\x7fELF\x02\x01\x01\x00"+strings.Repeat("\x00", 56)+"\nSLACK_BOT=xo"+"xb-"+slack+"\n"+strings.Repeat("\x00\x01\x02", 1000), "binary",
		sec("VGL-SEC-SLACK-TOKEN", "xo"+"xb-"+slack, slack))

	// The image config.
	npm := secGen(16, secAlnum, 36)
	hookA, hookB, hookC := secGen(17, secUpper+secDigits, 8), secGen(18, secUpper+secDigits, 8), secGen(19, secAlnum, 24)
	pw := secGen(20, secAlnum, 16)
	pypi := secGen(21, secB64URL, 70)
	env := []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NPM_TOKEN=np" + "m_" + npm, "NODE_ENV=production"}
	labels := map[string]string{
		"org.opencontainers.image.title": "shop",
		"com.vigil.notify":               "https://hooks.slack.com/services/T" + hookA + "/B" + hookB + "/" + hookC,
	}
	curl := "/bin/sh -c curl -fsSL https://deploy:" + pw + "@artifacts.corp.internal/shop/app.tgz | tar -xz -C /app"
	si.plants = append(si.plants,
		plant{rule: "VGL-SEC-NPM-TOKEN", layer: -1, path: "config:Env", line: 2, secret: "np" + "m_" + npm, random: npm},
		plant{rule: "VGL-SEC-SLACK-WEBHOOK", layer: -1, path: "config:Labels", line: 1,
			secret: "T" + hookA + "/B" + hookB + "/" + hookC, random: hookC},
		plant{rule: "VGL-SEC-BASIC-AUTH-URL", layer: -1, path: "config:history[1]", line: 1, secret: pw, random: pw},
		plant{rule: "VGL-SEC-PYPI-TOKEN", layer: -1, path: "config:history[2]", line: 1,
			secret: "py" + "pi-AgEIcHlwaS5vcmc" + pypi, random: pypi},
	)

	dir := t.TempDir()
	var (
		layers [2]v1.Layer
		errs   [2]error
		wg     sync.WaitGroup
	)
	layerFiles := [2][]secFile{files, {
		{name: "app/.wh.deploy.env", mode: 0o644},
		{name: "opt/.wh.legacy", mode: 0o644},
		{name: "srv/cache/.wh..wh..opq", mode: 0o644},
		{name: "app/VERSION", mode: 0o644, body: "1.4.2\n"},
	}}
	for i := range layers {
		wg.Go(func() {
			layers[i], errs[i] = gzipLayer(filepath.Join(dir, fmt.Sprintf("secrets%d.tar.gz", i+1)), types.DockerLayer,
				func(w io.Writer) error { return writeSecFiles(w, layerFiles[i]) })
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	img, err := mutate.AppendLayers(base.img, layers[:]...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	created := v1.Time{Time: time.Date(2024, 9, 6, 0, 0, 0, 0, time.UTC)}
	cf.Created = created
	cf.Config.Env = env
	cf.Config.Labels = labels
	cf.Config.User = "65534"
	cf.History = []v1.History{
		{Created: created, CreatedBy: "/bin/sh -c #(nop) ADD file:alpine-minirootfs-3.20.3-x86_64.tar.gz in / "},
		{Created: created, CreatedBy: curl},
		// A build argument, as docker build records it.
		{Created: created, CreatedBy: "|1 PYPI_UPLOAD=py" + "pi-AgEIcHlwaS5vcmc" + pypi + " /bin/sh -c rm -r /app/deploy.env /opt/legacy /srv/cache && mkdir /srv/cache && echo 1.4.2 > /app/VERSION"},
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	si.img = img
	all, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("planted image has %d layers, want 3", len(all))
	}
	for i, l := range all {
		d, err := l.DiffID()
		if err != nil {
			t.Fatal(err)
		}
		si.diffID[i] = d.String()
	}
	return si
}

// writeSecFiles writes files as a tar stream, with their parent directories.
func writeSecFiles(w io.Writer, files []secFile) error {
	tw := tar.NewWriter(w)
	mtime := time.Date(2024, 9, 6, 0, 0, 0, 0, time.UTC)
	dirs := map[string]bool{}
	for _, f := range files {
		var parents []string
		for d := filepath.Dir(f.name); d != "." && !dirs[d]; d = filepath.Dir(d) {
			parents = append([]string{d}, parents...)
			dirs[d] = true
		}
		for _, d := range parents {
			if err := tw.WriteHeader(&tar.Header{Name: d + "/", Mode: 0o755, ModTime: mtime, Typeflag: tar.TypeDir}); err != nil {
				return err
			}
		}
		h := &tar.Header{Name: f.name, Mode: f.mode, ModTime: mtime, Typeflag: tar.TypeReg, Size: int64(len(f.body))}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := io.WriteString(tw, f.body); err != nil {
			return err
		}
	}
	return tw.Close()
}
