package feed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/vulndb"
)

// MaxDownload caps one downloaded file (OSV's npm all.zip, the largest
// default, is a few hundred MB).
const MaxDownload = 4 << 30

// cacheMeta is kept beside each downloaded file: its validators and digest.
type cacheMeta struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"lastModified,omitempty"`
	SHA256       string    `json:"sha256"`
	Size         int64     `json:"size"`
	Fetched      time.Time `json:"fetched"`
}

// fetched is one URL of a source after its request.
type fetched struct {
	url      string
	file     string // the cached file (or the temporary download until kept)
	tmp      bool   // file is a new download not yet moved into the cache
	meta     cacheMeta
	notMod   bool
	metaPath string
	cached   string
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func defaultClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}}
}

func update(ctx context.Context, st store, dbPath string, opts UpdateOptions, obs Observer) (Summary, error) {
	return updateCapped(ctx, st, dbPath, opts, MaxDownload, obs)
}

func updateCapped(ctx context.Context, st store, dbPath string, opts UpdateOptions, maxDownload int64, obs Observer) (Summary, error) {
	if opts.CacheDir == "" {
		return Summary{}, errors.New("update: no cache directory")
	}
	client := opts.Client
	if client == nil {
		client = defaultClient()
	}
	srcs := opts.Sources
	if srcs == nil {
		srcs = Defaults()
	}
	current := map[string]vulndb.SourceInfo{}
	haveDB := false
	if _, err := os.Stat(dbPath); err == nil {
		_, infos, err := st.info(dbPath)
		if err != nil {
			obs.log().Warn("current database unreadable: every source is rebuilt", "db", dbPath, "err", err)
		} else {
			haveDB = true
			for _, i := range infos {
				current[i.Name] = i
			}
		}
	}
	type pending struct {
		src   Source
		files []fetched
		ld    loaded
	}
	var (
		sum     Summary
		changed []pending
		failed  []string
	)
	fail := func(name string, err error) {
		obs.log().Error("source failed: keeping its old data", "source", name, "err", err)
		sum.Sources = append(sum.Sources, SourceResult{Name: name, Err: err})
		failed = append(failed, fmt.Sprintf("%s (%v)", name, err))
	}
	for _, src := range srcs {
		if err := ctx.Err(); err != nil {
			return Summary{}, err
		}
		files, err := fetchSource(ctx, client, opts.CacheDir, src, maxDownload, obs)
		if err != nil {
			discard(files)
			fail(src.Name, err)
			continue
		}
		local := make([]string, len(files))
		for i, f := range files {
			local[i] = f.file
		}
		digest, err := sourceDigest(files)
		if err != nil {
			discard(files)
			fail(src.Name, err)
			continue
		}
		if cur, ok := current[src.Name]; ok && cur.SHA256 == digest {
			discard(files) // a 200 with the same bytes is not a change either
			sum.Sources = append(sum.Sources, SourceResult{Name: src.Name, Records: cur.Records, Problems: cur.Problems, NotModified: true})
			continue
		}
		// Read it once to check it before the build drops the old data.
		ld, err := load(ctx, src, local, nil, obs)
		if err != nil {
			discard(files)
			if ctx.Err() != nil {
				return Summary{}, ctx.Err()
			}
			fail(src.Name, fmt.Errorf("downloaded data does not parse: %w", err))
			continue
		}
		if err := keep(files); err != nil {
			discard(files)
			fail(src.Name, err)
			continue
		}
		for i := range files {
			local[i] = files[i].file
		}
		changed = append(changed, pending{src: src, files: files, ld: ld})
	}
	if len(changed) > 0 {
		var drop []string
		for _, p := range changed {
			drop = append(drop, p.src.Name)
		}
		bopts := vulndb.BuildOptions{Drop: drop, Now: opts.Now}
		if haveDB {
			bopts.Base = dbPath
		}
		now := opts.Now
		if now.IsZero() {
			now = time.Now()
		}
		var results []SourceResult
		err := st.build(ctx, dbPath, bopts, func(w sink) error {
			for _, p := range changed {
				local := make([]string, len(p.files))
				for i, f := range p.files {
					local[i] = f.file
				}
				ld, err := load(ctx, p.src, local, w, obs)
				if err != nil {
					return err
				}
				ld.info.Imported = now
				ld.info.Origin = strings.Join(p.src.URLs, " ")
				if len(p.files) == 1 {
					ld.info.ETag, ld.info.LastModified = p.files[0].meta.ETag, p.files[0].meta.LastModified
				}
				ld.info.SHA256, _ = sourceDigest(p.files)
				if err := w.SetSource(ld.info); err != nil {
					return fmt.Errorf("source %s: record source: %w", p.src.Name, err)
				}
				results = append(results, SourceResult{Name: p.src.Name, Records: ld.info.Records,
					Problems: ld.info.Problems, FirstProblems: ld.firstProblems})
			}
			return nil
		})
		if err != nil {
			return sum, fmt.Errorf("update: rebuild (database %s left as it was): %w", dbPath, err)
		}
		sum.Sources = append(sum.Sources, results...)
	}
	if len(failed) > 0 {
		return sum, fmt.Errorf("update: %d of %d sources failed and keep their old data: %s",
			len(failed), len(srcs), strings.Join(failed, "; "))
	}
	return sum, nil
}

// sourceDigest is the SHA256 of a source's files: the file's own digest for
// one file, else the digest of the sorted "digest  url" lines.
func sourceDigest(files []fetched) (string, error) {
	if len(files) == 1 {
		return files[0].meta.SHA256, nil
	}
	var lines []string
	for _, f := range files {
		lines = append(lines, f.meta.SHA256+"  "+f.url)
	}
	h := sha256.New()
	slices.Sort(lines)
	for _, l := range lines {
		io.WriteString(h, l+"\n")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fetchSource fetches every URL of a source into the cache directory.
func fetchSource(ctx context.Context, client *http.Client, cacheDir string, src Source, maxDownload int64, obs Observer) ([]fetched, error) {
	dir := filepath.Join(cacheDir, unsafeName.ReplaceAllString(src.Name, "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache directory: %w", err)
	}
	var out []fetched
	for _, u := range src.URLs {
		f, err := fetchOne(ctx, client, dir, src.Name, u, maxDownload, obs)
		if err != nil {
			return out, fmt.Errorf("%s: %w", u, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// cacheName is the file a URL is kept under: a short digest of the URL
// (URLs of one source may share a base name) and the URL's own base name,
// whose extension tells the importer the container format.
func cacheName(u string) string {
	sum := sha256.Sum256([]byte(u))
	base := "data"
	if pu, err := url.Parse(u); err == nil && path.Base(pu.Path) != "/" && path.Base(pu.Path) != "." {
		base = path.Base(pu.Path)
		if dir := path.Base(path.Dir(pu.Path)); base == "all.zip" || base == "list" || strings.HasSuffix(base, ".json") {
			base = dir + "-" + base
		}
	}
	return hex.EncodeToString(sum[:6]) + "-" + unsafeName.ReplaceAllString(base, "_")
}

func fetchOne(ctx context.Context, client *http.Client, dir, source, u string, maxDownload int64, obs Observer) (fetched, error) {
	name := cacheName(u)
	f := fetched{url: u, cached: filepath.Join(dir, name), metaPath: filepath.Join(dir, name+".meta.json")}
	var old cacheMeta
	haveOld := false
	if data, err := os.ReadFile(f.metaPath); err == nil && json.Unmarshal(data, &old) == nil && old.URL == u {
		if fi, err := os.Stat(f.cached); err == nil && fi.Size() == old.Size {
			haveOld = true
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return f, err
	}
	req.Header.Set("User-Agent", "vigil-db-update")
	if haveOld {
		if old.ETag != "" {
			req.Header.Set("If-None-Match", old.ETag)
		}
		if old.LastModified != "" {
			req.Header.Set("If-Modified-Since", old.LastModified)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return f, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && haveOld:
		f.file, f.meta, f.notMod = f.cached, old, true
		obs.log().Info("not modified", "source", source, "url", u)
		return f, nil
	case resp.StatusCode != http.StatusOK:
		return f, fmt.Errorf("HTTP status %s", resp.Status)
	}
	if resp.ContentLength > maxDownload {
		return f, fmt.Errorf("Content-Length %d is over the %d-byte cap", resp.ContentLength, maxDownload)
	}
	tmp, err := os.CreateTemp(dir, ".download-*")
	if err != nil {
		return f, fmt.Errorf("cache: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	pw := &progressWriter{obs: obs, source: source, total: max(resp.ContentLength, 0), h: h}
	n, err := io.Copy(io.MultiWriter(tmp, pw), io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return f, fmt.Errorf("download: %w", err)
	}
	if n > maxDownload {
		return f, fmt.Errorf("download larger than the %d-byte cap", maxDownload)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return f, fmt.Errorf("download cut short: %d of %d bytes", n, resp.ContentLength)
	}
	obs.progress(Progress{Source: source, Stage: "download", Done: n, Total: n})
	if err := tmp.Sync(); err != nil {
		return f, fmt.Errorf("cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return f, fmt.Errorf("cache: %w", err)
	}
	ok = true
	f.file, f.tmp = tmp.Name(), true
	f.meta = cacheMeta{URL: u, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"),
		SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, Fetched: time.Now().UTC()}
	// The importer tells zip, tar.gz, YAML and OVAL apart by the extension.
	if ext := cacheExt(f.cached); ext != "" {
		renamed := f.file + ext
		if err := os.Rename(f.file, renamed); err != nil {
			os.Remove(f.file)
			return f, fmt.Errorf("cache: %w", err)
		}
		f.file = renamed
	}
	return f, nil
}

func cacheExt(name string) string {
	for _, e := range []string{".tar.gz", ".xml.gz", ".xml.bz2", ".tgz", ".zip", ".xml", ".json", ".yaml", ".yml"} {
		if strings.HasSuffix(name, e) {
			return e
		}
	}
	return ""
}

// keep moves new downloads into the cache and writes their validators, each
// atomically: the data first, then the meta that vouches for it.
func keep(files []fetched) error {
	for i := range files {
		f := &files[i]
		if !f.tmp {
			continue
		}
		if err := os.Rename(f.file, f.cached); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		f.file, f.tmp = f.cached, false
		data, err := json.MarshalIndent(f.meta, "", "  ")
		if err != nil {
			return err
		}
		if err := writeAtomic(f.metaPath, data); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
	}
	return nil
}

// discard removes downloads that were not kept.
func discard(files []fetched) {
	for _, f := range files {
		if f.tmp {
			os.Remove(f.file)
		}
	}
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".meta-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// progressWriter hashes the download and reports its progress about every MiB.
type progressWriter struct {
	obs    Observer
	source string
	done   int64
	total  int64
	last   int64
	h      hash.Hash
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.h.Write(b)
	p.done += int64(len(b))
	if p.done-p.last >= 1<<20 {
		p.last = p.done
		p.obs.progress(Progress{Source: p.source, Stage: "download", Done: p.done, Total: p.total})
	}
	return len(b), nil
}
