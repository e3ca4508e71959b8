package e2e_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"

	"github.com/vigil-sec/vigil/internal/testenv"
)

// images are the test images, each built once on first use.
type images struct {
	debianOnce sync.Once
	debian     *debianImage
	debianErr  error

	alpineMu sync.Mutex
	alpine   map[string]*alpineImage
}

// debianImage is a 3-layer OCI image of the debootstrap bookworm tree:
//
//	layer 0 (gzip): the tree without the files of the moved packages, with a
//	                dpkg status file that lacks their entries;
//	layer 1 (gzip): the moved packages' files and dpkg info files, and the full
//	                status file, so their entries first appear here;
//	layer 2 (zstd): a marker file and a whiteout of a file no cataloger reads.
type debianImage struct {
	root   string   // the debootstrap tree
	moved  []string // packages whose status entry first appears in layer 1
	img    v1.Image // OCI manifest
	layers []v1.Layer
}

// debian returns the Debian image, building it on first use.
func debian(t *testing.T) *debianImage {
	t.Helper()
	testenv.Root(t) // the tree has root-only files (etc/shadow, ...)
	root := testenv.TestData(t, "debian", "bookworm")
	testenv.Tool(t, "gzip")
	s.images.debianOnce.Do(func() {
		start := time.Now()
		s.images.debian, s.images.debianErr = buildDebian(root, filepath.Join(s.dir, "debian-layers"))
		t.Logf("built the Debian image in %v", time.Since(start).Round(time.Millisecond))
	})
	if s.images.debianErr != nil {
		t.Fatal(s.images.debianErr)
	}
	return s.images.debian
}

// movePreference names packages that are moved to layer 1 when present:
// small, leaf-like packages of every minbase tree.
var movePreference = []string{"hostname", "diffutils", "mawk", "sed"}

func buildDebian(root, dir string) (*debianImage, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	statusPath := "var/lib/dpkg/status"
	status, err := os.ReadFile(filepath.Join(root, statusPath))
	if err != nil {
		return nil, fmt.Errorf("read dpkg status: %w", err)
	}
	paras := splitParagraphs(status)
	var names []string
	for _, p := range paras {
		if n := field(p, "Package"); n != "" {
			names = append(names, n)
		}
	}
	var moved []string
	for _, n := range movePreference {
		if slices.Contains(names, n) && len(moved) < 2 {
			moved = append(moved, n)
		}
	}
	if len(moved) == 0 && len(names) >= 2 {
		moved = names[len(names)-2:]
	}
	if len(moved) == 0 {
		return nil, fmt.Errorf("%s: no packages in dpkg status", root)
	}

	// The files that move: the packages' dpkg info files and the
	// non-directories their .list names at their literal path.
	movedFiles := map[string]bool{}
	infos, err := os.ReadDir(filepath.Join(root, "var/lib/dpkg/info"))
	if err != nil {
		return nil, err
	}
	for _, pkg := range moved {
		for _, e := range infos {
			base, _, _ := strings.Cut(strings.TrimSuffix(e.Name(), path.Ext(e.Name())), ":")
			if base == pkg {
				movedFiles["var/lib/dpkg/info/"+e.Name()] = true
			}
		}
		list, err := os.ReadFile(filepath.Join(root, "var/lib/dpkg/info", pkg+".list"))
		if err != nil {
			list, err = os.ReadFile(filepath.Join(root, "var/lib/dpkg/info", pkg+":amd64.list"))
		}
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", pkg, err)
		}
		for _, line := range strings.Split(string(list), "\n") {
			rel := strings.TrimPrefix(line, "/")
			if rel == "" || rel == "." {
				continue
			}
			if fi, err := os.Lstat(filepath.Join(root, rel)); err == nil && !fi.IsDir() {
				movedFiles[rel] = true
			}
		}
	}
	var filtered bytes.Buffer
	for _, p := range paras {
		if slices.Contains(moved, field(p, "Package")) {
			continue
		}
		filtered.Write(p)
		filtered.WriteString("\n")
	}
	// Directories that hold moved files are repeated in layer 1, as a build
	// tool would write them.
	movedDirs := map[string]bool{}
	for f := range movedFiles {
		for d := path.Dir(f); d != "."; d = path.Dir(d) {
			movedDirs[d] = true
		}
	}
	for d := path.Dir(statusPath); d != "."; d = path.Dir(d) {
		movedDirs[d] = true
	}

	var (
		layers [3]v1.Layer
		errs   [3]error
		wg     sync.WaitGroup
	)
	wg.Go(func() {
		layers[0], errs[0] = gzipLayer(filepath.Join(dir, "layer0.tar.gz"), types.OCILayer, func(w io.Writer) error {
			return writeTree(w, root, func(rel string, isDir bool) bool { return isDir || !movedFiles[rel] },
				map[string][]byte{statusPath: filtered.Bytes()})
		})
	})
	wg.Go(func() {
		layers[1], errs[1] = gzipLayer(filepath.Join(dir, "layer1.tar.gz"), types.OCILayer, func(w io.Writer) error {
			return writeTree(w, root, func(rel string, isDir bool) bool {
				if isDir {
					return movedDirs[rel]
				}
				return movedFiles[rel] || rel == statusPath
			}, nil)
		})
	})
	wg.Go(func() {
		var entries []tarEntry
		entries = append(entries, tarEntry{name: "etc/", mode: 0o755, dir: true},
			tarEntry{name: "etc/vigil-e2e", mode: 0o644, body: "layer 2\n"})
		if _, err := os.Lstat(filepath.Join(root, "etc/motd")); err == nil {
			entries = append(entries, tarEntry{name: "etc/.wh.motd", mode: 0o644})
		}
		layers[2], errs[2] = zstdLayer(filepath.Join(dir, "layer2.tar.zst"), entries)
	})
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	img, err := baseImage(types.OCIManifestSchema1, types.OCIConfigJSON, []string{"/bin/bash"})
	if err != nil {
		return nil, err
	}
	img, err = mutate.AppendLayers(img, layers[:]...)
	if err != nil {
		return nil, err
	}
	return &debianImage{root: root, moved: moved, img: img, layers: layers[:]}, nil
}

// alpineImage is an image exactly like the official alpine one: a single gzip
// layer that is the minirootfs tarball itself, in a Docker schema 2 manifest.
type alpineImage struct {
	tarball   string // the minirootfs .tar.gz
	installed []byte // lib/apk/db/installed from it
	img       v1.Image
	layer     v1.Layer
}

// alpine returns the image of ../shared/rootfs/alpine-minirootfs-VERSION-x86_64.tar.gz.
func alpine(t *testing.T, version string) *alpineImage {
	t.Helper()
	file := testenv.Shared(t, "rootfs", "alpine-minirootfs-"+version+"-x86_64.tar.gz")
	s.images.alpineMu.Lock()
	defer s.images.alpineMu.Unlock()
	if a := s.images.alpine[version]; a != nil {
		return a
	}
	a, err := buildAlpine(file)
	if err != nil {
		t.Fatal(err)
	}
	if s.images.alpine == nil {
		s.images.alpine = map[string]*alpineImage{}
	}
	s.images.alpine[version] = a
	return a
}

func buildAlpine(file string) (*alpineImage, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	digest := sha256.New()
	zr, err := gzip.NewReader(io.TeeReader(f, digest))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	diff := sha256.New()
	tarStream := io.TeeReader(zr, diff)
	tr := tar.NewReader(tarStream)
	var installed []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if path.Clean(strings.TrimPrefix(h.Name, "./")) == "lib/apk/db/installed" {
			if installed, err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		}
	}
	// The rest of the tar stream (end blocks and padding) belongs to the diff ID.
	if _, err := io.Copy(io.Discard, tarStream); err != nil {
		return nil, err
	}
	if _, err := io.Copy(io.Discard, f); err != nil {
		return nil, err
	}
	if installed == nil {
		return nil, fmt.Errorf("%s: no lib/apk/db/installed", file)
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	l := &fileLayer{
		path: file, size: fi.Size(), mediaType: types.DockerLayer,
		digest: hashOf(digest), diffID: hashOf(diff),
	}
	img, err := baseImage(types.DockerManifestSchema2, types.DockerConfigJSON, []string{"/bin/sh"})
	if err != nil {
		return nil, err
	}
	if img, err = mutate.AppendLayers(img, l); err != nil {
		return nil, err
	}
	return &alpineImage{tarball: file, installed: installed, img: img, layer: l}, nil
}

func baseImage(mt, configMT types.MediaType, cmd []string) (v1.Image, error) {
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Config:       v1.Config{Cmd: cmd, Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
		RootFS:       v1.RootFS{Type: "layers"},
	})
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, mt)
	return mutate.ConfigMediaType(img, configMT), nil
}

// dockerArchive writes img as a docker-save tarball and returns its path.
func dockerArchive(t *testing.T, img v1.Image, tag string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "image.tar")
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(p, ref, img); err != nil {
		t.Fatalf("write docker archive: %v", err)
	}
	return p
}

// ociLayout writes img as an OCI image layout directory and returns it.
func ociLayout(t *testing.T, img v1.Image) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img); err != nil {
		t.Fatalf("write OCI layout: %v", err)
	}
	return dir
}

// ociArchive writes img as an OCI layout packed in a tar file.
func ociArchive(t *testing.T, img v1.Image) string {
	t.Helper()
	dir := ociLayout(t, img)
	p := filepath.Join(t.TempDir(), "image.oci.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := writeTree(f, dir, func(string, bool) bool { return true }, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// fileLayer is a layer blob in a file whose digests are already known, so
// building, pushing and saving never compress or hash the layer again.
type fileLayer struct {
	path           string
	size           int64
	digest, diffID v1.Hash
	mediaType      types.MediaType
}

func (l *fileLayer) Digest() (v1.Hash, error)             { return l.digest, nil }
func (l *fileLayer) DiffID() (v1.Hash, error)             { return l.diffID, nil }
func (l *fileLayer) Size() (int64, error)                 { return l.size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error)  { return l.mediaType, nil }
func (l *fileLayer) Compressed() (io.ReadCloser, error)   { return os.Open(l.path) }
func (l *fileLayer) Uncompressed() (io.ReadCloser, error) { return l.decompress() }

func (l *fileLayer) decompress() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, err
	}
	switch l.mediaType {
	case types.OCILayerZStd:
		d, err := zstd.NewReader(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		return readCloser{d.IOReadCloser(), f}, nil
	default:
		z, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		return readCloser{z, f}, nil
	}
}

type readCloser struct {
	io.ReadCloser
	f *os.File
}

func (r readCloser) Close() error { return errors.Join(r.ReadCloser.Close(), r.f.Close()) }

func hashOf(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", h.Sum(nil))}
}

// gzipLayer writes a tar stream through the system gzip (outside the race
// detector, so building a 200 MB layer takes seconds) into file, hashing the
// tar (diff ID) and the blob (digest) on the way.
func gzipLayer(file string, mt types.MediaType, write func(io.Writer) error) (v1.Layer, error) {
	out, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	digest, diff := sha256.New(), sha256.New()
	counter := &countWriter{}
	cmd := exec.Command("gzip", "-c", "-n", "-1")
	cmd.Stdout = io.MultiWriter(out, digest, counter)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start gzip: %w", err)
	}
	bw := bufio.NewWriterSize(io.MultiWriter(in, diff), 1<<20)
	werr := write(bw)
	if werr == nil {
		werr = bw.Flush()
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("gzip: %w: %s", err, stderr.String())
	}
	if werr != nil {
		return nil, fmt.Errorf("write %s: %w", file, werr)
	}
	if err := out.Close(); err != nil {
		return nil, err
	}
	return &fileLayer{path: file, size: counter.n, mediaType: mt, digest: hashOf(digest), diffID: hashOf(diff)}, nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// tarEntry is one member of a small hand-made layer.
type tarEntry struct {
	name string
	mode int64
	dir  bool
	body string
}

// zstdLayer writes entries as a zstd-compressed tar layer.
func zstdLayer(file string, entries []tarEntry) (v1.Layer, error) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	mtime := time.Date(2024, 9, 6, 0, 0, 0, 0, time.UTC)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: mtime, Typeflag: tar.TypeReg, Size: int64(len(e.body))}
		if e.dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	var blob bytes.Buffer
	zw, err := zstd.NewWriter(&blob)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if err := os.WriteFile(file, blob.Bytes(), 0o600); err != nil {
		return nil, err
	}
	diff, digest := sha256.Sum256(raw.Bytes()), sha256.Sum256(blob.Bytes())
	return &fileLayer{
		path: file, size: int64(blob.Len()), mediaType: types.OCILayerZStd,
		digest: v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", digest)},
		diffID: v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", diff)},
	}, nil
}

// writeTree streams the tree under root as a tar to w, in lexical order and
// without loading files into memory. keep selects entries by slash-separated
// relative path (directories are always descended); replace overrides the
// content of regular files. Numeric owners, modes, modification times,
// symlinks and hardlinks (within the stream) are kept; device nodes, fifos and
// sockets are left out, as image builders do.
func writeTree(w io.Writer, root string, keep func(rel string, isDir bool) bool, replace map[string][]byte) error {
	tw := tar.NewWriter(w)
	links := map[[2]uint64]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		mode := fi.Mode()
		if mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0 {
			return nil
		}
		if !keep(rel, fi.IsDir()) {
			return nil
		}
		var target string
		if mode&fs.ModeSymlink != 0 {
			if target, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(fi, target)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		h.Name = rel
		if fi.IsDir() {
			h.Name += "/"
		}
		h.Uname, h.Gname = "", ""
		h.ModTime, h.AccessTime, h.ChangeTime = fi.ModTime().Truncate(time.Second), time.Time{}, time.Time{}
		var st *syscall.Stat_t
		if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
			st = sys
			h.Uid, h.Gid = int(st.Uid), int(st.Gid)
		}
		body, replaced := replace[rel]
		if mode.IsRegular() && replaced {
			h.Size = int64(len(body))
		} else if mode.IsRegular() && st != nil && st.Nlink > 1 {
			key := [2]uint64{uint64(st.Dev), st.Ino}
			if first, ok := links[key]; ok {
				h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
			} else {
				links[key] = rel
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		switch {
		case h.Typeflag != tar.TypeReg:
			return nil
		case replaced:
			_, err := tw.Write(body)
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.CopyN(tw, f, h.Size); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// splitParagraphs splits a deb822 file into its paragraphs (without the
// separating blank lines).
func splitParagraphs(b []byte) [][]byte {
	var paras [][]byte
	for _, p := range bytes.Split(b, []byte("\n\n")) {
		p = bytes.Trim(p, "\n")
		if len(p) > 0 {
			paras = append(paras, append(p, '\n'))
		}
	}
	return paras
}

// field returns the value of a single-line field of a deb822 paragraph.
func field(para []byte, name string) string {
	for _, line := range strings.Split(string(para), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
