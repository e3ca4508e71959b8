package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// rootIndexMediaType is the media type of a layout's index.json, which is not
// content-addressed.
const rootIndexMediaType = types.OCIImageIndex

// parseLayoutMarker checks the oci-layout file.
func parseLayoutMarker(b []byte) error {
	var m struct {
		Version string `json:"imageLayoutVersion"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("parse oci-layout: %w", err)
	}
	if !strings.HasPrefix(m.Version, "1.") {
		return fmt.Errorf("oci-layout: unsupported imageLayoutVersion %q", m.Version)
	}
	return nil
}

func parseRootIndex(b []byte) (*v1.IndexManifest, error) {
	if _, err := sniffKind(rootIndexMediaType, b); err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("parse index.json: %w", err)
	}
	if len(idx.Manifests) == 0 {
		return nil, errors.New("index.json lists no images")
	}
	return idx, nil
}

// layoutStore reads blobs of an OCI image layout directory.
type layoutStore struct {
	p layout.Path
}

func (l layoutStore) blobPath(h v1.Hash) string {
	return filepath.Join(string(l.p), "blobs", h.Algorithm, h.Hex)
}

func (l layoutStore) readManifest(ctx context.Context, desc v1.Descriptor) ([]byte, error) {
	return l.readBlob(ctx, desc, maxManifestBytes)
}

func (l layoutStore) readBlob(ctx context.Context, desc v1.Descriptor, limit int64) ([]byte, error) {
	rc, err := l.openBlob(ctx, desc)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readAllLimit(rc, limit, "blob "+desc.Digest.String())
}

func (l layoutStore) openBlob(_ context.Context, desc v1.Descriptor) (io.ReadCloser, error) {
	rc, err := l.p.Blob(desc.Digest) // refuses symlinks and non-regular files
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", desc.Digest, err)
	}
	return rc, nil
}

func (l layoutStore) statBlob(desc v1.Descriptor) error {
	fi, err := os.Lstat(l.blobPath(desc.Digest))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob missing from the layout")
		}
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("blob is not a regular file in the layout")
	}
	if fi.Size() != desc.Size {
		return fmt.Errorf("blob is %d bytes, manifest says %d", fi.Size(), desc.Size)
	}
	return nil
}

// readSmallFile reads a regular file of at most limit bytes.
func readSmallFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	return readAllLimit(f, limit, filepath.Base(name))
}

// resolveLayout resolves the image in the OCI layout directory dir.
func resolveLayout(ctx context.Context, dir string, p platform) (*resolved, error) {
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
	}
	marker, err := readSmallFile(filepath.Join(dir, "oci-layout"), 4096)
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	if err := parseLayoutMarker(marker); err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	b, err := readSmallFile(filepath.Join(dir, "index.json"), maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	idx, err := parseRootIndex(b)
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	return chooseFromIndex(ctx, layoutStore{p: lp}, idx, p, true)
}

// archiveStore reads blobs of an OCI archive (a tarred OCI layout).
type archiveStore struct {
	r    io.ReaderAt // the archive as opened at resolve time
	idx  *tarIndex
	file archiveFile // for Open: a descriptor of its own per reader
}

func blobName(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

func (a archiveStore) entry(desc v1.Descriptor) (*tarEntry, error) {
	e, err := a.idx.lookup(blobName(desc.Digest))
	if err != nil {
		if errors.Is(err, errNotInArchive) {
			return nil, fmt.Errorf("blob %s missing from the archive", desc.Digest)
		}
		return nil, err
	}
	return e, nil
}

func (a archiveStore) readManifest(ctx context.Context, desc v1.Descriptor) ([]byte, error) {
	return a.readBlob(ctx, desc, maxManifestBytes)
}

func (a archiveStore) readBlob(_ context.Context, desc v1.Descriptor, limit int64) ([]byte, error) {
	e, err := a.entry(desc)
	if err != nil {
		return nil, err
	}
	return readEntry(a.r, e, limit, "blob")
}

func (a archiveStore) openBlob(_ context.Context, desc v1.Descriptor) (io.ReadCloser, error) {
	e, err := a.entry(desc)
	if err != nil {
		return nil, err
	}
	return a.file.section(e)
}

func (a archiveStore) statBlob(desc v1.Descriptor) error {
	e, err := a.entry(desc)
	if err != nil {
		return err
	}
	if e.size != desc.Size {
		return fmt.Errorf("blob is %d bytes in the archive, manifest says %d", e.size, desc.Size)
	}
	return nil
}

// resolveOCIArchive resolves the image in an indexed OCI archive.
func resolveOCIArchive(ctx context.Context, r io.ReaderAt, idx *tarIndex, file archiveFile, p platform) (*resolved, error) {
	s := archiveStore{r: r, idx: idx, file: file}
	e, err := idx.lookup("oci-layout")
	if err != nil {
		return nil, fmt.Errorf("OCI archive: %w", err)
	}
	marker, err := readEntry(r, e, 4096, "file")
	if err != nil {
		return nil, err
	}
	if err := parseLayoutMarker(marker); err != nil {
		return nil, err
	}
	e, err = idx.lookup("index.json")
	if err != nil {
		return nil, fmt.Errorf("OCI archive: %w", err)
	}
	b, err := readEntry(r, e, maxManifestBytes, "file")
	if err != nil {
		return nil, err
	}
	root, err := parseRootIndex(b)
	if err != nil {
		return nil, err
	}
	return chooseFromIndex(ctx, s, root, p, true)
}
