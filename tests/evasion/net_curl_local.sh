# curl to a local HTTP server: a different program, the same flow record.
# (curl connects non-blocking: the connect returns EINPROGRESS, outcome "unknown")
# expect: {"type": "net.connect", "process.name": "curl", "network.peer.address": "127.0.0.1", "event.outcome": "unknown", "error.code": "EINPROGRESS"}
# expect: {"type": "net.flow", "process.name": "curl", "network.peer.address": "127.0.0.1", "flow.established": true, "verdict": "ALLOWED"}
cd "$1" && echo hello > index.html
/usr/bin/python3 -c '
import http.server, socketserver, sys
h = socketserver.TCPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
open("port", "w").write(str(h.server_address[1]))
h.handle_request()
' > srv.log 2>&1 &
while ! [ -s port ]; do sleep 0.05; done
curl -s "http://127.0.0.1:$(cat port)/index.html" > out.txt
wait
grep -q hello out.txt
