package main

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/vigil-sec/vigil/internal/cli"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"vigil": func() {
			os.Exit(cli.Main(context.Background(), os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
		},
	})
}

// TestScript runs the command-line scripts in testdata/script: the CLI end to
// end on small fixtures (real images are in the e2e package).
func TestScript(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("VIGIL_CACHE_DIR", env.WorkDir+"/.cache")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"plant": plant},
	})
}

// plant writes a fake GitHub token, generated here so that the repository
// holds no credential-shaped string, as "NAME=token" to a file:
//
//	plant FILE NAME
func plant(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: plant FILE NAME")
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	r := rand.New(rand.NewPCG(uint64(len(args[0])), 42))
	b := make([]byte, 36)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	file := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(file), 0o755))
	ts.Check(os.WriteFile(file, []byte("# settings\n"+args[1]+"=gh"+"p_"+string(b)+"\n"), 0o644))
}
