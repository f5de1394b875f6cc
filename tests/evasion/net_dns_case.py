# DNS names as sent: case is data (0x20 encoding, tunnels), and a label may
# hold any byte. dns.question.name keeps the exact labels in presentation
# format ("." and "\" inside a label escaped with "\", other bytes outside
# 0x21-0x7e as \DDD); dns.question.name_normalized lower-cases ASCII letters.
# expect: {"type": "dns.query", "network.transport": "udp", "dns.question.name": "a\\.b\\001\\032.ExFiL.TeSt", "dns.question.name_normalized": "a\\.b\\001\\032.exfil.test", "dns.question.type": "TXT"}
# expect: {"type": "dns.response", "dns.question.name": "a\\.b\\001\\032.ExFiL.TeSt", "dns.response_code": "NXDOMAIN"}
import os, socket
addr = "127.53.%d.%d" % (os.getpid() >> 8 & 255, os.getpid() & 255)
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); srv.bind((addr, 53))
name = b"\x05a.b\x01 \x05ExFiL\x04TeSt\x00"
q = b"\x43\x21\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + name + b"\x00\x10\x00\x01"
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.sendto(q, (addr, 53))
got, peer = srv.recvfrom(512)
srv.sendto(got[:2] + b"\x81\x83" + got[4:], peer)
c.settimeout(5); c.recv(512)
