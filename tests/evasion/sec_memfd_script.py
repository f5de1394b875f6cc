# A shell script run from a memfd through /proc/self/fd/N: the kernel runs
# /bin/sh as interpreter, but the executed file is still the memfd
# (bprm->executable), so the fileless exec is caught behind the #! line.
# expect: {"type": "security.memexec", "memory.operation": "memfd_exec", "memory.anonymous": true, "file.name": "memfd:stage2", "event.outcome": "success"}
import os
import sys

fd = os.memfd_create("stage2", 0)
os.write(fd, b"#!/bin/sh\nexit 0\n")
pid = os.fork()
if pid == 0:
    os.execv(f"/proc/self/fd/{fd}", ["stage2"])
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
