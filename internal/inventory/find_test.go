package inventory_test

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestFind(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"app/package-lock.json":                  file("{}"),
		"app/node_modules/a/package.json":        file("{}"),
		"app/node_modules/a/node_modules/b/x.js": file(""),
		"usr/local/bin/tool":                     {Data: []byte("\x7fELF"), Mode: 0o755},
		"usr/local/bin/notexec":                  {Data: []byte("\x7fELF"), Mode: 0o644},
		"srv/package-lock.json":                  {Data: []byte("app/package-lock.json"), Mode: fs.ModeSymlink},
		"dir/package-lock.json":                  {Mode: fs.ModeDir | 0o755},
	}
	paths := func(fs []inventory.Found) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Path)
		}
		return out
	}
	got, truncated, err := inventory.Find(context.Background(), fsys, inventory.FindOptions{Globs: []string{"**/package-lock.json", "**/node_modules/*/package.json"}})
	if err != nil || truncated {
		t.Fatal(err, truncated)
	}
	if diff := cmp.Diff([]string{"app/node_modules/a/package.json", "app/package-lock.json"}, paths(got)); diff != "" {
		t.Errorf("globs (-want +got):\n%s", diff)
	}
	got, _, err = inventory.Find(context.Background(), fsys, inventory.FindOptions{Executables: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"usr/local/bin/tool"}, paths(got)); diff != "" || got[0].Size != 4 {
		t.Errorf("executables (-want +got):\n%s %+v", diff, got)
	}
	got, truncated, _ = inventory.Find(context.Background(), fsys, inventory.FindOptions{Globs: []string{"**/*"}, Max: 2})
	if !truncated || len(got) != 2 {
		t.Errorf("Max 2: %d files, truncated %v", len(got), truncated)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := fstest.MapFS{}
	for i := range 3000 {
		big[string(rune('a'+i%26))+"/"+string(rune('a'+i/26%26))+"/f"+string(rune('0'+i%10))] = file("")
	}
	if _, _, err := inventory.Find(ctx, big, inventory.FindOptions{Globs: []string{"**/f1"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
