package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// cacheVersion is bumped whenever what a walk records, or how, changes.
const cacheVersion = 2

// maxIndexBytes caps a cache index read back (MaxKeptEntries records of
// at most a few hundred bytes each).
const maxIndexBytes = 256 << 20

// cacheKey names a layer's result: the cache format, the verified digest,
// what it is the digest of (the raw blob or the uncompressed tar: the same
// bytes may be both when a layer is uncompressed, and one key must never
// hold two meanings), the keep patterns and the markers (both sorted and
// deduplicated by the caller). Without markers the key is the one of a
// walk before markers existed, whose entries mean the same.
func cacheKey(digest string, raw bool, spec cacheSpec) string {
	h := sha256.New()
	fmt.Fprintf(h, "vigil layer cache\x00v%d\x00%s\x00%s", cacheVersion, digestKind(raw), digest)
	for _, k := range spec.keep {
		fmt.Fprintf(h, "\x00%s", k)
	}
	if len(spec.markers) > 0 {
		// Hex: a marker may hold any byte, a pattern cannot hold "\x01".
		fmt.Fprint(h, "\x01markers")
		for _, m := range spec.markers {
			fmt.Fprintf(h, "\x00%x", m)
		}
	}
	if spec.inspector != "" {
		fmt.Fprintf(h, "\x01inspector\x00%x", spec.inspector)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cacheSpec is what, besides the layer, decides a walk's result: the keep
// patterns and markers (sorted, deduplicated) and the inspector's key ("":
// none). Without markers or inspector the key is the one of a walk before
// they existed, whose entries mean the same.
type cacheSpec struct {
	keep      []string
	markers   [][]byte
	inspector string
}

// cacheIndex is index.json in a layer's cache directory; the kept contents
// lie beside it as f0, f1, ...
type cacheIndex struct {
	Version   int      `json:"version"`
	Digest    string   `json:"digest"`
	Of        string   `json:"of"`     // what Digest is the digest of: "blob" or "diff"
	DiffID    string   `json:"diffID"` // verified digest of the uncompressed tar
	Keep      []string `json:"keep"`
	Markers   [][]byte `json:"markers,omitempty"` // base64, as Config.Markers sorted
	Entries   []*entry `json:"entries"`
	Whiteouts []string `json:"whiteouts,omitempty"`
	Opaques   []string `json:"opaques,omitempty"`
	// Inspector is Config.Inspector's key and Inspected its result.
	Inspector string `json:"inspector,omitempty"`
	Inspected []byte `json:"inspected,omitempty"`
}

func digestKind(raw bool) string {
	if raw {
		return "blob"
	}
	return "diff"
}

func writeIndex(dir, digest string, raw bool, spec cacheSpec, d *layerData) error {
	ix := cacheIndex{Version: cacheVersion, Digest: digest, Of: digestKind(raw), DiffID: d.diffID, Keep: spec.keep, Markers: spec.markers,
		Inspector: spec.inspector, Inspected: d.inspected}
	for _, p := range slices.Sorted(mapKeys(d.entries)) {
		ix.Entries = append(ix.Entries, d.entries[p])
	}
	ix.Whiteouts = slices.Sorted(mapKeys(d.whiteouts))
	ix.Opaques = slices.Sorted(mapKeys(d.opaques))
	f, err := os.OpenFile(filepath.Join(dir, "index.json"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := json.NewEncoder(f).Encode(&ix); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// loadCached reads a layer's cached result. A missing entry is
// fs.ErrNotExist; anything else wrong is another error (corrupt entry).
func loadCached(dir, digest string, raw bool, spec cacheSpec) (*layerData, error) {
	keep, markers := spec.keep, spec.markers
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, "index.json"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("index missing")
		}
		return nil, err
	}
	defer f.Close()
	var ix cacheIndex
	if err := json.NewDecoder(io.LimitReader(f, maxIndexBytes)).Decode(&ix); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	if ix.Version != cacheVersion || ix.Digest != digest || ix.Of != digestKind(raw) || !slices.Equal(ix.Keep, keep) ||
		!slices.EqualFunc(ix.Markers, markers, bytes.Equal) || ix.Inspector != spec.inspector {
		return nil, errors.New("index is for another version, digest, keep list, marker list or inspector")
	}
	if spec.inspector != "" && ix.Inspected == nil {
		return nil, errors.New("index has no inspection result")
	}
	if !validSHA256(ix.DiffID) || !raw && ix.DiffID != digest {
		return nil, errors.New("index has no valid diff ID")
	}
	d := newLayerData()
	d.diffID = ix.DiffID
	d.inspected = ix.Inspected
	for _, e := range ix.Entries {
		if e == nil || !fs.ValidPath(e.Path) || e.Path == "." || e.Kind > kindOther {
			return nil, errors.New("invalid entry in index")
		}
		if e.Link != "" && (e.Kind != kindFile || e.Blob != "") {
			return nil, errors.New("invalid hardlink entry in index")
		}
		if e.Content && (e.Blob == "" || len(markers) == 0) {
			return nil, errors.New("invalid content-kept entry in index")
		}
		if e.Blob != "" {
			if !validBlob(e.Blob) || e.Kind != kindFile {
				return nil, fmt.Errorf("invalid content name %q", e.Blob)
			}
			st, err := os.Lstat(filepath.Join(dir, e.Blob))
			if err != nil {
				return nil, err
			}
			if !st.Mode().IsRegular() || st.Size() != e.Size {
				return nil, fmt.Errorf("content of %s: size %d, want %d", e.Path, st.Size(), e.Size)
			}
		}
		d.entries[e.Path] = e
	}
	for _, p := range ix.Whiteouts {
		if !fs.ValidPath(p) || p == "." {
			return nil, errors.New("invalid whiteout in index")
		}
		d.whiteouts[p] = struct{}{}
	}
	for _, p := range ix.Opaques {
		if !fs.ValidPath(p) {
			return nil, errors.New("invalid opaque directory in index")
		}
		d.opaques[p] = struct{}{}
	}
	d.index()
	d.setDir(dir)
	return d, nil
}

func validBlob(b string) bool {
	n, ok := strings.CutPrefix(b, "f")
	if !ok || n == "" {
		return false
	}
	_, err := strconv.ParseUint(n, 10, 31)
	return err == nil
}

// publish moves a finished layer directory into the cache atomically. An
// entry already there (another walk got there first) is kept unless replace
// is set, in which case it is moved to trash first.
func publish(tmp, final, trash string, replace bool) error {
	err := os.Rename(tmp, final)
	if err == nil {
		return nil
	}
	if !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) {
		return err
	}
	if !replace {
		return os.RemoveAll(tmp)
	}
	if err := os.Rename(final, trash); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return os.RemoveAll(trash)
}

func (d *layerData) setDir(dir string) {
	d.dir = dir
	for _, e := range d.entries {
		e.dir = dir
	}
}

func mapKeys[M ~map[string]V, V any](m M) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
