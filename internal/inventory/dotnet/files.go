package dotnet

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// errTooLarge marks a file larger than Config.MaxFileSize: it costs only
// that file (a warning), never the catalog.
var errTooLarge = errors.New("file too large")

// readCapped reads file p of fsys whole, up to max bytes; a larger file is
// errTooLarge. A file that vanished is (nil, nil).
func readCapped(fsys fs.FS, p string, max int64) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		if inventory.Absent(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, max)
	}
	return b, nil
}

// clip quotes s for a message, cut to n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return fmt.Sprintf("%q...", s[:n])
	}
	return fmt.Sprintf("%q", s)
}
