# sendto() on a UNIX datagram socket names a path: net.send carries it.
# expect: {"type": "net.send", "network.type": "unix", "network.peer.address": "~/dgram.sock$", "network.syscall": "sendto", "event.outcome": "success"}
import os, socket, sys
path = os.path.join(sys.argv[1], "dgram.sock")
r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); r.bind(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"hi", path)
