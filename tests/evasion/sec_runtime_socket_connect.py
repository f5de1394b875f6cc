# connect() to a container runtime's API socket is the classic container
# escape: a failed one (no docker here: ENOENT) and one that succeeds (a
# listener named like containerd's) are both security.escape (container),
# derived from the net.connect. An ordinary UNIX socket is not.
# expect: {"type": "net.connect", "network.peer.address": "/var/run/docker.sock", "event.outcome": "failure", "error.code": "ENOENT", "network.sensitive_category": "container"}
# expect: {"type": "security.escape", "escape.category": "container", "escape.derived_from": "net.connect", "escape.syscall": "connect", "escape.detail": "connect /var/run/docker.sock", "file.path": "/var/run/docker.sock", "event.outcome": "failure", "error.code": "ENOENT"}
# expect: {"type": "security.escape", "escape.category": "container", "escape.derived_from": "net.connect", "escape.detail": "connect $WORK/containerd.sock", "event.outcome": "success"}
# expect: {"type": "net.connect", "network.peer.address": "$WORK/plain.sock", "event.outcome": "success"}
# expect-not: {"type": "security.escape", "file.path": "$WORK/plain.sock"}
import os, socket, sys
work = sys.argv[1]
c = socket.socket(socket.AF_UNIX)
try:
    c.connect("/var/run/docker.sock")
except OSError:
    pass
for name in ("containerd.sock", "plain.sock"):
    s = socket.socket(socket.AF_UNIX); s.bind(os.path.join(work, name)); s.listen(1)
    c = socket.socket(socket.AF_UNIX); c.connect(os.path.join(work, name))
