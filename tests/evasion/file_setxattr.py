# Extended attributes can carry data or change security labels: setxattr and
# fsetxattr are file.metadata setxattr with the attribute name and size.
# setup: printf 'x' > $WORK/f
# expect: {"type": "file.metadata", "file.operation": "setxattr", "file.path": "$WORK/f", "file.xattr.name": "user.proctor", "file.xattr.size": 5, "file.syscall": "setxattr", "event.outcome": "success"}
# expect: {"type": "file.metadata", "file.operation": "setxattr", "file.path": "$WORK/f", "file.xattr.name": "user.second", "file.syscall": "fsetxattr"}
# expect: {"type": "file.metadata", "file.operation": "removexattr", "file.path": "$WORK/f", "file.xattr.name": "user.proctor"}
import os

os.setxattr("f", "user.proctor", b"hello")
fd = os.open("f", os.O_RDONLY)
os.setxattr(fd, "user.second", b"x")
os.removexattr("f", "user.proctor")
