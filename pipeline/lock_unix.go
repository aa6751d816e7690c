//go:build unix

package pipeline

import (
	"os"
	"syscall"
)

// tryLock takes an exclusive advisory lock on f without waiting; the kernel
// releases it when the process dies, so a lock never goes stale.
func tryLock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

// umask is the process's file mode creation mask.
func umask() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}
