# bash's /dev/tcp: no external tool, the shell itself connects.
# expect: {"type": "net.connect", "process.name": "bash", "network.peer.address": "127.0.0.1", "event.outcome": "success"}
# expect: {"type": "net.flow", "process.name": "bash", "network.peer.address": "127.0.0.1", "flow.bytes_out": 12, "flow.established": true}
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
while c.recv(100): pass
' > "$1/port" &
while ! [ -s "$1/port" ]; do sleep 0.05; done
port=$(cat "$1/port")
/bin/bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'hello world\n' >&3; exec 3>&-"
wait
