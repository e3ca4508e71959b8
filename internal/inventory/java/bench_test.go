package java

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// realManifest is commons-lang3 3.12.0's manifest as Debian builds it (1.7 KiB).
const realManifest = "Manifest-Version: 1.0\r\nCreated-By: Apache Maven Bundle Plugin\r\nBuild-Jdk-Spec: 17\r\n" +
	"Specification-Title: Apache Commons Lang\r\nSpecification-Version: 3.12\r\nImplementation-Title: Apache Commons Lang\r\n" +
	"Implementation-Version: 3.12.0\r\nAutomatic-Module-Name: org.apache.commons.lang3\r\n" +
	"Bundle-Description: Apache Commons Lang, a package of Java utility class\r\n es for the  classes that are in java.lang's hierarchy, or are considere\r\n d to be sostandard as to justify existence in java.lang.\r\n" +
	"Bundle-DocURL: https://commons.apache.org/proper/commons-lang/\r\nBundle-ManifestVersion: 2\r\nBundle-Name: Apache Commons Lang\r\n" +
	"Bundle-SymbolicName: org.apache.commons.lang3\r\nBundle-Version: 3.12.0\r\n" +
	"Export-Package: org.apache.commons.lang3;version=\"3.12.0\",org.apache.com\r\n mons.lang3.arch;version=\"3.12.0\",org.apache.commons.lang3.builder;versi\r\n on=\"3.12.0\",org.apache.commons.lang3.compare;version=\"3.12.0\",org.apach\r\n e.commons.lang3.concurrent;version=\"3.12.0\",org.apache.commons.lang3.co\r\n ncurrent.locks;version=\"3.12.0\",org.apache.commons.lang3.event;version=\r\n \"3.12.0\",org.apache.commons.lang3.exception;version=\"3.12.0\"\r\n" +
	"Require-Capability: osgi.ee;filter:=\"(&(osgi.ee=JavaSE)(version=1.8))\"\r\nTool: Bnd-5.1.1.202006162103\r\n\r\n"

const realProperties = "#Created by Apache Maven 3.6.3\r\ngroupId=org.apache.commons\r\nartifactId=commons-lang3\r\nversion=3.12.0\r\n"

// libJar is a realistic library jar: manifest, pom.properties, pom.xml and
// n class files of 1-4 KiB of compressible bytes.
func libJar(tb testing.TB, rng *rand.Rand, i, n int) []byte {
	es := []entry{
		mf("Implementation-Title: lib", fmt.Sprintf("Implementation-Version: 1.%d.0", i), "Bundle-SymbolicName: org.example.lib"),
		pom("org.example", fmt.Sprintf("lib%d", i), fmt.Sprintf("1.%d.0", i)),
		file(fmt.Sprintf("META-INF/maven/org.example/lib%d/pom.xml", i), "<project>"+string(make([]byte, 4096))+"</project>"),
	}
	for j := range n {
		body := make([]byte, 1024+rng.IntN(3072))
		for k := range body {
			body[k] = "abcdefghijklmnopqrstuvwxyz;()LV"[rng.IntN(8)+k%24]
		}
		es = append(es, entry{name: fmt.Sprintf("org/example/lib%d/C%d.class", i, j), body: body})
	}
	return zipOf(tb, es...)
}

// war100 is a war with 100 nested library jars of 50 classes each (~7 MB).
func war100(tb testing.TB, stored bool) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	es := []entry{mf("Implementation-Version: 1.0"), pom("com.example", "app", "1.0")}
	for i := range 100 {
		es = append(es, entry{name: fmt.Sprintf("WEB-INF/lib/lib%d-1.%d.0.jar", i, i), body: libJar(tb, rng, i, 50), store: stored})
	}
	for j := range 200 {
		es = append(es, class(fmt.Sprintf("WEB-INF/classes/com/example/C%d.class", j)))
	}
	return zipOf(tb, es...)
}

func BenchmarkCatalogWar100(b *testing.B) {
	for _, stored := range []bool{false, true} {
		name := "deflated"
		if stored {
			name = "stored"
		}
		b.Run(name, func(b *testing.B) {
			war := war100(b, stored)
			fsys := mapFS(map[string][]byte{"srv/app.war": war})
			c := New(nil)
			b.SetBytes(int64(len(war)))
			b.ReportAllocs()
			for b.Loop() {
				pkgs, err := c.Catalog(b.Context(), fsys)
				if err != nil || len(pkgs) != 101 {
					b.Fatalf("%d packages, %v", len(pkgs), err)
				}
			}
		})
	}
}

func BenchmarkParseProperties(b *testing.B) {
	data := []byte(realProperties)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if parseProperties(data)["version"] != "3.12.0" {
			b.Fatal("no version")
		}
	}
}

func BenchmarkParseManifest(b *testing.B) {
	data := []byte(realManifest)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if parseManifest(data).get("Bundle-Version") != "3.12.0" {
			b.Fatal("no version")
		}
	}
}

func BenchmarkParseFileName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, v := parseFileName("WEB-INF/lib/netty-transport-native-epoll-4.1.77.Final-linux-x86_64.jar"); v != "4.1.77.Final" {
			b.Fatal(v)
		}
	}
}
