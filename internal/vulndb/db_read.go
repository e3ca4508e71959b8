package vulndb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// openTimeout is how long Open waits for a process that holds the file
// open for writing (never vigil, which writes a temporary file and renames
// it, but maybe a bbolt tool).
const openTimeout = 3 * time.Second

func notDatabase(path, why string) error {
	return fmt.Errorf("open %s: %w (%s)", path, ErrNotDatabase, why)
}

func open(path string) (*DB, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open vulnerability database: %w", err)
	}
	switch {
	case !fi.Mode().IsRegular():
		return nil, notDatabase(path, "not a regular file")
	case fi.Size() == 0:
		return nil, notDatabase(path, "empty file")
	case fi.Size() < 2*1024:
		return nil, notDatabase(path, fmt.Sprintf("%d bytes, too small", fi.Size()))
	}
	bdb, err := bolt.Open(path, 0, &bolt.Options{ReadOnly: true, Timeout: openTimeout})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("open %s: locked by a writer for %v: %w", path, openTimeout, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, notDatabase(path, err.Error())
	case err != nil:
		return nil, fmt.Errorf("open vulnerability database %s: %w", path, err)
	}
	db := &DB{path: path, bdb: bdb}
	if err := db.check(fi.Size()); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	return db, nil
}

// check refuses a truncated file (whose pages would fault when read), one
// without vigil's buckets, and one of another schema.
func (db *DB) check(size int64) error {
	var meta Meta
	err := db.view(func(tx *bolt.Tx) error {
		if tx.Size() > size {
			return notDatabase(db.path, fmt.Sprintf("truncated: %d bytes of %d", size, tx.Size()))
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				return notDatabase(db.path, fmt.Sprintf("no %s bucket", b))
			}
		}
		v := tx.Bucket(bucketMeta).Get(keyMeta)
		if err := json.Unmarshal(v, &meta); err != nil {
			return notDatabase(db.path, fmt.Sprintf("bad meta: %v", err))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if meta.Schema != SchemaVersion {
		return fmt.Errorf("open %s: %w: file has %d, vigil reads %d (run `vigil db update`)",
			db.path, ErrSchema, meta.Schema, SchemaVersion)
	}
	return nil
}

// view runs fn in a read transaction. A fault or panic while reading the
// memory map (a file damaged after Open) becomes an error, not a crash.
func (db *DB) view(fn func(*bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("read %s: %w (damaged file: %v)", db.path, ErrNotDatabase, r)
		}
	}()
	if db.tx != nil {
		return fn(db.tx)
	}
	return db.bdb.View(fn)
}

func (db *DB) meta() (Meta, error) {
	var m Meta
	err := db.view(func(tx *bolt.Tx) error {
		return json.Unmarshal(tx.Bucket(bucketMeta).Get(keyMeta), &m)
	})
	if err != nil {
		return Meta{}, fmt.Errorf("read meta of %s: %w", db.path, err)
	}
	return m, nil
}

func (db *DB) sources() ([]SourceInfo, error) {
	var out []SourceInfo
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSources).ForEach(func(k, v []byte) error {
			var s SourceInfo
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("source %q: %w", k, err)
			}
			out = append(out, s)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read sources of %s: %w", db.path, err)
	}
	return out, nil
}

func (db *DB) lookup(ecosystem, pkg string) ([]Entry, error) {
	prefix := indexPrefix(make([]byte, 0, len(ecosystem)+len(pkg)+4), ecosystem, pkg)
	var out []Entry
	sources := 0
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIndex).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			source := string(k[len(prefix):])
			var err error
			if out, err = decodeEntries(out, v, source+"/", ecosystem, pkg); err != nil {
				return fmt.Errorf("source %s: %w", source, err)
			}
			sources++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up %s %s in %s: %w", ecosystem, pkg, db.path, err)
	}
	if sources > 1 {
		slices.SortStableFunc(out, cmpEntries)
	}
	return out, nil
}

func (db *DB) advisory(key string, full bool) (*Advisory, error) {
	var a *Advisory
	err := db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAdvisories).Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		var err error
		a, err = decodeAdvisory(v, full)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("advisory %s: %w", key, err)
	}
	return a, nil
}

func (db *DB) kev(cve string) (KEV, bool, error) {
	prefix := appendStr(nil, cve)
	var k KEV
	found := false
	err := db.view(func(tx *bolt.Tx) error {
		key, v := tx.Bucket(bucketKEV).Cursor().Seek(prefix)
		if key == nil || !bytes.HasPrefix(key, prefix) {
			return nil
		}
		found = true
		return json.Unmarshal(v, &k)
	})
	if err != nil {
		return KEV{}, false, fmt.Errorf("KEV %s in %s: %w", cve, db.path, err)
	}
	return k, found, nil
}

func (db *DB) advisories(ctx context.Context, source string, fn func(key string, a *Advisory) error) error {
	var prefix []byte
	if source != "" {
		prefix = []byte(source + "/")
	}
	// A panic in fn is the caller's, not a damaged file: it is carried out
	// of view and raised again.
	var fnPanic any
	call := func(key string, a *Advisory) (err error) {
		defer func() {
			if r := recover(); r != nil {
				fnPanic = r
				err = errors.New("fn panicked")
			}
		}()
		return fn(key, a)
	}
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAdvisories).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			a, err := decodeAdvisory(v, true)
			if err != nil {
				return fmt.Errorf("advisory %s in %s: %w", k, db.path, err)
			}
			if err := call(string(k), a); err != nil {
				return err
			}
		}
		return nil
	})
	if fnPanic != nil {
		panic(fnPanic)
	}
	return err
}
