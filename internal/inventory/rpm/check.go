package rpm

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/knqyf263/go-rpmdb/pkg/bdb"
)

// The checks in this file walk a database the way go-rpmdb will, so that
// nothing go-rpmdb does afterwards (in a goroutine where a panic cannot be
// recovered) can index out of range, follow a page chain forever, allocate
// more than the file holds, print to stdout or stop mid-stream. They accept
// every database real rpm versions write.

const (
	// headerMax is rpm's own limit on one header (header.c headerMaxbytes).
	headerMax = 256 << 20

	ndbHeaderMagic  = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic    = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic    = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbPageSize     = 4096
	ndbSlotSize     = 16
	ndbMaxSlotPages = 2048 // go-rpmdb's own limit

	bdbMetaSize = 512
)

var sqliteMagic = []byte("SQLite format 3\x00")

// detect tells the format of the database file from its first bytes.
func detect(local string) (format, error) {
	f, err := os.Open(local)
	if err != nil {
		return formatUnknown, err
	}
	defer f.Close()
	head := make([]byte, 16)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return formatUnknown, fmt.Errorf("read: %w", err)
	}
	head = head[:n]
	switch {
	case bytes.Equal(head, sqliteMagic):
		return formatSQLite, nil
	case n >= 4 && binary.LittleEndian.Uint32(head) == ndbHeaderMagic:
		return formatNDB, nil
	case n == 16 && (binary.LittleEndian.Uint32(head[12:]) == bdb.HashMagicNumber ||
		binary.LittleEndian.Uint32(head[12:]) == bdb.HashMagicNumberBE):
		return formatBDB, nil
	}
	return formatUnknown, fmt.Errorf("not an rpm database: no sqlite, ndb or Berkeley DB hash magic in its first %d bytes", n)
}

// check verifies the structure of the database file before go-rpmdb reads it.
func check(ctx context.Context, f format, local string, maxPkgs int) error {
	switch f {
	case formatSQLite:
		return checkSQLite(ctx, local, maxPkgs)
	case formatNDB:
		return checkNDB(ctx, local, maxPkgs)
	case formatBDB:
		return checkBDB(ctx, local, maxPkgs)
	}
	return fmt.Errorf("unknown database format")
}

// checkHeaderLen checks the outer lengths of one header blob of n bytes that
// starts with head: index length il >= 1 and data length dl >= 0 must fit,
// so that go-rpmdb allocates no more than the blob holds.
func checkHeaderLen(head []byte, n int64) error {
	if n < 8 || len(head) < 8 {
		return fmt.Errorf("header of %d bytes is too short", n)
	}
	il := int64(int32(binary.BigEndian.Uint32(head)))
	dl := int64(int32(binary.BigEndian.Uint32(head[4:])))
	if il < 1 || dl < 0 {
		return fmt.Errorf("header index length %d or data length %d out of range", il, dl)
	}
	if need := 8 + 16*il + dl; need > n || need >= headerMax {
		return fmt.Errorf("header needs %d bytes, has %d", 8+16*il+dl, n)
	}
	return nil
}

func fileSize(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// checkNDB walks the slot pages and blob headers of an ndb Packages.db.
func checkNDB(ctx context.Context, local string, maxPkgs int) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	size, err := fileSize(f)
	if err != nil {
		return err
	}
	var hdr [32]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	le := binary.LittleEndian
	version, npages := le.Uint32(hdr[4:]), le.Uint32(hdr[12:])
	if version != 0 {
		return fmt.Errorf("unsupported ndb version %d", version)
	}
	if npages == 0 || npages > ndbMaxSlotPages {
		return fmt.Errorf("slot page count %d out of range (1..%d)", npages, ndbMaxSlotPages)
	}
	if int64(npages)*ndbPageSize > size {
		return fmt.Errorf("%d slot pages need %d bytes, file has %d", npages, int64(npages)*ndbPageSize, size)
	}
	slots := make([]byte, int(npages)*ndbPageSize)
	if _, err := f.ReadAt(slots, 0); err != nil {
		return fmt.Errorf("slot pages: %w", err)
	}
	var blob [16 + 8]byte
	count := 0
	// The first two slot positions hold the database header.
	for i := 2; i < len(slots)/ndbSlotSize; i++ {
		if i&255 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		s := slots[i*ndbSlotSize:]
		if m := le.Uint32(s); m != ndbSlotMagic {
			return fmt.Errorf("slot %d: bad magic %#x", i, m)
		}
		pkg, blk := le.Uint32(s[4:]), le.Uint32(s[8:])
		if pkg == 0 {
			continue
		}
		if count++; count > maxPkgs {
			return fmt.Errorf("more than %d packages", maxPkgs)
		}
		off := int64(blk) * 16
		if off+int64(len(blob)) > size {
			return fmt.Errorf("package %d: blob at %d beyond end of file (%d bytes)", pkg, off, size)
		}
		if _, err := f.ReadAt(blob[:], off); err != nil {
			return fmt.Errorf("package %d: blob header: %w", pkg, err)
		}
		if m := le.Uint32(blob[:]); m != ndbBlobMagic {
			return fmt.Errorf("package %d: bad blob magic %#x", pkg, m)
		}
		if p := le.Uint32(blob[4:]); p != pkg {
			return fmt.Errorf("package %d: blob belongs to package %d", pkg, p)
		}
		n := int64(le.Uint32(blob[12:]))
		if n > size-off-16 {
			return fmt.Errorf("package %d: blob of %d bytes beyond end of file", pkg, n)
		}
		if err := checkHeaderLen(blob[16:], n); err != nil {
			return fmt.Errorf("package %d: %w", pkg, err)
		}
	}
	return nil
}

// parseBDBMeta runs go-rpmdb's own metadata parser, recovering a panic.
func parseBDBMeta(b []byte) (m *bdb.HashMetadataPage, err error) {
	defer func() {
		if v := recover(); v != nil {
			m, err = nil, fmt.Errorf("metadata page: %v", v)
		}
	}()
	return bdb.ParseHashMetadataPage(b)
}

// checkBDB walks every hash page of a Berkeley DB Packages file and every
// overflow chain its entries point to.
func checkBDB(ctx context.Context, local string, maxPkgs int) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	size, err := fileSize(f)
	if err != nil {
		return err
	}
	meta := make([]byte, bdbMetaSize)
	if _, err := f.ReadAt(meta, 0); err != nil {
		return fmt.Errorf("metadata page: %w", err)
	}
	m, err := parseBDBMeta(meta)
	if err != nil {
		return err
	}
	ps := int64(m.PageSize)
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return fmt.Errorf("page size %d invalid", ps)
	}
	last := int64(m.LastPageNo)
	if (last+1)*ps > size {
		return fmt.Errorf("last page %d of %d bytes beyond end of file (%d bytes)", last, ps, size)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if m.Swapped {
		order = binary.BigEndian
	}
	const (
		hdr        = bdb.PageHeaderSize
		offEntry   = bdb.HashOffPageSize
		typeOffset = 25
	)
	page := make([]byte, ps)
	ov := make([]byte, ps)
	visited := make([]uint64, last/64+1)
	count := 0
	for pg := int64(0); pg <= last; pg++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := f.ReadAt(page, pg*ps); err != nil {
			return fmt.Errorf("page %d: %w", pg, err)
		}
		if t := page[typeOffset]; t != bdb.HashUnsortedPageType && t != bdb.HashPageType {
			continue
		}
		entries := order.Uint16(page[20:])
		if entries%2 != 0 {
			return fmt.Errorf("page %d: odd entry count %d", pg, entries)
		}
		// go-rpmdb computes the index size and its end in uint16: mirror it.
		idxSize := entries * bdb.HashIndexEntrySize
		end := uint16(hdr) + idxSize
		if int(end) != hdr+int(idxSize) || int64(end) > ps {
			return fmt.Errorf("page %d: %d entries overflow the page", pg, entries)
		}
		for k := 2; k+2 <= int(idxSize); k += 4 {
			v := int64(order.Uint16(page[hdr+k:]))
			if v >= ps {
				return fmt.Errorf("page %d: entry offset %d beyond the page", pg, v)
			}
			if page[v] != bdb.HashOffIndexPageType {
				continue // inline item: go-rpmdb skips it (key 0, the instance counter)
			}
			if v+offEntry > ps {
				return fmt.Errorf("page %d: off-page entry at %d beyond the page", pg, v)
			}
			if count++; count > maxPkgs {
				return fmt.Errorf("more than %d packages", maxPkgs)
			}
			var (
				head  []byte
				total int64
			)
			for cur := int64(order.Uint32(page[v+4:])); cur != 0; {
				if cur > last {
					return fmt.Errorf("page %d: overflow page %d beyond the last page %d", pg, cur, last)
				}
				if visited[cur/64]&(1<<(cur%64)) != 0 {
					return fmt.Errorf("page %d: overflow page %d reached twice (a loop or a shared chain)", pg, cur)
				}
				visited[cur/64] |= 1 << (cur % 64)
				if _, err := f.ReadAt(ov, cur*ps); err != nil {
					return fmt.Errorf("overflow page %d: %w", cur, err)
				}
				if t := ov[typeOffset]; t != bdb.OverflowPageType {
					return fmt.Errorf("page %d: chained page %d has type %d, not overflow", pg, cur, t)
				}
				next := int64(order.Uint32(ov[16:]))
				n := ps - hdr
				if next == 0 {
					n = int64(order.Uint16(ov[22:]))
					if hdr+n > ps {
						return fmt.Errorf("overflow page %d: length %d beyond the page", cur, n)
					}
				}
				if len(head) < 8 {
					head = append(head, ov[hdr:hdr+min(n, 8-int64(len(head)))]...)
				}
				if total += n; total >= headerMax {
					return fmt.Errorf("page %d: value over %d bytes", pg, headerMax)
				}
				cur = next
			}
			if err := checkHeaderLen(head, total); err != nil {
				return fmt.Errorf("page %d: %w", pg, err)
			}
		}
	}
	return nil
}

// checkSQLite checks an rpmdb.sqlite: SQLite's quick_check, a plain Packages
// table with a stored blob column, and each blob's outer header lengths.
func checkSQLite(ctx context.Context, local string, maxPkgs int) error {
	db, err := sql.Open("sqlite", local)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&res); err != nil {
		return fmt.Errorf("quick_check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("quick_check: %s", res)
	}
	var typ, ddl sql.NullString
	var tables int
	rows, err := db.QueryContext(ctx, "SELECT type, sql FROM sqlite_master WHERE name = 'Packages' COLLATE NOCASE")
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	for rows.Next() {
		tables++
		if err := rows.Scan(&typ, &ddl); err != nil {
			rows.Close()
			return fmt.Errorf("schema: %w", err)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	if tables != 1 || typ.String != "table" ||
		strings.HasPrefix(strings.ToUpper(strings.TrimSpace(ddl.String)), "CREATE VIRTUAL") {
		return errors.New("no plain Packages table")
	}
	var plain int
	if err := db.QueryRowContext(ctx,
		"SELECT count(*) FROM pragma_table_xinfo('Packages') WHERE name = 'blob' COLLATE NOCASE AND hidden = 0",
	).Scan(&plain); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	if plain != 1 {
		return errors.New("Packages table has no stored blob column")
	}
	var n, notBlob int64
	if err := db.QueryRowContext(ctx,
		"SELECT count(*), coalesce(sum(typeof(blob) <> 'blob'), 0) FROM Packages",
	).Scan(&n, &notBlob); err != nil {
		return fmt.Errorf("count: %w", err)
	}
	if n > int64(maxPkgs) {
		return fmt.Errorf("%d packages, over the limit of %d", n, maxPkgs)
	}
	if notBlob != 0 {
		return fmt.Errorf("%d Packages rows hold no blob", notBlob)
	}
	rows, err = db.QueryContext(ctx, "SELECT substr(blob, 1, 8), length(blob) FROM Packages")
	if err != nil {
		return fmt.Errorf("headers: %w", err)
	}
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		var head []byte
		var size int64
		if err := rows.Scan(&head, &size); err != nil {
			return fmt.Errorf("headers: %w", err)
		}
		if err := checkHeaderLen(head, size); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	return rows.Err()
}
