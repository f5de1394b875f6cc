# Destroying file contents without writing to it: truncate(2) by name and
# ftruncate(2) by descriptor; both are file.metadata truncate with the size.
# setup: printf 'topsecret\n' > $WORK/log
# expect: {"type": "file.metadata", "file.operation": "truncate", "file.path": "$WORK/log", "file.size": 3, "file.syscall": "truncate", "event.outcome": "success"}
# expect: {"type": "file.metadata", "file.operation": "truncate", "file.path": "$WORK/log", "file.size": 0, "file.syscall": "ftruncate", "event.outcome": "success"}
import os
import sys

os.truncate("log", 3)
fd = os.open("log", os.O_WRONLY)
os.ftruncate(fd, 0)
