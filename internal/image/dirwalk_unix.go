//go:build unix

package image

import (
	"os"
	"syscall"
)

// openNonblock is added to the flags of every open of a directory source's
// file: a file replaced by a fifo must not hang the reader; it changes
// nothing for a regular file.
const openNonblock = syscall.O_NONBLOCK

// devOf is the device of fi (0 where the system does not say).
func devOf(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev) //nolint:unconvert // int32 on some systems
	}
	return 0
}

// ownerOf is the owner and group of fi (0, 0 where the system does not say).
func ownerOf(fi os.FileInfo) (uid, gid int) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid)
	}
	return 0, 0
}
