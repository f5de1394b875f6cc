# socket.create_connection (getaddrinfo + connect) to a local listener; the
# flow has the exact bytes both ways.
# expect: {"type": "net.flow", "process.name": "python3", "network.transport": "tcp", "network.peer.port": 39071, "flow.bytes_out": 100000, "flow.bytes_in": 7, "verdict": "ALLOWED", "policy.rule": "none"}
import socket, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 39071)); srv.listen(1)
def sink():
    c, _ = srv.accept(); n = 0
    while n < 100000: n += len(c.recv(65536))
    c.sendall(b"thanks!"); c.close()
th = threading.Thread(target=sink); th.start()
s = socket.create_connection(("localhost", 39071), family=socket.AF_INET) if False else socket.create_connection(("127.0.0.1", 39071))
s.sendall(b"z" * 100000)
while s.recv(100): pass
s.close(); th.join()
