package vulndb

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the bbolt file. Every key names its source, so that a Build
// copies exactly the rows of the sources it keeps:
//
//	meta        "meta" -> JSON Meta
//	sources     name -> JSON SourceInfo
//	advisories  source "/" ID -> Advisory (head and Affected apart: encodeAdvisory)
//	index       str(ecosystem) str(package) source -> entries (db_codec.go)
//	kev         str(CVE) source -> JSON KEV
//
// where str is a uvarint length and the bytes.
var (
	bucketMeta       = []byte("meta")
	bucketSources    = []byte("sources")
	bucketAdvisories = []byte("advisories")
	bucketIndex      = []byte("index")
	bucketKEV        = []byte("kev")
	allBuckets       = [][]byte{bucketMeta, bucketSources, bucketAdvisories, bucketIndex, bucketKEV}
	keyMeta          = []byte("meta")
)

// tempPattern names the temporary file of a Build beside its target.
const tempPattern = ".vigil-db-*.tmp"

// initialMmap is the memory map a build starts with.
const initialMmap = 1 << 30

// maxKey is bbolt's largest key.
const maxKey = bolt.MaxKeySize

// checkSourceName refuses names that would make keys ambiguous.
func checkSourceName(name string) error {
	switch {
	case name == "":
		return errors.New("empty source name")
	case len(name) > 256:
		return fmt.Errorf("source name %.40q... longer than 256 bytes", name)
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("source name %q contains '/' or NUL", name)
	}
	return nil
}

// buildWriter buffers what fill writes; Build writes it out in key order
// (bbolt inserts are fast in order and slow at random within one
// transaction).
type buildWriter struct {
	ctx context.Context
	now time.Time
	// advisories: key -> the advisory as Put (merged over repeated Puts).
	advisories map[string]*Advisory
	kev        map[string][]byte
	sources    map[string]SourceInfo
	// owned marks the advisories whose slices are clones (merged into).
	owned map[string]bool
	// used names every source given to Put or PutKEV.
	used map[string]bool
}

func newBuildWriter(ctx context.Context, now time.Time) *buildWriter {
	return &buildWriter{ctx: ctx, now: now, advisories: map[string]*Advisory{},
		kev: map[string][]byte{}, sources: map[string]SourceInfo{}, used: map[string]bool{}, owned: map[string]bool{}}
}

func (w *buildWriter) put(source string, a *Advisory) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if err := checkSourceName(source); err != nil {
		return err
	}
	if a == nil || a.ID == "" {
		return fmt.Errorf("source %s: advisory without ID", source)
	}
	key := AdvisoryKey(source, a.ID)
	if len(key) > maxKey {
		return fmt.Errorf("source %s: advisory ID %.40q... too long (%d bytes)", source, a.ID, len(a.ID))
	}
	for i := range a.Affected {
		af := &a.Affected[i]
		if n := len(indexKey(af.Ecosystem, af.Package, source)); n > maxKey {
			return fmt.Errorf("advisory %s: ecosystem and package %.40q... too long (%d bytes)", key, af.Package, n)
		}
	}
	w.used[source] = true
	if old := w.advisories[key]; old != nil {
		if !w.owned[key] { // clone once, then append in place
			w.owned[key] = true
			old.Aliases = slices.Clone(old.Aliases)
			old.References = slices.Clone(old.References)
			old.Severity = slices.Clone(old.Severity)
			old.Affected = slices.Clone(old.Affected)
		}
		mergeAdvisory(old, a)
		return nil
	}
	c := *a // the slices are cloned before a merge appends to them
	w.advisories[key] = &c
	return nil
}

// mergeAdvisory merges a second record of the same source and ID into
// old: an importer reads a source file by file, and one ID can be in
// several files (Alpine secdb: one file per release and repository).
// Affected, aliases, references and severities are unioned in order; the
// first record's other fields win where set; Modified is the later one.
func mergeAdvisory(old, a *Advisory) {
	old.Aliases = union(old.Aliases, a.Aliases, func(x, y string) bool { return x == y })
	old.References = union(old.References, a.References, func(x, y string) bool { return x == y })
	old.Severity = union(old.Severity, a.Severity, func(x, y Severity) bool { return x == y })
	old.Affected = union(old.Affected, a.Affected, func(x, y Affected) bool {
		return x.Ecosystem == y.Ecosystem && x.Package == y.Package && x.Status == y.Status &&
			bytes.Equal(appendEntry(nil, "", &x), appendEntry(nil, "", &y))
	})
	if old.Source == "" {
		old.Source = a.Source
	}
	if old.Summary == "" {
		old.Summary = a.Summary
	}
	if old.Published.IsZero() {
		old.Published = a.Published
	}
	if a.Modified.After(old.Modified) {
		old.Modified = a.Modified
	}
}

// union appends to xs each y not equal to one already in.
func union[T any](xs, ys []T, eq func(T, T) bool) []T {
	out := xs
	for _, y := range ys {
		if !slices.ContainsFunc(out, func(x T) bool { return eq(x, y) }) {
			out = append(out, y)
		}
	}
	return out
}

func (w *buildWriter) putKEV(source string, k KEV) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if err := checkSourceName(source); err != nil {
		return err
	}
	if k.CVE == "" {
		return fmt.Errorf("source %s: KEV entry without CVE ID", source)
	}
	key := kevKey(k.CVE, source)
	if len(key) > maxKey {
		return fmt.Errorf("source %s: KEV CVE ID %.40q... too long", source, k.CVE)
	}
	js, err := json.Marshal(k)
	if err != nil {
		return fmt.Errorf("encode KEV %s: %w", k.CVE, err)
	}
	w.used[source] = true
	w.kev[string(key)] = js
	return nil
}

func (w *buildWriter) setSource(info SourceInfo) error {
	if err := checkSourceName(info.Name); err != nil {
		return err
	}
	if info.Imported.IsZero() {
		info.Imported = w.now
	}
	w.sources[info.Name] = info
	return nil
}

// kv is one row to write.
type kv struct{ k, v []byte }

// rows returns the buffered rows of every bucket in key order.
func (w *buildWriter) rows() (map[string][]kv, error) {
	out := map[string][]kv{}
	akeys := slices.Sorted(maps.Keys(w.advisories))
	adv := make([]kv, 0, len(akeys))
	// Advisory keys in order give each index value its entries in
	// (advisory key, Affected order).
	type value struct {
		n   int
		buf []byte
	}
	index := map[string]*value{}
	for _, k := range akeys {
		if n := len(adv); n%4096 == 0 {
			if err := w.ctx.Err(); err != nil {
				return nil, err
			}
		}
		a := w.advisories[k]
		js, err := encodeAdvisory(a)
		if err != nil {
			return nil, fmt.Errorf("encode advisory %s: %w", k, err)
		}
		adv = append(adv, kv{[]byte(k), js})
		source, _, _ := strings.Cut(k, "/")
		for i := range a.Affected {
			af := &a.Affected[i]
			ik := string(indexKey(af.Ecosystem, af.Package, source))
			v := index[ik]
			if v == nil {
				v = &value{}
				index[ik] = v
			}
			v.n++
			v.buf = appendEntry(v.buf, a.ID, af)
		}
	}
	out[string(bucketAdvisories)] = adv
	ikeys := slices.Sorted(maps.Keys(index))
	idx := make([]kv, 0, len(ikeys))
	for _, k := range ikeys {
		v := index[k]
		b := appendValueHeader(make([]byte, 0, len(v.buf)+11), v.n)
		idx = append(idx, kv{[]byte(k), append(b, v.buf...)})
	}
	out[string(bucketIndex)] = idx
	kevs := make([]kv, 0, len(w.kev))
	for _, k := range slices.Sorted(maps.Keys(w.kev)) {
		kevs = append(kevs, kv{[]byte(k), w.kev[k]})
	}
	out[string(bucketKEV)] = kevs
	var srcs []kv
	for _, name := range slices.Sorted(maps.Keys(w.sources)) {
		js, err := json.Marshal(w.sources[name])
		if err != nil {
			return nil, fmt.Errorf("encode source %s: %w", name, err)
		}
		srcs = append(srcs, kv{[]byte(name), js})
	}
	out[string(bucketSources)] = srcs
	return out, nil
}

// rowSource returns the source a row of a bucket belongs to.
func rowSource(bucket string, k []byte) (string, error) {
	switch bucket {
	case string(bucketSources):
		return string(k), nil
	case string(bucketAdvisories):
		src, _, ok := bytes.Cut(k, []byte("/"))
		if !ok {
			return "", fmt.Errorf("bad advisory key %q", k)
		}
		return string(src), nil
	case string(bucketIndex):
		return keySource(k, 2)
	case string(bucketKEV):
		return keySource(k, 1)
	}
	return "", fmt.Errorf("unknown bucket %q", bucket)
}

func build(ctx context.Context, path string, opts BuildOptions, fill func(*Writer) error) (err error) {
	if path == "" {
		return errors.New("build vulnerability database: empty path")
	}
	if fill == nil {
		return errors.New("build vulnerability database: nil fill")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	dir := filepath.Dir(path)
	removeStaleTemps(dir, staleAge)

	// Open the base first, so a broken one fails before a long fill.
	var base *DB
	if opts.Base != "" {
		if base, err = Open(opts.Base); err != nil {
			return fmt.Errorf("build %s: base: %w", path, err)
		}
		defer base.Close()
	}

	w := newBuildWriter(ctx, now)
	if err := fill(&Writer{impl: w}); err != nil {
		return fmt.Errorf("build %s: %w", path, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("build %s: %w", path, err)
	}
	for _, name := range slices.Sorted(maps.Keys(w.used)) {
		if _, ok := w.sources[name]; !ok {
			return fmt.Errorf("build %s: source %s has records but no SetSource", path, name)
		}
	}
	rows, err := w.rows()
	if err != nil {
		return fmt.Errorf("build %s: %w", path, err)
	}
	// The base keeps every source that is neither dropped nor rewritten.
	skip := map[string]bool{}
	for _, name := range opts.Drop {
		skip[name] = true
	}
	for name := range w.sources {
		skip[name] = true
	}

	tmp, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return fmt.Errorf("build %s: %w", path, err)
	}
	tmpName := tmp.Name()
	_ = tmp.Close()
	defer func() {
		if err != nil {
			_ = os.Remove(tmpName)
		}
	}()
	if err := writeDB(ctx, tmpName, base, skip, rows, Meta{Schema: SchemaVersion, Built: now.UTC()}); err != nil {
		return fmt.Errorf("build %s: %w", path, err)
	}
	if err := os.Chmod(tmpName, 0o644); err != nil {
		return fmt.Errorf("build %s: %w", path, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("build %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("build %s: sync directory: %w", path, err)
	}
	return nil
}

// writeDB writes a whole database into the empty file at name and syncs it.
func writeDB(ctx context.Context, name string, base *DB, skip map[string]bool, rows map[string][]kv, meta Meta) (err error) {
	bdb, err := bolt.Open(name, 0o600, &bolt.Options{
		Timeout:        time.Second,
		NoSync:         true, // one Sync at the end
		NoGrowSync:     true,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		// Growing the map copies every dirty node; start it large
		// (address space only).
		InitialMmapSize: initialMmap,
	})
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	defer func() {
		if cerr := bdb.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close %s: %w", name, cerr)
		}
	}()
	var btx *bolt.Tx
	if base != nil {
		// Base values are written straight from its memory map, so its
		// read transaction stays open until the last commit.
		if btx, err = base.bdb.Begin(false); err != nil {
			return fmt.Errorf("read base: %w", err)
		}
		defer func() { _ = btx.Rollback() }()
	}
	mjs, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	rows[string(bucketMeta)] = []kv{{keyMeta, mjs}}
	// One transaction per bucket bounds the memory of a large build.
	for _, name := range allBuckets {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := bdb.Update(func(tx *bolt.Tx) error {
			dst, err := tx.CreateBucket(name)
			if err != nil {
				return err
			}
			dst.FillPercent = 1 // written once, in order, then only read
			var src *bolt.Bucket
			if btx != nil && !bytes.Equal(name, bucketMeta) {
				src = btx.Bucket(name)
			}
			return mergeRows(ctx, dst, src, string(name), skip, rows[string(name)])
		})
		if err != nil {
			return fmt.Errorf("write bucket %s: %w", name, err)
		}
	}
	if err := bdb.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", name, err)
	}
	return nil
}

// mergeRows puts the rows of src whose source is not skipped and the new
// rows, both in key order, into dst in key order.
func mergeRows(ctx context.Context, dst, src *bolt.Bucket, bucket string, skip map[string]bool, rows []kv) error {
	var c *bolt.Cursor
	var bk, bv []byte
	next := func(first bool) error {
		if c == nil {
			return nil
		}
		for {
			if first {
				bk, bv = c.First()
				first = false
			} else {
				bk, bv = c.Next()
			}
			if bk == nil {
				return nil
			}
			if bv == nil {
				return fmt.Errorf("base: unexpected nested bucket %q", bk)
			}
			s, err := rowSource(bucket, bk)
			if err != nil {
				return fmt.Errorf("base: %w", err)
			}
			if !skip[s] {
				return nil
			}
		}
	}
	if src != nil {
		c = src.Cursor()
	}
	if err := next(true); err != nil {
		return err
	}
	n := 0
	for bk != nil || len(rows) > 0 {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if bk != nil && (len(rows) == 0 || bytes.Compare(bk, rows[0].k) < 0) {
			if err := dst.Put(bk, bv); err != nil {
				return err
			}
			if err := next(false); err != nil {
				return err
			}
			continue
		}
		if bk != nil && bytes.Equal(bk, rows[0].k) { // cannot happen: the source is skipped
			if err := next(false); err != nil {
				return err
			}
		}
		if err := dst.Put(rows[0].k, rows[0].v); err != nil {
			return err
		}
		rows = rows[1:]
	}
	return nil
}

// syncDir fsyncs a directory so that a rename in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// staleAge is how long a temporary file must have gone unmodified before
// a Build removes it. It covers the moments when a live build does not
// hold the lock on its file: between creating and opening it, and between
// closing and renaming it.
const staleAge = time.Minute

// removeStaleTemps removes the temporary files of builds that died: a
// live build holds bbolt's exclusive lock on its file and writes to it, so
// a file that nobody locks and that is older than age is stale. Errors are
// ignored: a stale file only wastes space.
func removeStaleTemps(dir string, age time.Duration) {
	names, _ := filepath.Glob(filepath.Join(dir, tempPattern))
	for _, name := range names {
		fi, err := os.Lstat(name)
		if err != nil || !fi.Mode().IsRegular() || time.Since(fi.ModTime()) < age {
			continue
		}
		f, err := os.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if tryLock(f) {
			_ = os.Remove(name)
		}
		_ = f.Close()
	}
}

// cmpEntries orders entries by advisory key only (stable sorts keep the
// Affected order within one advisory).
func cmpEntries(a, b Entry) int { return cmp.Compare(a.Advisory, b.Advisory) }
