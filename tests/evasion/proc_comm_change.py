# A process that renames itself (prctl PR_SET_NAME) before running a child:
# the exec record keeps the real executable and argv.
# expect: {"type": "process.exec", "process.executable.path": "~/(true|coreutils)$", "process.name": "true"}
# expect: {"type": "process.exec", "process.command_args": ["/bin/true", "disguised"]}
import ctypes
import os
import sys

libc = ctypes.CDLL(None)
libc.prctl(15, b"kworker/0:1", 0, 0, 0)  # PR_SET_NAME
pid = os.fork()
if pid == 0:
    os.execv("/bin/true", ["/bin/true", "disguised"])
os.waitpid(pid, 0)
