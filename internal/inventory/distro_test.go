package inventory

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
)

func TestParseOSRelease(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     map[string]string
	}{
		{"plain", "ID=debian\nVERSION_ID=12\n", map[string]string{"ID": "debian", "VERSION_ID": "12"}},
		{"double quotes", `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"`, map[string]string{"PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)"}},
		{"single quotes keep backslashes", `A='x\"y $z'`, map[string]string{"A": `x\"y $z`}},
		{"escapes in double quotes", `A="a \"q\" \\ \$HOME \` + "`" + `x\n"`, map[string]string{"A": `a "q" \ $HOME ` + "`x\\n"}},
		{"unquoted escape", `A=a\ b\"c`, map[string]string{"A": `a b"c`}},
		{"concatenation", `A="x"'y'z`, map[string]string{"A": "xyz"}},
		{"comments and blanks", "# c\n\n   # indented comment\nID=alpine\n", map[string]string{"ID": "alpine"}},
		{"CRLF", "ID=\"rhel\"\r\nVERSION_ID=\"8.9\"\r\n", map[string]string{"ID": "rhel", "VERSION_ID": "8.9"}},
		{"trailing blanks", "ID=debian  \t\nNAME=\"x \"  \n", map[string]string{"ID": "debian", "NAME": "x "}},
		{"leading blanks", "  ID= debian\n", map[string]string{"ID": "debian"}},
		{"empty values", "A=\nB=\"\"\nC=''\n", map[string]string{"A": "", "B": "", "C": ""}},
		{"continuation in double quotes", "A=\"one \\\ntwo\"\nB=3\n", map[string]string{"A": "one two", "B": "3"}},
		{"newline inside quotes", "A=\"one\ntwo\"\nB=3\n", map[string]string{"A": "one\ntwo", "B": "3"}},
		{"unterminated quote", "A=\"open\nB=2\n", map[string]string{"A": "open\nB=2\n"[:len("open\nB=2")]}},
		{"invalid keys skipped", "1A=x\nA-B=y\n=z\nnot an assignment\nOK=1\n", map[string]string{"OK": "1"}},
		{"quote in a comment", "# don't \"quote\nID=debian\n", map[string]string{"ID": "debian"}},
		{"last wins", "ID=a\nID=b\n", map[string]string{"ID": "b"}},
		{"equals in value", "A=b=c\n", map[string]string{"A": "b=c"}},
		{"binary junk", "\x00\xff\nID=x\x00y\n", map[string]string{"ID": "x\x00y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, ParseOSRelease([]byte(tt.in))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// shellValues sources an os-release file with sh and prints the variables
// named: an independent reading of the same file.
func shellValues(t *testing.T, file string, keys []string) map[string]string {
	t.Helper()
	sh := testenv.Tool(t, "sh")
	script := ". \"$1\"; shift; for k; do eval \"printf '%s\\\\0' \\\"\\${$k}\\\"\"; done"
	out, err := exec.Command(sh, append([]string{"-c", script, "sh", file}, keys...)...).Output()
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	vals := strings.Split(string(out), "\x00")
	got := map[string]string{}
	for i, k := range keys {
		got[k] = vals[i]
	}
	return got
}

// TestParseOSReleaseLikeShell compares ParseOSRelease with the shell on files
// that are valid shell: the real os-release files and a tricky fixture.
func TestParseOSReleaseLikeShell(t *testing.T) {
	t.Parallel()
	tricky := filepath.Join(t.TempDir(), "os-release")
	content := "# comment\nNAME=\"Some \\\"Linux\\\" \\$x\"\nID=some\nID_LIKE='rhel fedora'\nPRETTY_NAME=\"A \\\nB\"\nV=a\"b\"'c'\\ d\n"
	if err := os.WriteFile(tricky, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{tricky, "/etc/os-release", "/usr/lib/os-release"}
	for _, suite := range []string{"bookworm", "bullseye"} {
		files = append(files, filepath.Join(testdataDir(), "debian", suite, "usr/lib/os-release"))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // absent here; the real-data tests report missing roots
		}
		got := ParseOSRelease(b)
		var keys []string
		for k := range got {
			keys = append(keys, k)
		}
		if diff := cmp.Diff(shellValues(t, f, keys), got); diff != "" {
			t.Errorf("%s (-sh +ParseOSRelease):\n%s", f, diff)
		}
		if len(got) < 3 {
			t.Errorf("%s: only %d keys", f, len(got))
		}
	}
}

func testdataDir() string {
	if d := os.Getenv("VIGIL_TESTDATA"); d != "" {
		return d
	}
	return "/var/cache/vigil-testdata"
}

func TestDetectDistro(t *testing.T) {
	t.Parallel()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	link := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: fs.ModeSymlink} }
	debian12 := "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n"
	tests := []struct {
		name string
		fsys fstest.MapFS
		want *Distro
	}{
		{"debian symlinked os-release", fstest.MapFS{
			"etc/os-release":     link("../usr/lib/os-release"),
			"usr/lib/os-release": file(debian12),
			"etc/debian_version": file("12.7\n"),
		}, &Distro{ID: "debian", VersionID: "12", Codename: "bookworm", Name: "Debian GNU/Linux",
			PrettyName: "Debian GNU/Linux 12 (bookworm)", Path: "etc/os-release"}},
		{"usr/lib only", fstest.MapFS{"usr/lib/os-release": file(debian12)},
			&Distro{ID: "debian", VersionID: "12", Codename: "bookworm", Name: "Debian GNU/Linux",
				PrettyName: "Debian GNU/Linux 12 (bookworm)", Path: "usr/lib/os-release"}},
		{"distroless", fstest.MapFS{"etc/os-release": file("PRETTY_NAME=\"Distroless\"\nNAME=\"Debian GNU/Linux\"\nID=\"debian\"\nVERSION_ID=\"12\"\nVERSION=\"Debian GNU/Linux 12 (bookworm)\"\nHOME_URL=\"https://github.com/GoogleContainerTools/distroless\"\n")},
			&Distro{ID: "debian", VersionID: "12", Codename: "bookworm", Name: "Debian GNU/Linux", PrettyName: "Distroless", Path: "etc/os-release"}},
		{"distroless 11 without VERSION", fstest.MapFS{"etc/os-release": file("PRETTY_NAME=\"Distroless\"\nID=debian\nVERSION_ID=\"11\"\n")},
			&Distro{ID: "debian", VersionID: "11", Codename: "bullseye", PrettyName: "Distroless", Path: "etc/os-release"}},
		{"sid", fstest.MapFS{
			"etc/os-release":     file("PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\nNAME=\"Debian GNU/Linux\"\nVERSION_CODENAME=trixie\nID=debian\n"),
			"etc/debian_version": file("trixie/sid\n"),
		}, &Distro{ID: "debian", Codename: "trixie", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux trixie/sid", Path: "etc/os-release"}},
		{"ubuntu", fstest.MapFS{
			"etc/os-release":     file("NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=jammy\n"),
			"etc/debian_version": file("bookworm/sid\n"),
		}, &Distro{ID: "ubuntu", VersionID: "22.04", Codename: "jammy", IDLike: []string{"debian"}, Name: "Ubuntu", Path: "etc/os-release"}},
		{"os-release without ID falls back", fstest.MapFS{
			"etc/os-release":     file("NAME=mystery\n"),
			"etc/debian_version": file("11.7\n"),
		}, &Distro{ID: "debian", VersionID: "11", Codename: "bullseye", Name: "Debian GNU/Linux", Path: "etc/debian_version"}},
		{"debian_version numeric", fstest.MapFS{"etc/debian_version": file("11.7\n")},
			&Distro{ID: "debian", VersionID: "11", Codename: "bullseye", Name: "Debian GNU/Linux", Path: "etc/debian_version"}},
		{"debian_version old", fstest.MapFS{"etc/debian_version": file("6.0.10\n")},
			&Distro{ID: "debian", VersionID: "6", Codename: "squeeze", Name: "Debian GNU/Linux", Path: "etc/debian_version"}},
		{"debian_version testing", fstest.MapFS{"etc/debian_version": file("bookworm/sid\n")},
			&Distro{ID: "debian", Codename: "bookworm", Name: "Debian GNU/Linux", Path: "etc/debian_version"}},
		{"debian_version junk", fstest.MapFS{"etc/debian_version": file("\x00\x01garbage\n")}, nil},
		{"alpine-release", fstest.MapFS{"etc/alpine-release": file("3.20.3\n")},
			&Distro{ID: "alpine", VersionID: "3.20.3", Name: "Alpine Linux", Path: "etc/alpine-release"}},
		{"alpine edge", fstest.MapFS{"etc/alpine-release": file("3.21_alpha20240807\n")},
			&Distro{ID: "alpine", VersionID: "3.21_alpha20240807", Name: "Alpine Linux", Path: "etc/alpine-release"}},
		{"mariner", fstest.MapFS{"etc/mariner-release": file("CBL-Mariner 2.0.20240123\nDISTRIB_CODENAME=Mariner\n")},
			&Distro{ID: "mariner", VersionID: "2.0", Name: "Common Base Linux Mariner", Path: "etc/mariner-release"}},
		{"azure linux", fstest.MapFS{"etc/azurelinux-release": file("Microsoft Azure Linux 3.0.20240727\nDISTRIB_CODENAME=AzureLinux\n")},
			&Distro{ID: "azurelinux", VersionID: "3.0", Name: "Microsoft Azure Linux", Path: "etc/azurelinux-release"}},
		{"rhel", fstest.MapFS{"etc/redhat-release": file("Red Hat Enterprise Linux release 8.9 (Ootpa)\n")},
			&Distro{ID: "rhel", VersionID: "8.9", Name: "Red Hat Enterprise Linux", Path: "etc/redhat-release"}},
		{"centos", fstest.MapFS{"etc/redhat-release": file("CentOS Linux release 7.9.2009 (Core)\n")},
			&Distro{ID: "centos", VersionID: "7", Name: "CentOS Linux", Path: "etc/redhat-release"}},
		{"rocky", fstest.MapFS{"etc/redhat-release": file("Rocky Linux release 9.3 (Blue Onyx)\n")},
			&Distro{ID: "rocky", VersionID: "9.3", Name: "Rocky Linux", Path: "etc/redhat-release"}},
		{"fedora", fstest.MapFS{"etc/redhat-release": file("Fedora release 39 (Thirty Nine)\n")},
			&Distro{ID: "fedora", VersionID: "39", Name: "Fedora", Path: "etc/redhat-release"}},
		{"unknown redhat-like", fstest.MapFS{"etc/redhat-release": file("Something release 1\n")}, nil},
		{"os-release is a folder", fstest.MapFS{"etc/os-release/x": file("ID=no\n"), "etc/alpine-release": file("3.18.9\n")},
			&Distro{ID: "alpine", VersionID: "3.18.9", Name: "Alpine Linux", Path: "etc/alpine-release"}},
		{"nothing", fstest.MapFS{"etc/hostname": file("box\n")}, nil},
		{"ID is lower-cased", fstest.MapFS{"etc/os-release": file("ID=Alpine\nVERSION_ID=3.20.3\n")},
			&Distro{ID: "alpine", VersionID: "3.20.3", Path: "etc/os-release"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DetectDistro(tt.fsys)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDetectDistroOversized(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("A=b\n"), maxReleaseFile)
	_, err := DetectDistro(fstest.MapFS{"etc/os-release": {Data: big}})
	if err == nil || !strings.Contains(err.Error(), "etc/os-release") {
		t.Errorf("err = %v, want one naming etc/os-release", err)
	}
}

func TestDistroGlobsCoverReads(t *testing.T) {
	t.Parallel()
	for _, p := range []string{osReleaseEtc, osReleaseUsrLib, alpineRelease, debianVersion, redhatRelease, marinerRelease, azureRelease} {
		ok := false
		for _, g := range DistroGlobs() {
			ok = ok || MatchGlob(g, p)
		}
		if !ok {
			t.Errorf("no glob matches %s", p)
		}
	}
}

// TestDetectDistroReal runs on the debootstrap roots and on this machine.
func TestDetectDistroReal(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ suite, version string }{{"bookworm", "12"}, {"bullseye", "11"}} {
		t.Run(tt.suite, func(t *testing.T) {
			t.Parallel()
			d, err := DetectDistro(os.DirFS(testenv.TestData(t, "debian", tt.suite)))
			if err != nil {
				t.Fatal(err)
			}
			if d == nil || d.ID != "debian" || d.VersionID != tt.version || d.Codename != tt.suite || d.Path != osReleaseEtc {
				t.Errorf("DetectDistro = %+v, want debian %s %s", d, tt.version, tt.suite)
			}
		})
	}
	t.Run("host", func(t *testing.T) {
		t.Parallel()
		if _, err := os.Stat("/etc/os-release"); err != nil {
			t.Skip("no /etc/os-release here")
		}
		d, err := DetectDistro(os.DirFS("/"))
		if err != nil {
			t.Fatal(err)
		}
		sh := shellValues(t, "/etc/os-release", []string{"ID", "VERSION_ID", "VERSION_CODENAME"})
		if d == nil || d.ID != sh["ID"] || d.VersionID != sh["VERSION_ID"] || (sh["VERSION_CODENAME"] != "" && d.Codename != sh["VERSION_CODENAME"]) {
			t.Errorf("DetectDistro = %+v, sh says %v", d, sh)
		}
	})
}

func FuzzOSRelease(f *testing.F) {
	f.Add([]byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n"))
	f.Add([]byte("A='x'\"y\"\\ z\nB=\"a \\\nb\"\n# c\n\r\n=\nC=\"open"))
	f.Add([]byte("ID=alpine\r\nVERSION_ID=3.20.3\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		kv := ParseOSRelease(data)
		for k := range kv {
			if !validKey(k) {
				t.Fatalf("invalid key %q", k)
			}
		}
		if len(kv) > bytes.Count(data, []byte("="))+1 {
			t.Fatalf("%d keys from %d '='", len(kv), bytes.Count(data, []byte("=")))
		}
		// DetectDistro never fails on content that fits, whatever it is.
		fsys := fstest.MapFS{"etc/os-release": {Data: data}, "etc/debian_version": {Data: data},
			"etc/redhat-release": {Data: data}, "etc/alpine-release": {Data: data}}
		if len(data) <= maxReleaseFile {
			if _, err := DetectDistro(fsys); err != nil {
				t.Fatal(err)
			}
		}
	})
}
