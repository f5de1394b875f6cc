# bash's /dev/tcp: no external tool, the shell itself connects.
# expect: {"type": "net.connect", "process.name": "bash", "network.peer.address": "127.0.0.1", "network.peer.port": 39011, "event.outcome": "success"}
# expect: {"type": "net.flow", "process.name": "bash", "network.peer.port": 39011, "flow.bytes_out": 12, "flow.established": true}
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 39011)); s.listen(1); print("up", flush=True)
c, _ = s.accept()
while c.recv(100): pass
' > "$1/srv.out" &
while ! grep -q up "$1/srv.out" 2>/dev/null; do sleep 0.05; done
/bin/bash -c 'exec 3<>/dev/tcp/127.0.0.1/39011; printf "hello world\n" >&3; exec 3>&-'
wait
