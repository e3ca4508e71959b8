package image

import (
	"os"
	"syscall"
)

// pseudoFS reports whether directory f lies on a file system that a
// directory walk does not enter, and names its type: kernel pseudo file
// systems (their files describe the running system, not installed
// software; reading some blocks or has side effects) and network file
// systems (slow, and not part of the system scanned). The magic numbers are
// those of statfs(2).
func pseudoFS(f *os.File) (string, bool) {
	rc, err := f.SyscallConn()
	if err != nil {
		return "", false
	}
	var st syscall.Statfs_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fstatfs(int(fd), &st) }); err != nil || serr != nil {
		return "", false
	}
	switch uint32(st.Type) {
	case 0x9fa0:
		return "proc", true
	case 0x62656572:
		return "sysfs", true
	case 0x1cd1:
		return "devpts", true
	case 0x27e0eb:
		return "cgroup", true
	case 0x63677270:
		return "cgroup2", true
	case 0x64626720:
		return "debugfs", true
	case 0x74726163:
		return "tracefs", true
	case 0x73636673:
		return "securityfs", true
	case 0x6165676c:
		return "pstore", true
	case 0xcafe4a11:
		return "bpf", true
	case 0x62656570:
		return "configfs", true
	case 0x65735543:
		return "fusectl", true
	case 0x19800202:
		return "mqueue", true
	case 0x958458f6:
		return "hugetlbfs", true
	case 0x42494e4d:
		return "binfmt_misc", true
	case 0xde5e81e4:
		return "efivarfs", true
	case 0xf97cff8c:
		return "selinuxfs", true
	case 0x43415d53:
		return "smackfs", true
	case 0x0187:
		return "autofs", true
	case 0x6e736673:
		return "nsfs", true
	case 0x6969:
		return "nfs", true
	case 0xff534d42:
		return "cifs", true
	case 0xfe534d42:
		return "smb2", true
	case 0x517b:
		return "smb", true
	}
	return "", false
}
