# A label carried across a pipe to a fresh child: cat opens the secret (a
# label source) and writes it into a pipe; python, started as cat's sibling
# before either had a label, reads the pipe and gets the label from the
# pipe's inode (labels kept by inode, bpf/policy/labels.bpf.c): its connect
# is blocked (EPERM). Blocked.
# setup: echo KEY > $WORK/secret
# policy: {labels: {secret: {sources: ["$WORK/secret"]}}, rules: [{name: no-secret-egress, if: {label: secret}, deny: connect}]}
# expect: {"type": "policy.label", "process.name": "cat", "policy.label.cause": "source", "file.path": "$WORK/secret"}
# expect: {"type": "policy.label", "process.name": "python3", "policy.label.cause": "read_labelled", "policy.labels": ["secret"]}
# expect: {"type": "policy.violation", "policy.rule": "no-secret-egress", "policy.verdict": "blocked", "policy.mechanism": "cgroup_sock_addr", "process.name": "python3", "network.peer.port": 9, "policy.labels": ["secret"]}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "connect=1"]}
cd "$1"
r=$(cat secret | /usr/bin/python3 -c 'import sys, socket; sys.stdin.read(); print(socket.socket().connect_ex(("127.0.0.1", 9)))')
/bin/echo "connect=$r"
