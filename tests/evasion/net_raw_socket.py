# Raw and packet sockets (as root): recorded as net.socket with their type.
# expect: {"type": "net.socket", "network.type": "ipv4", "network.transport": "raw", "event.outcome": "success"}
# expect: {"type": "net.socket", "network.type": "packet", "network.transport": "packet", "event.outcome": "success"}
# expect: {"type": "net.send", "network.transport": "raw", "network.peer.address": "127.0.0.1"}
import socket
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
r.sendto(b"\x08\x00\xf7\xff\x00\x00\x00\x00", ("127.0.0.1", 0))  # ICMP echo
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
