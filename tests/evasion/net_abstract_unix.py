# Abstract UNIX sockets have no file: the name is shown with a leading '@'.
# expect: {"type": "net.bind", "network.type": "unix", "network.local.address": "~^@proctor-evasion-[0-9]+$", "event.outcome": "success"}
# expect: {"type": "net.connect", "network.type": "unix", "network.peer.address": "~^@proctor-evasion-[0-9]+$", "event.outcome": "success"}
# expect: {"type": "net.accept", "network.type": "unix", "network.local.address": "~^@proctor-evasion-[0-9]+$"}
import os, socket
name = "\0proctor-evasion-%d" % os.getpid()
s = socket.socket(socket.AF_UNIX); s.bind(name); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect(name)
a, _ = s.accept()
