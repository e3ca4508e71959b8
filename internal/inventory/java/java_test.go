package java

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/image/imagetest"
	"github.com/vigil-sec/vigil/internal/inventory"
)

const low = inventory.ConfidenceLow

func TestCatalog(t *testing.T) {
	t.Parallel()
	log4j := zipOf(t, mf("Implementation-Title: Apache Log4j Core", "Implementation-Version: 2.14.1"),
		pom("org.apache.logging.log4j", "log4j-core", "2.14.1"), class("org/apache/logging/log4j/core/Logger.class"))
	jackson := zipOf(t, pom("com.fasterxml.jackson.core", "jackson-databind", "2.12.1"))
	springCore := zipOf(t, mf("Implementation-Title: spring-core", "Implementation-Version: 5.2.20.RELEASE",
		"Automatic-Module-Name: spring.core"), class("org/springframework/core/SpringVersion.class"))
	tests := []struct {
		name  string
		files map[string][]byte
		want  []pkg
	}{
		{
			name:  "plain jar with its pom.properties",
			files: map[string][]byte{"usr/share/java/jackson-databind-2.12.1.jar": jackson},
			want:  []pkg{{"com.fasterxml.jackson.core:jackson-databind", "2.12.1", "usr/share/java/jackson-databind-2.12.1.jar", ""}},
		},
		{
			name: "shaded jar reports itself and every shaded library",
			files: map[string][]byte{"opt/wagon-http-3.5.3-shaded.jar": zipOf(t,
				mf("Implementation-Title: Apache Maven Wagon :: HTTP", "Implementation-Version: 3.5.3"),
				pom("commons-codec", "commons-codec", "1.15"),
				pom("org.apache.httpcomponents", "httpclient", "4.5.14"),
				pom("org.apache.httpcomponents", "httpcore", "4.4.16"),
				pom("org.apache.maven.wagon", "wagon-http", "3.5.3"),
				pom("org.apache.maven.wagon", "wagon-http-shared", "3.5.3"))},
			want: []pkg{
				{"commons-codec:commons-codec", "1.15", "opt/wagon-http-3.5.3-shaded.jar", ""},
				{"org.apache.httpcomponents:httpclient", "4.5.14", "opt/wagon-http-3.5.3-shaded.jar", ""},
				{"org.apache.httpcomponents:httpcore", "4.4.16", "opt/wagon-http-3.5.3-shaded.jar", ""},
				{"org.apache.maven.wagon:wagon-http", "3.5.3", "opt/wagon-http-3.5.3-shaded.jar", ""},
				{"org.apache.maven.wagon:wagon-http-shared", "3.5.3", "opt/wagon-http-3.5.3-shaded.jar", ""},
			},
		},
		{
			name: "uber jar without its own pom.properties adds its manifest identity",
			files: map[string][]byte{"app/myapp-1.0.jar": zipOf(t,
				mf("Implementation-Title: myapp", "Implementation-Version: 1.0", "Implementation-Vendor-Id: com.example"),
				pom("commons-codec", "commons-codec", "1.15"))},
			want: []pkg{
				{"com.example:myapp", "1.0", "app/myapp-1.0.jar", low},
				{"commons-codec:commons-codec", "1.15", "app/myapp-1.0.jar", ""},
			},
		},
		{
			name: "war with WEB-INF/lib",
			files: map[string][]byte{"srv/app/app.war": zipOf(t,
				mf("Implementation-Version: 0.0.1-SNAPSHOT"),
				pom("com.example", "app", "0.0.1-SNAPSHOT"),
				class("WEB-INF/classes/com/example/App.class"),
				nestedJar("WEB-INF/lib/log4j-core-2.14.1.jar", log4j),
				nestedJar("WEB-INF/lib/jackson-databind-2.12.1.jar", jackson),
				nestedJar("WEB-INF/lib/spring-core-5.2.20.RELEASE.jar", springCore))},
			want: []pkg{
				{"com.example:app", "0.0.1-SNAPSHOT", "srv/app/app.war", ""},
				{"com.fasterxml.jackson.core:jackson-databind", "2.12.1", "srv/app/app.war!/WEB-INF/lib/jackson-databind-2.12.1.jar", ""},
				{"org.apache.logging.log4j:log4j-core", "2.14.1", "srv/app/app.war!/WEB-INF/lib/log4j-core-2.14.1.jar", ""},
				{"spring-core", "5.2.20.RELEASE", "srv/app/app.war!/WEB-INF/lib/spring-core-5.2.20.RELEASE.jar", low},
			},
		},
		{
			name: "Spring Boot jar with stored BOOT-INF/lib",
			files: map[string][]byte{"app.jar": zipOf(t,
				mf("Main-Class: org.springframework.boot.loader.JarLauncher", "Start-Class: com.example.demo.DemoApplication",
					"Spring-Boot-Version: 2.6.3", "Spring-Boot-Lib: BOOT-INF/lib/"),
				pom("com.example", "demo", "0.0.1-SNAPSHOT"),
				class("BOOT-INF/classes/com/example/demo/DemoApplication.class"),
				storedJar("BOOT-INF/lib/log4j-core-2.14.1.jar", log4j),
				storedJar("BOOT-INF/lib/jackson-databind-2.12.1.jar", jackson))},
			want: []pkg{
				{"com.example:demo", "0.0.1-SNAPSHOT", "app.jar", ""},
				{"com.fasterxml.jackson.core:jackson-databind", "2.12.1", "app.jar!/BOOT-INF/lib/jackson-databind-2.12.1.jar", ""},
				{"org.apache.logging.log4j:log4j-core", "2.14.1", "app.jar!/BOOT-INF/lib/log4j-core-2.14.1.jar", ""},
			},
		},
		{
			name: "ear with a war with a jar",
			files: map[string][]byte{"opt/app.ear": zipOf(t,
				nestedJar("lib/jackson-databind-2.12.1.jar", jackson),
				nestedJar("web.war", zipOf(t, nestedJar("WEB-INF/lib/log4j-core-2.14.1.jar", log4j))))},
			want: []pkg{
				{"com.fasterxml.jackson.core:jackson-databind", "2.12.1", "opt/app.ear!/lib/jackson-databind-2.12.1.jar", ""},
				{"org.apache.logging.log4j:log4j-core", "2.14.1", "opt/app.ear!/web.war!/WEB-INF/lib/log4j-core-2.14.1.jar", ""},
			},
		},
		{
			name: "manifest only: group from Bundle-SymbolicName",
			files: map[string][]byte{"lib/commons-text-1.9.jar": zipOf(t,
				mf("Bundle-SymbolicName: org.apache.commons.text", "Bundle-Version: 1.9.0", "Implementation-Version: 1.9",
					"Implementation-Title: Apache Commons Text"))},
			want: []pkg{{"org.apache.commons:commons-text", "1.9", "lib/commons-text-1.9.jar", low}},
		},
		{
			name: "manifest only, renamed file: title and Implementation-Vendor-Id",
			files: map[string][]byte{"lib/snakeyaml.jar": zipOf(t,
				mf("Implementation-Title: snakeyaml", "Implementation-Version: 1.26", "Implementation-Vendor-Id: org.yaml"))},
			want: []pkg{{"org.yaml:snakeyaml", "1.26", "lib/snakeyaml.jar", low}},
		},
		{
			name: "Jenkins plugin",
			files: map[string][]byte{"var/jenkins_home/plugins/git.jpi": zipOf(t,
				mf("Short-Name: git", "Implementation-Title: git", "Implementation-Version: 4.10.0", "Group-Id: org.jenkins-ci.plugins",
					"Plugin-Version: 4.10.0"),
				nestedJar("WEB-INF/lib/git.jar", zipOf(t, class("hudson/plugins/git/GitSCM.class"))))},
			want: []pkg{{"git", "4.10.0", "var/jenkins_home/plugins/git.jpi", low}},
		},
		{
			name:  "file name only",
			files: map[string][]byte{"opt/lib/commons-text-1.9.jar": zipOf(t, class("org/apache/commons/text/StringSubstitutor.class"))},
			want:  []pkg{{"commons-text", "1.9", "opt/lib/commons-text-1.9.jar", low}},
		},
		{
			name:  "file name without a version gives nothing",
			files: map[string][]byte{"opt/lib/commons-text.jar": zipOf(t, class("org/apache/commons/text/StringSubstitutor.class"))},
			want:  []pkg{},
		},
		{
			name: "Debian jar and its symlink: read once",
			files: map[string][]byte{"usr/share/java/commons-lang3.jar": zipOf(t,
				mf("Implementation-Version: 3.12.0", "Bundle-SymbolicName: org.apache.commons.lang3"),
				pom("org.apache.commons", "commons-lang3", "3.12.0"))},
			want: []pkg{{"org.apache.commons:commons-lang3", "3.12.0", "usr/share/java/commons-lang3.jar", ""}},
		},
		{
			name:  "the same jar at two paths is two packages",
			files: map[string][]byte{"a/jackson-databind-2.12.1.jar": jackson, "b/x.war": zipOf(t, nestedJar("WEB-INF/lib/j.jar", jackson))},
			want: []pkg{
				{"com.fasterxml.jackson.core:jackson-databind", "2.12.1", "a/jackson-databind-2.12.1.jar", ""},
				{"com.fasterxml.jackson.core:jackson-databind", "2.12.1", "b/x.war!/WEB-INF/lib/j.jar", ""},
			},
		},
		{
			name:  "other files are not read",
			files: map[string][]byte{"a/notes.txt": []byte("x"), "a/app.zip": jackson, "a/JACKSON.JAR": jackson},
			want:  []pkg{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := New(nil).Catalog(t.Context(), mapFS(tc.files))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, compact(got)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSymlinkReadOnce: Debian's unversioned link to a jar is not read again.
func TestSymlinkReadOnce(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"usr/share/java/commons-lang3-3.12.0.jar": {Data: zipOf(t, pom("org.apache.commons", "commons-lang3", "3.12.0")), Mode: 0o644},
		"usr/share/java/commons-lang3.jar":        {Data: []byte("commons-lang3-3.12.0.jar"), Mode: fs.ModeSymlink | 0o777},
		"usr/share/java/dangling.jar":             {Data: []byte("gone.jar"), Mode: fs.ModeSymlink | 0o777},
	}
	got, err := New(nil).Catalog(t.Context(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []pkg{{"org.apache.commons:commons-lang3", "3.12.0", "usr/share/java/commons-lang3-3.12.0.jar", ""}}
	if diff := cmp.Diff(want, compact(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestViews runs one war through the real image walker (kept by the
// cataloger's globs), a directory and a map, with a symlink to the war.
func TestViews(t *testing.T) {
	t.Parallel()
	war := string(zipOf(t, pom("com.example", "app", "1.0"),
		nestedJar("WEB-INF/lib/jackson-databind-2.12.1.jar", zipOf(t, pom("com.fasterxml.jackson.core", "jackson-databind", "2.12.1")))))
	files := imagetest.Files{"srv/app.war": war, "etc/hostname": "x"}
	want := []pkg{
		{"com.example:app", "1.0", "srv/app.war", ""},
		{"com.fasterxml.jackson.core:jackson-databind", "2.12.1", "srv/app.war!/WEB-INF/lib/jackson-databind-2.12.1.jar", ""},
	}
	for name, fsys := range map[string]fs.FS{
		"merged": imagetest.Merged(t, New(nil).Globs(), files),
		"dir":    imagetest.DirFS(t, files),
		"map":    imagetest.MapFS(files),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := New(nil).Catalog(t.Context(), fsys)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, compact(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestGlobs(t *testing.T) {
	t.Parallel()
	globs := New(nil).Globs()
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"app.jar", true}, {"usr/share/java/guava.jar", true}, {"srv/a.war", true}, {"a/b/c.ear", true},
		{"var/jenkins_home/plugins/git.jpi", true}, {"x/y.hpi", true},
		{"a.zip", false}, {"a.jar.txt", false}, {"usr/share/java", false},
	} {
		got := slices.ContainsFunc(globs, func(g string) bool { return inventory.MatchGlob(g, tc.path) })
		if got != tc.want {
			t.Errorf("%s: matched %v, want %v", tc.path, got, tc.want)
		}
	}
}

// TestFSErrorsPropagate: a file system that fails is an error, unlike a bad archive.
func TestFSErrorsPropagate(t *testing.T) {
	t.Parallel()
	errHidden := errors.New("content not kept")
	jar := zipOf(t, pom("g", "a", "1"))
	base := mapFS(map[string][]byte{"opt/a-1.jar": jar})
	for _, p := range []string{"opt", "opt/a-1.jar"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			_, err := New(nil).Catalog(t.Context(), failFS{imagetest.FailFS{FS: base, Path: p, Err: errHidden}})
			if !errors.Is(err, errHidden) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v, want %v naming %s", err, errHidden, p)
			}
		})
	}
}

// failFS also fails Open of the failing path, as a file the walk did not keep does.
type failFS struct{ imagetest.FailFS }

func (f failFS) Open(name string) (fs.File, error) {
	if name == f.Path {
		return nil, &fs.PathError{Op: "open", Path: name, Err: f.Err}
	}
	return f.FS.Open(name)
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := contextWithCancel(t)
	cancel()
	_, err := New(nil).Catalog(ctx, mapFS(map[string][]byte{"a-1.jar": zipOf(t, pom("g", "a", "1"))}))
	if err == nil {
		t.Fatal("no error after cancel")
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, edit := range []func(*Config){
		func(c *Config) { c.MaxFileSize = 0 }, func(c *Config) { c.MaxNestedSize = 0 },
		func(c *Config) { c.MaxTotalBytes = 0 }, func(c *Config) { c.MaxMetaSize = 0 },
		func(c *Config) { c.MaxEntries = 0 }, func(c *Config) { c.MaxTotalEntries = 0 },
		func(c *Config) { c.MaxDepth = -1 }, func(c *Config) { c.MaxArchives = 0 },
	} {
		c := DefaultConfig()
		edit(&c)
		if _, err := NewWithConfig(c, nil); err == nil {
			t.Errorf("%+v validated", c)
		}
	}
}
