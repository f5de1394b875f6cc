# chmod relative to a directory fd (fchmodat) and through an fd (fchmod):
# both file.metadata chmod events carry the absolute path and the mode.
# setup: printf 'x' > $WORK/tool
# expect: {"type": "file.metadata", "file.operation": "chmod", "file.path": "$WORK/tool", "file.mode": "4755", "file.syscall": "fchmodat", "event.outcome": "success"}
# expect: {"type": "file.metadata", "file.operation": "chmod", "file.path": "$WORK/tool", "file.mode": "0700", "file.syscall": "fchmod", "event.outcome": "success"}
import os
import sys

d = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
os.chmod("tool", 0o4755, dir_fd=d)
fd = os.open(os.path.join(sys.argv[1], "tool"), os.O_RDONLY)
os.fchmod(fd, 0o700)
