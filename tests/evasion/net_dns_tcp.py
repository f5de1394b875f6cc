# DNS over TCP to a server the program runs itself (127.0.0.54:53):
# the query and the response are decoded from the TCP stream.
# expect: {"type": "dns.query", "network.transport": "tcp", "dns.question.name": "evasion.test", "dns.question.type": "A", "network.peer.address": "127.0.0.54"}
# expect: {"type": "dns.response", "network.transport": "tcp", "dns.question.name": "evasion.test", "dns.response_code": "NOERROR", "dns.answers": ["192.0.2.7"]}
import socket, struct, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.54", 53)); srv.listen(1)
def serve():
    c, _ = srv.accept()
    n = struct.unpack("!H", c.recv(2, socket.MSG_WAITALL))[0]
    q = c.recv(n, socket.MSG_WAITALL)
    qid = q[:2]; question = q[12:]
    r = qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question + \
        b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + socket.inet_aton("192.0.2.7")
    c.sendall(struct.pack("!H", len(r)) + r); c.close()
threading.Thread(target=serve).start()
q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07evasion\x04test\x00\x00\x01\x00\x01"
t = socket.create_connection(("127.0.0.54", 53))
t.sendall(struct.pack("!H", len(q)) + q)
n = struct.unpack("!H", t.recv(2, socket.MSG_WAITALL))[0]
assert socket.inet_ntoa(t.recv(n, socket.MSG_WAITALL)[-4:]) == "192.0.2.7"
