package npm

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/lines"
)

// berrySniff is how much of a yarn.lock is looked at to tell berry (YAML
// with a __metadata key, written first) from v1.
const berrySniff = 4 << 10

// parseYarn reads a yarn.lock: yarn berry (v2+) when a "__metadata:" line
// opens it, read whole up to Config.MaxYAMLSize, else yarn v1, which is
// streamed line by line.
func (r *result) parseYarn(ctx context.Context, rd io.Reader) error {
	br := bufio.NewReaderSize(rd, berrySniff)
	head, err := br.Peek(berrySniff)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	if isBerry(head) {
		b, err := inventory.ReadAll(br, int64(len(head)), r.cfg.MaxYAMLSize)
		if err != nil {
			return err
		}
		return r.parseBerry(ctx, b)
	}
	return r.parseYarnV1(ctx, br)
}

// isBerry reports whether head, the start of a yarn.lock, has a
// "__metadata:" line before any other key.
func isBerry(head []byte) bool {
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		line = bytes.TrimRight(line, "\r")
		switch {
		case len(line) == 0 || line[0] == '#':
			continue
		case bytes.HasPrefix(line, []byte("__metadata:")):
			return true
		case line[0] != ' ':
			return false
		}
	}
	return false
}

// yarnEntry is one v1 entry being read.
type yarnEntry struct {
	line    int
	key     string // the descriptors, as written
	version string
	hasVer  bool
	bad     string // why the entry is malformed, if it is
}

// parseYarnV1 reads the yarn v1 format:
//
//	"lodash@^4.17.15", lodash@~4.17.0:
//	  version "4.17.15"
//	  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.15.tgz#..."
//	  dependencies:
//	    dep "^1.0.0"
//
// An entry starts at a line without indent that ends with ":"; its fields
// are indented two spaces; deeper lines (dependency lists) are ignored.
func (r *result) parseYarnV1(ctx context.Context, rd io.Reader) error {
	lr := lines.NewReader(rd, r.cfg.MaxLine)
	var cur *yarnEntry
	var read int64
	for {
		line, truncated, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return r.flushYarn(cur)
		}
		if err != nil {
			return err
		}
		if read += int64(len(line)) + 1; read > r.cfg.MaxLockSize {
			return fmt.Errorf("%w: more than the limit of %d bytes", errSkip, r.cfg.MaxLockSize)
		}
		if lr.N%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		rest := line[indent:]
		if len(rest) == 0 || rest[0] == '#' {
			continue
		}
		switch {
		case indent == 0:
			if err := r.flushYarn(cur); err != nil {
				return err
			}
			cur = &yarnEntry{line: lr.N}
			switch {
			case truncated:
				cur.bad = fmt.Sprintf("line longer than %d bytes", r.cfg.MaxLine)
			case rest[len(rest)-1] != ':':
				cur.bad = "not an entry: " + strconv.Quote(clip(string(rest)))
			default:
				cur.key = string(rest[:len(rest)-1])
			}
		case cur == nil:
			cur = &yarnEntry{line: lr.N, bad: "field before the first entry"}
		case indent == 2:
			k, v, _ := bytes.Cut(rest, []byte(" "))
			if string(k) != "version" {
				continue
			}
			switch {
			case truncated:
				cur.bad = fmt.Sprintf("line %d: longer than %d bytes", lr.N, r.cfg.MaxLine)
			case cur.hasVer:
				cur.bad = fmt.Sprintf("line %d: second version", lr.N)
			default:
				cur.hasVer = true
				cur.version = unquote(string(bytes.TrimSpace(v)))
			}
		}
	}
}

// flushYarn adds the entry e, if it is one.
func (r *result) flushYarn(e *yarnEntry) error {
	if e == nil {
		return nil
	}
	if e.bad != "" {
		r.warn("malformed yarn.lock entry", "line", e.line, "err", e.bad)
		return nil
	}
	name, local, err := yarnName(splitDescriptors(e.key))
	switch {
	case err != nil:
		r.warn("malformed yarn.lock entry", "line", e.line, "err", err)
		return nil
	case local:
		r.debug("skipped local package", "line", e.line, "name", name)
		return nil
	case !e.hasVer:
		r.warn("malformed yarn.lock entry", "line", e.line, "err", "no version")
		return nil
	}
	return r.addLocked(name, e.version, nil, "line", strconv.Itoa(e.line))
}

// splitDescriptors splits "a@^1, \"b@^2\"" at the commas outside quotes and
// unquotes each descriptor.
func splitDescriptors(key string) []string {
	var out []string
	quoted := false
	start := 0
	for i := 0; i <= len(key); i++ {
		if i < len(key) {
			switch key[i] {
			case '\\':
				if quoted {
					i++
				}
				continue
			case '"':
				quoted = !quoted
				continue
			case ',':
				if quoted {
					continue
				}
			default:
				continue
			}
		}
		if d := unquote(strings.TrimSpace(key[start:min(i, len(key))])); d != "" {
			out = append(out, d)
		}
		start = i + 1
	}
	return out
}

// unquote removes the double quotes yarn puts around values that need them
// (JSON string syntax); an unquoted value is returned as is.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s[1 : len(s)-1]
}

// localProtocols are descriptor ranges of packages that are not from a
// registry: the project's own workspaces and folders.
var localProtocols = []string{"file:", "link:", "portal:", "workspace:", "exec:"}

func isLocal(rng string) bool {
	for _, p := range localProtocols {
		if strings.HasPrefix(rng, p) {
			return true
		}
	}
	return false
}

// yarnName is the package an entry's descriptors resolve to: the name of
// the first descriptor, or the real name of an alias
// ("string-width-cjs@npm:string-width@^4.2.0" is string-width). local is
// true when every descriptor is a local folder.
func yarnName(descs []string) (name string, local bool, err error) {
	if len(descs) == 0 {
		return "", false, errors.New("no descriptor")
	}
	local = true
	for i, d := range descs {
		n, rng, ok := splitAt(d)
		if !ok {
			return "", false, fmt.Errorf("descriptor %q has no range", clip(d))
		}
		if alias, ok := strings.CutPrefix(rng, "npm:"); ok {
			if real, _, ok := splitAt(alias); ok {
				n = real
			}
		}
		if i == 0 {
			name = n
		}
		local = local && isLocal(rng)
	}
	return name, local, nil
}
