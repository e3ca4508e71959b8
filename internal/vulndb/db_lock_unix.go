//go:build unix

package vulndb

import (
	"os"
	"syscall"
)

// tryLock takes an exclusive flock on f without waiting; it reports
// whether it got it (the lock goes with f's Close).
func tryLock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
