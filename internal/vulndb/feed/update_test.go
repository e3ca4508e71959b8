package feed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/testenv"
)

// feedServer serves files over TLS on 127.0.0.1 with ETags, counts
// requests and remembers the conditional headers it saw.
type feedServer struct {
	*httptest.Server
	mu      sync.Mutex
	files   map[string][]byte // path -> content
	etags   map[string]string
	status  map[string]int // forced status per path
	inm     map[string][]string
	fetches map[string]int
}

func newFeedServer(t *testing.T) *feedServer {
	s := &feedServer{files: map[string][]byte{}, etags: map[string]string{}, status: map[string]int{},
		inm: map[string][]string{}, fetches: map[string]int{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.inm[r.URL.Path] = append(s.inm[r.URL.Path], r.Header.Get("If-None-Match"))
		if st := s.status[r.URL.Path]; st != 0 {
			http.Error(w, "forced", st)
			return
		}
		data, ok := s.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		etag := s.etags[r.URL.Path]
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		s.fetches[r.URL.Path]++
		w.Write(data)
	}))
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func (s *feedServer) set(path string, data []byte, etag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path], s.etags[path] = data, etag
}

func (s *feedServer) setStatus(path string, st int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[path] = st
}

func (s *feedServer) lastINM(path string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.inm[path]
	if len(l) == 0 {
		return "<none>"
	}
	return l[len(l)-1]
}

func readShared(t *testing.T, rel ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(testenv.Shared(t, rel...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type resultView struct {
	Name        string
	Records     int
	NotModified bool
	Failed      bool
}

func view(sum Summary) []resultView {
	var out []resultView
	for _, r := range sum.Sources {
		out = append(out, resultView{r.Name, r.Records, r.NotModified, r.Err != nil})
	}
	return out
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	kev := readShared(t, "vulndata", "cisa-kev", "known_exploited_vulnerabilities.json")
	srv.set("/kev.json", kev, `"k1"`)
	srv.set("/go/all.tar.gz", readShared(t, "vulndata", "golang-vulndb", "golang-vulndb-osv.tar.gz"), `"g1"`)
	srv.set("/v3.20/main.json", readShared(t, "vulndata", "alpine-secdb", "json", "v3.20", "main.json"), `"a1"`)
	srv.set("/v3.20/community.json", readShared(t, "vulndata", "alpine-secdb", "json", "v3.20", "community.json"), `"a2"`)
	srv.set("/DSA/list", readShared(t, "vulndata", "debian-security-tracker", "data", "DSA", "list"), `"d1"`)
	srv.set("/azl3.xml.gz", readShared(t, "vulndata", "azurelinux-oval", "azurelinux-3.0-oval.xml.gz"), `"o1"`)
	srcs := []Source{
		{Name: NameKEV, Format: FormatKEV, URLs: []string{srv.URL + "/kev.json"}},
		{Name: "osv-go", Format: FormatOSV, URLs: []string{srv.URL + "/go/all.tar.gz"}},
		{Name: NameAlpine, Format: FormatAlpine, URLs: []string{srv.URL + "/v3.20/main.json", srv.URL + "/v3.20/community.json"}},
		{Name: NameDebianDSA, Format: FormatDebianDSA, URLs: []string{srv.URL + "/DSA/list"}},
		{Name: "oval-azl3", Format: FormatOVAL, URLs: []string{srv.URL + "/azl3.xml.gz"}},
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	opts := UpdateOptions{CacheDir: filepath.Join(dir, "cache"), Client: srv.Client(), Sources: srcs}
	st := fakeStore()
	ctx := context.Background()

	// 1: everything is fetched.
	sum, err := update(ctx, st, db, opts, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	want := []resultView{{NameKEV, 1404, false, false}, {"osv-go", 4274, false, false}, {NameAlpine, 6797, false, false},
		{NameDebianDSA, 5406, false, false}, {"oval-azl3", 1886, false, false}}
	if d := cmp.Diff(want, view(sum)); d != "" {
		t.Errorf("first update (-want +got):\n%s", d)
	}
	if got := srv.lastINM("/kev.json"); got != "" {
		t.Errorf("first request sent If-None-Match %q", got)
	}
	_, infos, err := st.info(db)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 5 || infos[1].ETag != `"k1"` || infos[1].Origin != srv.URL+"/kev.json" {
		t.Errorf("sources %+v", infos)
	}
	before, _ := os.ReadFile(db)

	// 2: everything answers 304: no rebuild.
	sum, err = update(ctx, st, db, opts, Observer{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].NotModified = true
	}
	if d := cmp.Diff(want, view(sum)); d != "" {
		t.Errorf("second update (-want +got):\n%s", d)
	}
	if got := srv.lastINM("/kev.json"); got != `"k1"` {
		t.Errorf("second request sent If-None-Match %q, want the stored ETag", got)
	}
	if after, _ := os.ReadFile(db); string(after) != string(before) {
		t.Error("database rebuilt although nothing changed")
	}

	// 3: KEV changes (one entry fewer), Debian fails with 500.
	kev2 := strings.Replace(string(kev), `"cveID": "CVE-2025-48384"`, `"cveID": "CVE-2025-0000"`, 1)
	srv.set("/kev.json", []byte(kev2), `"k2"`)
	srv.setStatus("/DSA/list", http.StatusInternalServerError)
	sum, err = update(ctx, st, db, opts, Observer{})
	if err == nil || !strings.Contains(err.Error(), "1 of 5 sources failed") || !strings.Contains(err.Error(), "debian-dsa") || !strings.Contains(err.Error(), "500") {
		t.Errorf("err = %v, want debian-dsa's 500 named", err)
	}
	want = []resultView{{NameDebianDSA, 0, false, true}, {"osv-go", 4274, true, false}, {NameAlpine, 6797, true, false},
		{"oval-azl3", 1886, true, false}, {NameKEV, 1404, false, false}}
	sortView := func(v []resultView) map[string]resultView {
		m := map[string]resultView{}
		for _, r := range v {
			m[r.Name] = r
		}
		return m
	}
	if d := cmp.Diff(sortView(want), sortView(view(sum))); d != "" {
		t.Errorf("third update (-want +got):\n%s", d)
	}
	fdb, err := readFake(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fdb.KEV[NameKEV]["CVE-2025-0000"]; !ok || fdb.Sources[NameKEV].ETag != `"k2"` {
		t.Error("changed KEV not re-imported")
	}
	if fdb.Counts[NameDebianDSA] != 5406 || fdb.Sources[NameDebianDSA].Records != 5406 {
		t.Errorf("failed source lost its old data: %d records", fdb.Counts[NameDebianDSA])
	}
	if srv.fetches["/kev.json"] != 2 || srv.fetches["/go/all.tar.gz"] != 1 {
		t.Errorf("fetches %v", srv.fetches)
	}
}

func TestUpdateBadData(t *testing.T) {
	t.Parallel()
	srv := newFeedServer(t)
	srv.set("/kev.json", []byte(`{"catalogVersion":"1","vulnerabilities":[{"cveID":"CVE-2020-0001"}]}`), `"k1"`)
	srv.set("/osv.zip", []byte("<html>this is not a zip</html>"), `"z1"`)
	srcs := []Source{
		{Name: NameKEV, Format: FormatKEV, URLs: []string{srv.URL + "/kev.json"}},
		{Name: "osv-x", Format: FormatOSV, URLs: []string{srv.URL + "/osv.zip"}},
		{Name: "gone", Format: FormatKEV, URLs: []string{srv.URL + "/missing.json"}},
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	opts := UpdateOptions{CacheDir: filepath.Join(dir, "cache"), Client: srv.Client(), Sources: srcs}
	sum, err := update(context.Background(), fakeStore(), db, opts, Observer{})
	if err == nil || !strings.Contains(err.Error(), "2 of 3 sources failed") || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "not a valid zip") {
		t.Errorf("err = %v", err)
	}
	want := []resultView{{"osv-x", 0, false, true}, {"gone", 0, false, true}, {NameKEV, 1, false, false}}
	if d := cmp.Diff(want, view(sum)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// The bad download is not cached: no validators are kept for it.
	entries, _ := filepath.Glob(filepath.Join(dir, "cache", "osv-x", "*"))
	if len(entries) != 0 {
		t.Errorf("bad download left in the cache: %v", entries)
	}

	t.Run("cap", func(t *testing.T) {
		_, err := updateCapped(context.Background(), fakeStore(), filepath.Join(t.TempDir(), "db"),
			UpdateOptions{CacheDir: t.TempDir(), Client: srv.Client(), Sources: srcs[:1]}, 10, Observer{})
		if err == nil || !strings.Contains(err.Error(), "over the 10-byte cap") {
			t.Errorf("err = %v", err)
		}
	})
}
