# Abstract UNIX sockets have no file: the name is shown with a leading '@'.
# expect: {"type": "net.bind", "network.type": "unix", "network.local.address": "@proctor-evasion", "event.outcome": "success"}
# expect: {"type": "net.connect", "network.type": "unix", "network.peer.address": "@proctor-evasion", "event.outcome": "success"}
# expect: {"type": "net.accept", "network.type": "unix", "network.local.address": "@proctor-evasion"}
import socket
s = socket.socket(socket.AF_UNIX); s.bind("\0proctor-evasion"); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect("\0proctor-evasion")
a, _ = s.accept()
