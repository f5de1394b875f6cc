# A label carried across a UNIX socket pair: the parent forks its child
# before it reads the secret, then sends it over a socketpair; the child,
# unlabelled until then, receives it (recv: a recvfrom) and gets the label
# from its socket's inode: a write to a connected UNIX socket labels the
# peer socket's inode (sendto/sendmsg/write), and every socket read
# (read/readv/recvfrom/recvmsg) takes the labels of the socket read. The
# child's connect is blocked. Blocked.
# setup: echo KEY > $WORK/secret
# policy: {labels: {secret: {sources: ["$WORK/secret"]}}, rules: [{name: no-secret-egress, if: {label: secret}, deny: connect}]}
# expect: {"type": "policy.label", "process.name": "python3", "policy.label.cause": "read_labelled", "policy.labels": ["secret"]}
# expect: {"type": "policy.violation", "policy.rule": "no-secret-egress", "policy.verdict": "blocked", "process.name": "python3", "network.peer.port": 9}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "child-connect=1"]}
import os
import socket
import sys

a, b = socket.socketpair()
pid = os.fork()
if pid == 0:
    a.close()
    b.recv(100)
    r = socket.socket().connect_ex(("127.0.0.1", 9))
    os.execv("/bin/echo", ["/bin/echo", f"child-connect={r}"])
b.close()
with open(os.path.join(sys.argv[1], "secret")) as f:
    a.send(f.read().encode())
os.waitpid(pid, 0)
