# chmod through /proc/self/fd/N of an O_PATH descriptor (how C libraries
# emulate fchmodat(AT_SYMLINK_NOFOLLOW), and a way to avoid naming the
# file): file.metadata names the real file and keeps the magic-link name.
# Also a hard link made from /proc/self/fd/N (linkat AT_SYMLINK_FOLLOW).
# setup: printf 'x' > $WORK/tool
# expect: {"type": "file.metadata", "file.operation": "chmod", "file.path": "$WORK/tool", "file.requested_path": "~^/proc/self/fd/[0-9]+$", "file.mode": "4777", "event.outcome": "success"}
# expect: {"type": "file.metadata", "file.operation": "link", "file.path": "$WORK/copy", "file.target_path": "$WORK/tool", "event.outcome": "success"}
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
fd = os.open("tool", os.O_PATH)
os.chmod(f"/proc/self/fd/{fd}", 0o4777)
AT_FDCWD, AT_SYMLINK_FOLLOW = -100, 0x400
rc = libc.linkat(AT_FDCWD, f"/proc/self/fd/{fd}".encode(), AT_FDCWD, b"copy", AT_SYMLINK_FOLLOW)
assert rc == 0, os.strerror(ctypes.get_errno())
