# Backdating a file's timestamps to hide a change (touch -d / utimensat):
# file.metadata utimes with the absolute path.
# setup: printf 'x' > $WORK/changed
# expect: {"type": "file.metadata", "file.operation": "utimes", "file.path": "$WORK/changed", "file.syscall": "utimensat", "event.outcome": "success"}
# expect: {"type": "file.metadata", "file.operation": "utimes", "file.path": "$WORK/changed", "process.name": "touch"}
import os
import subprocess
import sys

os.utime("changed", (1000000000, 1000000000))
subprocess.run(["touch", "-d", "2001-01-01", "changed"], check=True)
