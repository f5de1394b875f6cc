# setns() through a pidfd (Linux 5.8+): joins another process's namespaces
# without opening /proc/PID/ns/*. The target is named by its pid.
# user: proctor-agent
# expect: {"type": "security.escape", "escape.category": "namespace", "escape.syscall": "setns", "escape.detail": "~^nstype=CLONE_NEWUTS\\|CLONE_NEWNET target=pidfd:[0-9]+$", "event.outcome": "failure", "error.code": "EPERM"}
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
fd = os.pidfd_open(os.getpid())
libc.setns(fd, 0x04000000 | 0x40000000)  # CLONE_NEWUTS | CLONE_NEWNET
