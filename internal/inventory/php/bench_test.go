package php

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// synthPackages is n packages of a composer.lock as Composer 2 writes them
// (source, dist, require, autoload, description, ...: about 1.5 KiB each).
func synthPackages(n int, installed bool) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		v := fmt.Sprintf("%d.%d.%d", i%9, i%13, i%5)
		ref := strings.Repeat(fmt.Sprintf("%x", i%16), 40)
		fmt.Fprintf(&b, `        {
            "name": "vendor%d/package-%d",
            "version": "v%s",`, i%40, i, v)
		if installed {
			fmt.Fprintf(&b, "\n            \"version_normalized\": \"%s.0\",\n            \"install-path\": \"../vendor%d/package-%d\",", v, i%40, i)
		}
		fmt.Fprintf(&b, `
            "source": {"type": "git", "url": "https://github.com/vendor%d/package-%d.git", "reference": "%s"},
            "dist": {"type": "zip", "url": "https://api.github.com/repos/vendor%d/package-%d/zipball/%s", "reference": "%s", "shasum": ""},
            "require": {"php": ">=7.2.5", "psr/log": "^1|^2|^3", "symfony/polyfill-php80": "^1.16"},
            "require-dev": {"phpunit/phpunit": "^9.5"},
            "type": "library",
            "autoload": {"psr-4": {"Vendor%d\\Package%d\\": "src/"}, "exclude-from-classmap": ["/Tests/"]},
            "notification-url": "https://packagist.org/downloads/",
            "license": ["MIT"],
            "authors": [{"name": "Some One", "email": "someone@example.org"}],
            "description": "A synthetic package shaped like a real one",
            "homepage": "https://example.org",
            "support": {"issues": "https://github.com/vendor%d/package-%d/issues", "source": "https://github.com/vendor%d/package-%d/tree/v%s"},
            "time": "2022-01-02T10:00:00+00:00"
        }`, i%40, i, ref, i%40, i, ref, ref, i%40, i, i%40, i, i%40, i, v)
	}
	return b.String()
}

func BenchmarkCatalog(b *testing.B) {
	run := func(b *testing.B, file, data string, want int) {
		fsys := fstest.MapFS{file: {Data: []byte(data)}}
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
	b.Run("composer.lock-150", func(b *testing.B) {
		lock := "{\n    \"_readme\": [\"This file is @generated automatically\"],\n    \"packages\": [\n" + synthPackages(120, false) +
			"\n    ],\n    \"packages-dev\": [\n" + strings.ReplaceAll(synthPackages(30, false), "/package-", "/dev-package-") +
			"\n    ],\n    \"plugin-api-version\": \"2.3.0\"\n}\n"
		run(b, "app/composer.lock", lock, 150)
	})
	b.Run("installed.json-150", func(b *testing.B) {
		inst := "{\n    \"packages\": [\n" + synthPackages(150, true) + "\n    ],\n    \"dev\": true,\n    \"dev-package-names\": []\n}\n"
		run(b, "app/vendor/composer/installed.json", inst, 150)
	})
}
