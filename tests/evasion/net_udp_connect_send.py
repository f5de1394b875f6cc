# UDP connect() then send(): no address on the send; the connect carries
# the peer and the flow counts the bytes.
# expect: {"type": "net.connect", "network.transport": "udp", "network.peer.port": 39021, "event.outcome": "success"}
# expect: {"type": "net.flow", "network.transport": "udp", "network.peer.port": 39021, "flow.bytes_out": 1500}
import socket
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 39021))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", 39021))
for _ in range(3):
    s.send(b"q" * 500)
