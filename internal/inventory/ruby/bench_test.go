package ruby

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// synthGemspec is an installed gemspec as RubyGems 3 writes it.
func synthGemspec(name, version string) string {
	return fmt.Sprintf(`# -*- encoding: utf-8 -*-
# stub: %[1]s %[2]s ruby lib

Gem::Specification.new do |s|
  s.name = "%[1]s".freeze
  s.version = "%[2]s"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/example/%[1]s/issues", "changelog_uri" => "https://github.com/example/%[1]s/blob/v%[2]s/CHANGELOG.md", "source_code_uri" => "https://github.com/example/%[1]s/tree/v%[2]s" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["Some One".freeze, "Someone Else".freeze]
  s.date = "2023-01-10"
  s.description = "A synthetic gem shaped like a real one, with a description long enough to matter for the line reader.".freeze
  s.email = ["someone@example.org".freeze]
  s.homepage = "https://github.com/example/%[1]s".freeze
  s.licenses = ["MIT".freeze]
  s.required_ruby_version = Gem::Requirement.new(">= 2.7.0".freeze)
  s.rubygems_version = "3.4.1".freeze
  s.summary = "A synthetic gem".freeze

  s.installed_by_version = "3.4.1" if s.respond_to? :installed_by_version

  if s.respond_to? :specification_version then
    s.specification_version = 4
  end

  if s.respond_to? :add_runtime_dependency then
    s.add_runtime_dependency(%%q<activesupport>.freeze, [">= 6.0"])
    s.add_runtime_dependency(%%q<concurrent-ruby>.freeze, ["~> 1.0"])
  else
    s.add_dependency(%%q<activesupport>.freeze, [">= 6.0"])
  end
end
`, name, version)
}

// synthLock is a Gemfile.lock of n gems with two dependencies each.
func synthLock(n int) string {
	var b strings.Builder
	b.WriteString("GEM\n  remote: https://rubygems.org/\n  specs:\n")
	for i := range n {
		fmt.Fprintf(&b, "    gem-%d (%d.%d.%d)\n      gem-%d (>= 1.0)\n      concurrent-ruby (~> 1.0, >= 1.0.2)\n", i, i%9, i%13, i%5, (i+1)%n)
		if i%50 == 0 {
			fmt.Fprintf(&b, "    gem-%d (%d.%d.%d-x86_64-linux)\n      racc (~> 1.4)\n", i, i%9, i%13, i%5)
		}
	}
	b.WriteString("\nPLATFORMS\n  ruby\n  x86_64-linux\n\nDEPENDENCIES\n")
	for i := range n / 4 {
		fmt.Fprintf(&b, "  gem-%d\n", i)
	}
	b.WriteString("\nBUNDLED WITH\n   2.4.1\n")
	return b.String()
}

func BenchmarkCatalog(b *testing.B) {
	run := func(b *testing.B, fsys fstest.MapFS, want int) {
		var size int64
		for _, f := range fsys {
			size += int64(len(f.Data))
		}
		c := New(nil)
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			pkgs, err := c.Catalog(context.Background(), fsys)
			if err != nil || len(pkgs) != want {
				b.Fatal(len(pkgs), err)
			}
		}
	}
	b.Run("gemspecs-300", func(b *testing.B) {
		fsys := fstest.MapFS{}
		for i := range 300 {
			name, version := fmt.Sprintf("gem-%d", i), fmt.Sprintf("%d.%d.%d", i%9, i%13, i%5)
			fsys["usr/local/bundle/specifications/"+name+"-"+version+".gemspec"] = &fstest.MapFile{Data: []byte(synthGemspec(name, version))}
		}
		run(b, fsys, 300)
	})
	b.Run("Gemfile.lock-200", func(b *testing.B) {
		run(b, fstest.MapFS{"app/Gemfile.lock": {Data: []byte(synthLock(200))}}, 200)
	})
}
