# IPv6 over loopback: connect and flow carry IPv6 addresses.
# expect: {"type": "net.connect", "network.type": "ipv6", "network.peer.address": "::1", "network.peer.port": 39031, "event.outcome": "success"}
# expect: {"type": "net.flow", "network.type": "ipv6", "network.peer.address": "::1", "network.peer.port": 39031, "flow.bytes_out": 4096, "flow.bytes_in": 4096}
# expect: {"type": "net.listen", "network.type": "ipv6", "network.local.port": 39031}
import socket, threading
srv = socket.socket(socket.AF_INET6); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("::1", 39031)); srv.listen(1)
def echo():
    c, _ = srv.accept(); got = b""
    while len(got) < 4096: got += c.recv(4096)
    c.sendall(got); c.close()
th = threading.Thread(target=echo); th.start()
s = socket.create_connection(("::1", 39031)); s.sendall(b"6" * 4096)
got = b""
while len(got) < 4096: got += s.recv(4096)
s.close(); th.join()
