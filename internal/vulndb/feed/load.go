package feed

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/vulndb"
	"github.com/vigil-sec/vigil/internal/vulndb/alpine"
	"github.com/vigil-sec/vigil/internal/vulndb/debian"
	"github.com/vigil-sec/vigil/internal/vulndb/kev"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
	"github.com/vigil-sec/vigil/internal/vulndb/oval"
)

// maxFirstProblems is how many problems a SourceResult keeps for people.
const maxFirstProblems = 10

// progressEvery is how many records pass between parse progress reports.
const progressEvery = 1000

// loaded is what reading one source produced.
type loaded struct {
	info          vulndb.SourceInfo
	firstProblems []string
}

// loader reads one source's local files into a sink (nil: count only).
type loader struct {
	src   Source
	files []string // local paths, in src.URLs order
	obs   Observer
	out   sink

	records  int
	problems int
	first    []string
	newest   time.Time
	digests  []string // "sha256  name" per file read
}

func (o Observer) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

func (o Observer) progress(p Progress) {
	if o.Progress != nil {
		o.Progress(p)
	}
}

// load reads src from files. It fails when a file cannot be read at all,
// when the parser fails, or when nothing but problems came out.
func load(ctx context.Context, src Source, files []string, out sink, obs Observer) (loaded, error) {
	l := &loader{src: src, files: files, obs: obs, out: out}
	var dataTime time.Time
	for _, f := range files {
		t, err := l.file(ctx, f)
		if err != nil {
			return loaded{}, fmt.Errorf("source %s: %w", src.Name, err)
		}
		if t.After(dataTime) {
			dataTime = t
		}
	}
	obs.progress(Progress{Source: src.Name, Stage: "parse", Done: int64(l.records), Total: int64(l.records)})
	if l.records == 0 && l.problems > 0 {
		return loaded{}, fmt.Errorf("source %s: no records read, %d problems (first: %s)", src.Name, l.problems, l.first[0])
	}
	if l.newest.After(dataTime) {
		dataTime = l.newest
	}
	var digest string
	if len(l.digests) == 1 && len(files) == 1 && !isDir(files[0]) {
		digest, _, _ = strings.Cut(l.digests[0], " ")
	} else {
		slices.Sort(l.digests)
		h := sha256.New()
		for _, d := range l.digests {
			io.WriteString(h, d+"\n")
		}
		digest = hex.EncodeToString(h.Sum(nil))
	}
	return loaded{
		info: vulndb.SourceInfo{
			Name: src.Name, Format: src.Format, Origin: strings.Join(src.URLs, " "),
			Records: l.records, Problems: l.problems, DataTime: dataTime, SHA256: digest,
		},
		firstProblems: l.first,
	}, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func (l *loader) emit(a *vulndb.Advisory) error {
	l.records++
	for _, t := range []time.Time{a.Modified, a.Published} {
		if t.After(l.newest) {
			l.newest = t
		}
	}
	if l.records%progressEvery == 0 {
		l.obs.progress(Progress{Source: l.src.Name, Stage: "parse", Done: int64(l.records)})
	}
	if l.out == nil {
		return nil
	}
	return l.out.Put(l.src.Name, a)
}

func (l *loader) emitKEV(k vulndb.KEV) error {
	l.records++
	if l.records%progressEvery == 0 {
		l.obs.progress(Progress{Source: l.src.Name, Stage: "parse", Done: int64(l.records)})
	}
	if l.out == nil {
		return nil
	}
	return l.out.PutKEV(l.src.Name, k)
}

func (l *loader) problem(p *vulndb.Problem) {
	l.problems++
	if len(l.first) < maxFirstProblems {
		l.first = append(l.first, p.Error())
	}
	l.obs.log().Debug("import problem", "source", l.src.Name, "problem", p.Error())
}

// file reads one local path of the source; it returns the feed's own date
// where the format has one.
func (l *loader) file(ctx context.Context, path string) (time.Time, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}, err
	}
	if fi.IsDir() {
		return time.Time{}, l.dir(ctx, path)
	}
	var parse vulndb.ParseFunc
	lower := strings.ToLower(path)
	switch l.src.Format {
	case FormatOSV:
		switch {
		case strings.HasSuffix(lower, ".zip"):
			return time.Time{}, l.zip(ctx, path)
		case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"), strings.HasSuffix(lower, ".tar"):
			return time.Time{}, l.stream(path, func(r io.Reader) error {
				return osv.ImportTarGz(ctx, r, path, l.emit, l.problem)
			})
		case strings.HasSuffix(lower, ".yaml"), strings.HasSuffix(lower, ".yml"):
			parse = osv.ParseYAML
		default:
			parse = osv.Parse
		}
	case FormatAlpine:
		parse = alpine.Parse
	case FormatDebianDSA:
		parse = debian.ParseDSAList
	case FormatDebianDLA:
		parse = debian.ParseDLAList
	case FormatDebianCVE, FormatDebianJSON:
		if parse = debianParser(l.src.Format); parse == nil {
			return time.Time{}, fmt.Errorf("%s: the %s importer is not in this build yet", path, l.src.Format)
		}
	case FormatOVAL:
		parse = parseOVAL
	case FormatKEV:
		var released time.Time
		err := l.stream(path, func(r io.Reader) error {
			cat, err := kev.Read(ctx, r, path, l.emitKEV, l.problem)
			released = cat.Released
			return err
		})
		return released, err
	default:
		return time.Time{}, fmt.Errorf("unknown format %q", l.src.Format)
	}
	return time.Time{}, l.stream(path, func(r io.Reader) error {
		return parse(ctx, r, path, l.emit, l.problem)
	})
}

// stream opens path and hands it to read through a hash of its bytes.
func (l *loader) stream(path string, read func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if err := read(io.TeeReader(f, h)); err != nil {
		return err
	}
	// What the parser left unread (past a cap, after a break) still counts.
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	l.digests = append(l.digests, hex.EncodeToString(h.Sum(nil))+"  "+filepath.Base(path))
	return nil
}

func (l *loader) zip(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	l.digests = append(l.digests, hex.EncodeToString(h.Sum(nil))+"  "+filepath.Base(path))
	return osv.ImportZip(ctx, f, size, path, l.emit, l.problem)
}

// dir reads a directory source: OSV records at any depth, or Alpine secdb
// <release>/<repo>.json files.
func (l *loader) dir(ctx context.Context, dir string) error {
	fsys := &hashFS{fsys: os.DirFS(dir)}
	switch l.src.Format {
	case FormatOSV:
		if err := osv.ImportDir(ctx, fsys, l.emit, l.problem); err != nil {
			return err
		}
	case FormatAlpine:
		err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			if err != nil {
				l.problem(&vulndb.Problem{File: filepath.Join(dir, name), Err: err})
				return nil
			}
			if !d.Type().IsRegular() || !strings.HasSuffix(name, ".json") {
				return nil
			}
			f, err := fsys.Open(name)
			if err != nil {
				l.problem(&vulndb.Problem{File: filepath.Join(dir, name), Err: err})
				return nil
			}
			defer f.Close()
			return alpine.Parse(ctx, f, filepath.Join(dir, name), l.emit, l.problem)
		})
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s: a directory is not a %s source", dir, l.src.Format)
	}
	for name, h := range fsys.sums {
		l.digests = append(l.digests, hex.EncodeToString(h.Sum(nil))+"  "+name)
	}
	return nil
}

// hashFS hashes every file as it is read, for the SHA256 of a directory source.
type hashFS struct {
	fsys fs.FS
	sums map[string]hash.Hash
}

func (h *hashFS) Open(name string) (fs.File, error) {
	f, err := h.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return f, nil
	}
	if h.sums == nil {
		h.sums = map[string]hash.Hash{}
	}
	s := sha256.New()
	h.sums[name] = s
	return hashFile{File: f, h: s}, nil
}

func (h *hashFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(h.fsys, name) }

type hashFile struct {
	fs.File
	h hash.Hash
}

func (f hashFile) Read(b []byte) (int, error) {
	n, err := f.File.Read(b)
	f.h.Write(b[:n])
	return n, err
}

// parseOVAL reads plain, gzip (handled by oval.Parse) or bzip2 OVAL XML.
func parseOVAL(ctx context.Context, r io.Reader, file string, emit vulndb.Emit, problem func(*vulndb.Problem)) error {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(3); bytes.Equal(magic, []byte("BZh")) {
		// A bzip2 data error is broken XML (a Problem that oval.Parse
		// reports); a failing disk is an error.
		sr := vulndb.NewSourceReader(br)
		err := oval.Parse(ctx, bzip2.NewReader(sr), file, emit, problem)
		if sr.Err() != nil {
			return fmt.Errorf("read %s: %w", file, sr.Err())
		}
		return err
	}
	return oval.Parse(ctx, br, file, emit, problem)
}
