package dotnet

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// synthDeps is a deps.json of n package libraries plus the app, shaped like
// an ASP.NET app's: each library in targets with a runtime assembly and two
// dependencies, then in libraries with hashes.
func synthDeps(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"runtimeTarget": {"name": ".NETCoreApp,Version=v8.0", "signature": ""}, "compilationOptions": {},` +
		"\n" + `"targets": {".NETCoreApp,Version=v8.0": {"App/1.0.0": {"dependencies": {"Lib.0": "1.0.0"}, "runtime": {"App.dll": {}}}`)
	for i := range n {
		fmt.Fprintf(&b, ",\n    \"Company.Library%d/%d.%d.%d\": {\"dependencies\": {\"Company.Library%d\": \"1.0.0\", \"System.Runtime\": \"4.3.0\"},"+
			" \"runtime\": {\"lib/net6.0/Company.Library%d.dll\": {\"assemblyVersion\": \"%d.0.0.0\", \"fileVersion\": \"%d.%d.0.0\"}}}",
			i, i%20, i%7, i%3, (i+1)%n, i, i%20, i%20, i%7)
	}
	b.WriteString("}},\n" + `"libraries": {"App/1.0.0": {"type": "project", "serviceable": false, "sha512": ""}`)
	for i := range n {
		fmt.Fprintf(&b, ",\n    \"Company.Library%d/%d.%d.%d\": {\"type\": \"package\", \"serviceable\": true,"+
			" \"sha512\": \"sha512-%s==\", \"path\": \"company.library%d/%d.%d.%d\", \"hashPath\": \"company.library%d.%d.%d.%d.nupkg.sha512\"}",
			i, i%20, i%7, i%3, strings.Repeat("Q", 86), i, i%20, i%7, i%3, i, i%20, i%7, i%3)
	}
	b.WriteString("}}\n")
	return []byte(b.String())
}

// synthLock is a packages.lock.json of n packages resolved for two frameworks.
func synthLock(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"version": 1, "dependencies": {`)
	for j, tfm := range []string{"net6.0", "net8.0"} {
		if j > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n  %q: {", tfm)
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "\n    \"Company.Library%d\": {\"type\": \"Transitive\", \"resolved\": \"%d.%d.%d\", \"contentHash\": \"%s==\","+
				" \"dependencies\": {\"System.Runtime\": \"4.3.0\"}}", i, i%20, i%7, i%3, strings.Repeat("Q", 86))
		}
		b.WriteString("}")
	}
	b.WriteString("}}\n")
	return []byte(b.String())
}

func BenchmarkCatalog(b *testing.B) {
	run := func(b *testing.B, file string, data []byte, want int) {
		fsys := fstest.MapFS{file: {Data: data}}
		c := New(nil)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			pkgs, err := c.Catalog(context.Background(), fsys)
			if err != nil || len(pkgs) != want {
				b.Fatal(len(pkgs), err)
			}
		}
	}
	b.Run("deps.json-300", func(b *testing.B) { run(b, "app/App.deps.json", synthDeps(300), 300) })
	b.Run("packages.lock.json-300x2", func(b *testing.B) { run(b, "src/packages.lock.json", synthLock(300), 300) })
}
