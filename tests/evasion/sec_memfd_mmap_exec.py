# Double mapping without any anonymous executable memory: code written to a
# memfd, then the memfd mapped PROT_READ|PROT_EXEC. Not a file on disk, so
# it counts as anonymous executable memory (memory.memfd).
# expect: {"type": "security.memexec", "memory.operation": "mmap", "memory.protection": "r-x", "memory.anonymous": true, "memory.memfd": true, "file.name": "memfd:jit-code", "memory.shared": true, "event.outcome": "success"}
import mmap
import os

fd = os.memfd_create("jit-code", 0)
os.write(fd, b"\xc3" * 4096)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_EXEC)
m.close()
