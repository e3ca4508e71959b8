package sign

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Cache defaults, used when NewCache gets zero.
const (
	DefaultCacheTTL = time.Hour
	DefaultCacheMax = 4096

	maxCacheFile = 64 << 20
	cacheVersion = 1
)

// Cache remembers positive verification results per (repository, digest, set
// of key IDs, kind), so that an image verified once answers without the
// registry until the entry expires. It keeps at most max entries in memory
// (least recently used go first) and, when it has a directory, one file per
// entry there, written atomically. Failures are never cached: a signature
// added later is seen at once.
//
// The repository is part of the key although a signature covers only the
// digest: signatures live beside the image in its repository, so a cold
// verification in another repository may answer differently, and the cache
// must answer as the registry would.
//
// Anyone who can write the directory can forge results: keep it private
// (NewCache creates it 0700).
type Cache struct {
	dir string
	ttl time.Duration
	max int
	now func() time.Time

	mu  sync.Mutex
	ll  *list.List // front: most recently used; values *cacheEntry
	idx map[string]*list.Element
}

// cacheEntry is one cached result, as kept in memory and on disk.
type cacheEntry struct {
	Version      int           `json:"version"`
	Key          string        `json:"key"`
	Expires      time.Time     `json:"expires"`
	Verified     []Verified    `json:"verified,omitempty"`
	Attestations []Attestation `json:"attestations,omitempty"`
}

// NewCache makes a cache whose entries live ttl (0: DefaultCacheTTL), with at
// most max in memory (0: DefaultCacheMax), persisted under dir unless dir is
// "".
func NewCache(dir string, ttl time.Duration, max int) (*Cache, error) {
	if ttl < 0 || max < 0 {
		return nil, fmt.Errorf("verification cache: negative ttl (%v) or size (%d)", ttl, max)
	}
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	if max == 0 {
		max = DefaultCacheMax
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("verification cache: %w", err)
		}
	}
	return &Cache{dir: dir, ttl: ttl, max: max, now: time.Now, ll: list.New(), idx: map[string]*list.Element{}}, nil
}

// Verify is Verify through the cache.
func (c *Cache) Verify(ctx context.Context, ref name.Digest, vs []signature.Verifier, o Options) ([]Verified, error) {
	keys, err := keyIDs(vs)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", ref, err)
	}
	key := cacheKey("sig", ref, keys)
	if e := c.get(key, o); e != nil {
		return append([]Verified(nil), e.Verified...), nil
	}
	out, err := verify(ctx, ref, keys, o)
	if err != nil {
		return nil, err
	}
	c.put(&cacheEntry{Key: key, Verified: out}, o)
	return append([]Verified(nil), out...), nil
}

// VerifyAttestations is VerifyAttestations through the cache.
func (c *Cache) VerifyAttestations(ctx context.Context, ref name.Digest, vs []signature.Verifier, predicateType string, o Options) ([]Attestation, error) {
	keys, err := keyIDs(vs)
	if err != nil {
		return nil, fmt.Errorf("verify attestations of %s: %w", ref, err)
	}
	key := cacheKey("att "+predicateType, ref, keys)
	if e := c.get(key, o); e != nil {
		return append([]Attestation(nil), e.Attestations...), nil
	}
	out, err := verifyAttestations(ctx, ref, keys, predicateType, o)
	if err != nil {
		return nil, err
	}
	c.put(&cacheEntry{Key: key, Attestations: out}, o)
	return append([]Attestation(nil), out...), nil
}

func cacheKey(kind string, ref name.Digest, keys []keyed) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.id
	}
	sort.Strings(ids)
	return kind + "\n" + ref.Context().Name() + "@" + ref.DigestStr() + "\n" + strings.Join(ids, ",")
}

func (c *Cache) file(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:])+".json")
}

// get returns the live entry for key from memory, else from disk.
func (c *Cache) get(key string, o Options) *cacheEntry {
	now := c.now()
	c.mu.Lock()
	if el, ok := c.idx[key]; ok {
		e := el.Value.(*cacheEntry)
		if now.Before(e.Expires) {
			c.ll.MoveToFront(el)
			c.mu.Unlock()
			return e
		}
		c.ll.Remove(el)
		delete(c.idx, key)
	}
	c.mu.Unlock()
	if c.dir == "" {
		return nil
	}
	e, err := c.load(key, now)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			o.log().Debug("verification cache: ignoring entry", "err", err)
		}
		return nil
	}
	c.remember(e)
	return e
}

// load reads key's file; an expired or foreign entry is an error (and an
// expired one is removed).
func (c *Cache) load(key string, now time.Time) (*cacheEntry, error) {
	path := c.file(key)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var e cacheEntry
	if err := json.NewDecoder(io.LimitReader(f, maxCacheFile)).Decode(&e); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case e.Version != cacheVersion || e.Key != key:
		return nil, fmt.Errorf("%s: not an entry for this key", path)
	case !now.Before(e.Expires):
		os.Remove(path)
		return nil, fmt.Errorf("%s: expired", path)
	case e.Expires.After(now.Add(c.ttl)):
		return nil, fmt.Errorf("%s: expires after the TTL allows", path)
	}
	return &e, nil
}

func (c *Cache) put(e *cacheEntry, o Options) {
	e.Version = cacheVersion
	e.Expires = c.now().Add(c.ttl)
	c.remember(e)
	if c.dir == "" {
		return
	}
	if err := c.store(e); err != nil {
		o.log().Warn("verification cache: not persisted", "err", err)
	}
}

func (c *Cache) remember(e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.idx[e.Key]; ok {
		el.Value = e
		c.ll.MoveToFront(el)
		return
	}
	c.idx[e.Key] = c.ll.PushFront(e)
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.idx, old.Value.(*cacheEntry).Key)
	}
}

// store writes e to its file atomically: a temporary file renamed over it.
func (c *Cache) store(e *cacheEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, ".entry-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), c.file(e.Key))
}
