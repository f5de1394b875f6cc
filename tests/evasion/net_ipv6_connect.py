# IPv6 over loopback: connect and flow carry IPv6 addresses.
# expect: {"type": "net.connect", "network.type": "ipv6", "network.peer.address": "::1", "event.outcome": "success"}
# expect: {"type": "net.flow", "network.type": "ipv6", "network.peer.address": "::1", "flow.bytes_out": 4096, "flow.bytes_in": 4096}
# expect: {"type": "net.listen", "network.type": "ipv6", "network.local.address": "::1"}
import socket, threading
srv = socket.socket(socket.AF_INET6); srv.bind(("::1", 0)); srv.listen(1)
port = srv.getsockname()[1]
def echo():
    c, _ = srv.accept(); got = b""
    while len(got) < 4096: got += c.recv(4096)
    c.sendall(got); c.close()
th = threading.Thread(target=echo); th.start()
s = socket.create_connection(("::1", port)); s.sendall(b"6" * 4096)
got = b""
while len(got) < 4096: got += s.recv(4096)
s.close(); th.join()
