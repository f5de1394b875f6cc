# curl to a local HTTP server: a different program, the same flow record.
# (curl connects non-blocking: the connect returns EINPROGRESS, outcome "unknown")
# expect: {"type": "net.connect", "process.name": "curl", "network.peer.address": "127.0.0.1", "network.peer.port": 39081, "event.outcome": "unknown", "error.code": "EINPROGRESS"}
# expect: {"type": "net.flow", "process.name": "curl", "network.peer.port": 39081, "flow.established": true, "verdict": "ALLOWED"}
cd "$1" && echo hello > index.html
/usr/bin/python3 -m http.server 39081 --bind 127.0.0.1 > srv.log 2>&1 &
pid=$!
for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:39081/ && break; sleep 0.1; done
curl -s http://127.0.0.1:39081/index.html > out.txt
kill $pid
grep -q hello out.txt
