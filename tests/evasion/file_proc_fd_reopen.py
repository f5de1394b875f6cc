# Re-opening an already open file through /proc/self/fd/N (a way to get a
# second, writable descriptor, or to hide the real name): file.open names the
# real file and keeps the requested magic-link path.
# setup: printf 'topsecret\n' > $WORK/secret
# expect: {"type": "file.open", "file.path": "$WORK/secret", "file.requested_path": "~^/proc/self/fd/[0-9]+$", "file.access": "read", "event.outcome": "success"}
# expect: {"type": "file.read", "file.path": "$WORK/secret", "file.bytes": 10, "file.operations": 4}
import os
import sys

fd = os.open(os.path.join(sys.argv[1], "secret"), os.O_RDONLY | os.O_PATH)
fd2 = os.open(f"/proc/self/fd/{fd}", os.O_RDONLY)
while os.read(fd2, 4):
    pass
os.close(fd2)
